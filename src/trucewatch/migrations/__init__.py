"""Alembic migrations of the trucewatch schema; run by ``trucewatch init`` and on start."""
