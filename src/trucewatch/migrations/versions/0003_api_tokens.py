"""api tokens: members' access tokens to the HTTP API, and members made locally for them

Tokens, and the members ``trucewatch token new`` creates for them, are local access
state of one server, not records of the mechanism: no ledger entry makes them, and
``members.local`` tells those members apart from the roster of ``delegation`` entries.
Every member already stored came from a ``delegation`` entry, so it is not local.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:12:03.518204
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import trucewatch.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local", sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=8), nullable=False),
        sa.Column("created_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_api_tokens_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_member_id"))

    op.drop_table("api_tokens")
    # without the column, a local member would pass for one of a delegation entry's roster
    members = sa.table("members", sa.column("local", sa.Boolean()))
    op.execute(members.delete().where(members.c.local.is_(True)))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("local")
