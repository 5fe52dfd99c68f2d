"""The registry: delegations and their members and keys, armed actors and their history."""
