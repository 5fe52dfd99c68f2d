"""web sign-in: members' passwords, and tokens marked by purpose

``member_passwords`` holds the scrypt hash of a member's password for the web UI
(``trucewatch member password``); ``api_tokens.purpose`` tells a token made by
``trucewatch token new`` (``api``) from a browser's sign-in (``web``). Both are local
access state of one server, like the tokens: no entry makes them, and rebuilds leave them out.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import trucewatch.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=8), server_default="api", nullable=False))
    op.create_table(
        "member_passwords",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("set_at", trucewatch.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_passwords_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_passwords")),
    )


def downgrade() -> None:
    op.drop_table("member_passwords")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("purpose")
