"""Reports: incoming accounts of possible violations, from delegations and open sources."""
