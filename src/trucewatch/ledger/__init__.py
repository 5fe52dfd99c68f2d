"""The ledger: every write of the core is an entry, in one append-only order."""
