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

from trucewatch.config import Settings
from trucewatch.store.engine import Database, open_database
from trucewatch.store.migrate import upgrade

DbOption = Annotated[str | None, typer.Option("--db", help="SQLite file or database URL [env: TRUCEWATCH_DB; default: ./trucewatch.db]", show_default=False)]
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
