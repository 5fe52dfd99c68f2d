"""fusion: delegations' disputes of a fusion, full re-fusions and the model each learned

``reports.place_key`` and ``reports.sketch`` hold what fusion works out of a report's place name
and narrative when it places it (read again for every report placed near it);
``fusion_decisions`` and ``fusion_decision_reports`` hold the signed ``fusion_decision`` entries
(a split or a merge, and the reports they name); ``fusion_runs`` the ``fusion`` entries, each with
the Fellegi-Sunter model that re-fusion learned (new reports are placed with the latest one).
Reports gain an index on ``entry_idx`` (the followers of each write look their new reports up by
it) and on ``(time_precision, occurred_at)`` (placement reads the reports dated to the week or month).
Incidents are made by fusion in Python: a database upgraded from 0006 gets them from
``trucewatch fuse --full``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("place_key", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("sketch", sa.LargeBinary(length=64), nullable=True))
        batch.create_index("ix_reports_time_precision_occurred_at", ["time_precision", "occurred_at"])
        batch.create_index("ix_reports_entry_idx", ["entry_idx"])
    op.create_table(
        "fusion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_idx", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delegation_id"], ["delegations.id"], name=op.f("fk_fusion_decisions_delegation_id_delegations")
        ),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_fusion_decisions_entry_idx_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fusion_decisions")),
        sa.UniqueConstraint("entry_idx", name=op.f("uq_fusion_decisions_entry_idx")),
    )
    op.create_table(
        "fusion_decision_reports",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["fusion_decisions.id"],
            name=op.f("fk_fusion_decision_reports_decision_id_fusion_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_fusion_decision_reports_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("decision_id", "report_id", name=op.f("pk_fusion_decision_reports")),
    )
    op.create_index(op.f("ix_fusion_decision_reports_report_id"), "fusion_decision_reports", ["report_id"])
    op.create_table(
        "fusion_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_idx", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_fusion_runs_entry_idx_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fusion_runs")),
        sa.UniqueConstraint("entry_idx", name=op.f("uq_fusion_runs_entry_idx")),
    )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_entry_idx")
        batch.drop_index("ix_reports_time_precision_occurred_at")
        batch.drop_column("sketch")
        batch.drop_column("place_key")
    op.drop_table("fusion_runs")
    op.drop_index(op.f("ix_fusion_decision_reports_report_id"), table_name="fusion_decision_reports")
    op.drop_table("fusion_decision_reports")
    op.drop_table("fusion_decisions")
