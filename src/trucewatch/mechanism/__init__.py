"""The mechanism's own work: meetings and the commitments agreed at them."""
