"""``init`` and ``stats``: the database itself."""

from __future__ import annotations

import typer

from trucewatch.analytics.stats import database_stats
from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    VersionOption,
    database,
    out,
    print_json,
    print_table,
    unit_of_work,
)
from trucewatch.store.migrate import head_revision


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("stats")(stats)


def init(db: DbOption = None, version: VersionOption = False) -> None:
    """Create the database, or migrate it to the current schema."""
    found = database(db)
    out.print(f"database ready at {found.engine.url.render_as_string(hide_password=True)} (schema {head_revision()})")
    found.dispose()


def stats(db: DbOption = None, as_json: JsonOption = False, version: VersionOption = False) -> None:
    """Totals, and reports by type, governorate and month."""
    with unit_of_work(db) as session:
        figures = database_stats(session)
    if as_json:
        print_json(figures)
        return
    totals = [[k, v] for k, v in figures.items() if isinstance(v, int)]
    print_table("Totals", ["record", "count"], totals)
    for key in ("reports_by_type", "reports_by_governorate", "reports_by_month"):
        print_table(
            key.replace("_", " ").capitalize(),
            ["", "reports"],
            [[k, v] for k, v in figures[key].items()],
        )
