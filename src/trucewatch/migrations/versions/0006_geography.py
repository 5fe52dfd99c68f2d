"""geography: the mechanism's places, where a report's point comes from, attribution to the map

``places`` holds the places the mechanism adds to the shipped gazetteer (``place`` entries);
``reports.location`` says where a report's point comes from (reports stored before had none
looked up: those without a point are ``unknown``); ``attributions`` and ``attribution_changes``
hold who held each report's place on its day, and what changed it. Attribution is computed in
Python, not here: a database upgraded from 0005 gets its reports attributed by
``trucewatch ledger rebuild`` (or from the next change of the map, for the reports it touches).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 01:34:53.338621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_ar", sa.String(length=200), nullable=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("precision", sa.String(length=16), nullable=False),
        sa.Column("governorate", sa.String(length=8), nullable=True),
        sa.Column("district", sa.String(length=8), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("entry_idx", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_places_entry_idx_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("key", name=op.f("uq_places_key")),
    )
    op.create_table(
        "attribution_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("entry_idx", sa.Integer(), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=False),
        sa.Column("after", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_attribution_changes_entry_idx_entries")),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_attribution_changes_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_attribution_changes_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribution_changes")),
    )
    with op.batch_alter_table("attribution_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attribution_changes_entry_idx"), ["entry_idx"], unique=False)
        batch_op.create_index(batch_op.f("ix_attribution_changes_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attribution_changes_report_id"), ["report_id"], unique=False)

    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("front_km", sa.Float(), nullable=True),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("entry_idx", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_idx"], ["entries.idx"], name=op.f("fk_attributions_entry_idx_entries")),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_attributions_incident_id_incidents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_attributions_report_id_reports"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attributions")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_attributions_incident_id")),
        sa.UniqueConstraint("report_id", name=op.f("uq_attributions_report_id")),
    )
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attributions_status"), ["status"], unique=False)

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geo_precision", sa.String(length=16), server_default="exact", nullable=False))

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location", sa.String(length=16), server_default="reported", nullable=False))
    reports = sa.table("reports", sa.column("location", sa.String()), sa.column("latitude", sa.Float()))
    op.execute(reports.update().where(reports.c.latitude.is_(None)).values(location="unknown"))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("location")

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("geo_precision")

    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attributions_status"))

    op.drop_table("attributions")
    with op.batch_alter_table("attribution_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attribution_changes_report_id"))
        batch_op.drop_index(batch_op.f("ix_attribution_changes_incident_id"))
        batch_op.drop_index(batch_op.f("ix_attribution_changes_entry_idx"))

    op.drop_table("attribution_changes")
    op.drop_table("places")
