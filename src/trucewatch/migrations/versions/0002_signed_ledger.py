"""signed ledger: entries become signed lines; tree nodes, sealed payloads, checkpoints, cosignatures

An unsigned log of version 0.1 cannot be signed after the fact (its authors'
keys did not sign it), so this migration refuses a database that holds entries:
rebuild it from its source files with the new version instead.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:39:21.842336
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import trucewatch.store.types
from trucewatch.errors import StorageError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT count(*) FROM entries")).scalar():
        raise StorageError(
            "this database holds an unsigned log (trucewatch 0.1), which cannot be signed after the fact: "
            "build a new database and import its source files again"
        )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signed_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "tree_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_tree_nodes")),
    )
    op.create_table(
        "cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_size", sa.Integer(), nullable=False),
        sa.Column("witness", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("timestamp", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_size"], ["checkpoints.size"], name=op.f("fk_cosignatures_checkpoint_size_checkpoints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosignatures")),
        sa.UniqueConstraint("checkpoint_size", "witness", name=op.f("uq_cosignatures_checkpoint_size_witness")),
    )
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cosignatures_checkpoint_size"), ["checkpoint_size"], unique=False)

    op.create_table(
        "sealed_payloads",
        sa.Column("entry_idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("salt", sa.LargeBinary(length=32), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_sealed_payloads_entry_idx_entries")),
        sa.PrimaryKeyConstraint("entry_idx", name=op.f("pk_sealed_payloads")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=False))
        batch_op.add_column(sa.Column("hash", sa.LargeBinary(length=32), nullable=False))
        batch_op.add_column(sa.Column("line", sa.LargeBinary(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f("uq_entries_hash"), ["hash"])
        batch_op.drop_column("payload")

    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_entry", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("entry_idx", sa.Integer(), nullable=False))
        batch_op.alter_column("delegation_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_foreign_key(batch_op.f("fk_signing_keys_entry_idx_entries"), "entries", ["entry_idx"], ["idx"])
        batch_op.create_foreign_key(
            batch_op.f("fk_signing_keys_revoked_by_entry_entries"), "entries", ["revoked_by_entry"], ["idx"]
        )


def downgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_signing_keys_revoked_by_entry_entries"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_signing_keys_entry_idx_entries"), type_="foreignkey")
        batch_op.alter_column("delegation_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("entry_idx")
        batch_op.drop_column("revoked_by_entry")
        batch_op.drop_column("revoked_at")

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.TEXT(), nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_entries_hash"), type_="unique")
        batch_op.drop_column("line")
        batch_op.drop_column("hash")
        batch_op.drop_column("key_id")

    op.drop_table("sealed_payloads")
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cosignatures_checkpoint_size"))

    op.drop_table("cosignatures")
    op.drop_table("tree_nodes")
    op.drop_table("checkpoints")
