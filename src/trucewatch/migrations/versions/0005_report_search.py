"""report search: full-text search over narratives and place names, in any language

SQLite: an FTS5 table over the reports' narrative and place, kept by triggers
(``unicode61`` tokens, diacritics folded). PostgreSQL: a GIN index over the
``simple`` text-search configuration (no stemming, so no language is favoured).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PG_DOCUMENT = "to_tsvector('simple', coalesce(narrative, '') || ' ' || coalesce(place, ''))"
"""Written the same way in :mod:`trucewatch.reports.service`, so that the planner uses the index."""

SQLITE = [
    "CREATE VIRTUAL TABLE report_search USING fts5(narrative, place, content='reports', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER report_search_insert AFTER INSERT ON reports BEGIN "
    "INSERT INTO report_search(rowid, narrative, place) VALUES (new.id, new.narrative, new.place); END",
    "CREATE TRIGGER report_search_delete AFTER DELETE ON reports BEGIN "
    "INSERT INTO report_search(report_search, rowid, narrative, place) "
    "VALUES ('delete', old.id, old.narrative, old.place); END",
    "CREATE TRIGGER report_search_update AFTER UPDATE OF narrative, place ON reports BEGIN "
    "INSERT INTO report_search(report_search, rowid, narrative, place) "
    "VALUES ('delete', old.id, old.narrative, old.place); "
    "INSERT INTO report_search(rowid, narrative, place) VALUES (new.id, new.narrative, new.place); END",
    "INSERT INTO report_search(report_search) VALUES ('rebuild')",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE:
            op.execute(statement)
    else:
        op.execute(f"CREATE INDEX ix_reports_search ON reports USING gin ({PG_DOCUMENT})")
    op.drop_index("ix_reports_occurred_at", table_name="reports")
    op.create_index("ix_reports_occurred_at_id", "reports", ["occurred_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_occurred_at_id", table_name="reports")
    op.create_index("ix_reports_occurred_at", "reports", ["occurred_at"])
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER report_search_{name}")
        op.execute("DROP TABLE report_search")
    else:
        op.execute("DROP INDEX ix_reports_search")
