"""``init`` and ``stats``: the database itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trucewatch.analytics.stats import database_stats
from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    VersionOption,
    database,
    load_signer,
    now,
    out,
    print_json,
    print_table,
    unit_of_work,
)
from trucewatch.registry.service import start_log
from trucewatch.store.migrate import head_revision


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("stats")(stats)


def init(
    db: DbOption = None,
    origin: Annotated[
        str | None,
        typer.Option("--origin", help="Start the log: its name in checkpoints, e.g. astana.example.org/ceasefire."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="With --origin: the mechanism's key file (`keys new --delegation mechanism`)."),
    ] = None,
    version: VersionOption = False,
) -> None:
    """Create the database, or migrate it to the current schema; with --origin and --key, start its log."""
    if (origin is None) != (key is None):
        raise typer.BadParameter("--origin and --key go together: they write the log's genesis entry")
    found = database(db)
    url = found.engine.url.render_as_string(hide_password=True)
    try:
        if origin and key:
            signer = load_signer(key)
            with found.begin() as session:
                start_log(session, origin=origin, signer=signer, public_key=signer.public_key, at=now())
            out.print(f"log {origin} started; the mechanism's key is {signer.key_id}")
    finally:
        found.dispose()
    out.print(f"database ready at {url} (schema {head_revision()})")


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
