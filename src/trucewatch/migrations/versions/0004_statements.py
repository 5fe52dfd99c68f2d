"""statements: entries sign a position-free statement; each signed statement enters the log once

The entry format changed (the author signs the statement, the log places it), so a
log written by an earlier version does not verify under this one: this migration
refuses a database that holds entries, as 0002 did.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trucewatch.errors import StorageError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT count(*) FROM entries")).scalar():
        raise StorageError(
            "this database holds a log in the earlier entry format (signatures over the log position), "
            "which does not verify under this version: build a new database and import its source files again"
        )
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("statement_hash", sa.LargeBinary(length=32), nullable=True))
        batch.create_unique_constraint(batch.f("uq_entries_statement_hash"), ["statement_hash"])
        batch.create_index(batch.f("ix_entries_recorded_at"), ["recorded_at"])


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_index(batch.f("ix_entries_recorded_at"))
        batch.drop_constraint(batch.f("uq_entries_statement_hash"), type_="unique")
        batch.drop_column("statement_hash")
