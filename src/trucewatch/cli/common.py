"""What every command shares: the database option, output, clock, errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from trucewatch import __version__
from trucewatch.config import Settings
from trucewatch.errors import InvalidInput, TrucewatchError
from trucewatch.store.engine import Database, open_database
from trucewatch.store.migrate import upgrade


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"trucewatch {__version__}")
        raise typer.Exit


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        callback=_print_version,
        is_eager=True,
        expose_value=True,
        help="Print the version and exit.",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite file or database URL [env: TRUCEWATCH_DB; default: ./trucewatch.db]",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings_for(db: str | None) -> Settings:
    return Settings(db=db) if db else Settings()


def database(db: str | None) -> Database:
    """Open the database and bring its schema up to date (migrations run on start)."""
    found = open_database(settings_for(db).database_url)
    upgrade(found)
    return found


@contextmanager
def unit_of_work(db: str | None) -> Iterator[Session]:
    database_ = database(db)
    try:
        with database_.begin() as session:
            yield session
    finally:
        database_.dispose()


def now() -> datetime:
    return datetime.now(UTC)


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


class Commands(TyperGroup):
    """The command group that turns every trucewatch error into one message and exit code 1."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            err.print(
                f"[red]error:[/red] {len(exc.problems)} problem(s); nothing was stored:",
                highlight=False,
            )
            err.print(exc.summary(), markup=False, highlight=False)
        except TrucewatchError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
        ctx.exit(1)
