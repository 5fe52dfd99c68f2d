"""What every command shares: the database option, output, clock, errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from trucewatch import __version__
from trucewatch.api.client import Remote
from trucewatch.config import Settings
from trucewatch.errors import ConfigError, FieldProblem, InvalidInput, KeyFileError, TrucewatchError
from trucewatch.ledger.signing import DelegationKey, read_key_file
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
KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        envvar="TRUCEWATCH_KEY",
        help="Private key file to sign with, made by `trucewatch keys new` [env: TRUCEWATCH_KEY]. "
        "An encrypted key's passphrase comes from TRUCEWATCH_KEY_PASSPHRASE or a prompt.",
        show_default=False,
    ),
]
ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="TRUCEWATCH_SERVER",
        help="Talk to this trucewatch server (http://host:port) instead of a database [env: TRUCEWATCH_SERVER]; "
        "reports are still signed here, with --key.",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="TRUCEWATCH_TOKEN",
        help="A member's API token for --server, from `trucewatch token new` [env: TRUCEWATCH_TOKEN].",
        show_default=False,
    ),
]
PASSPHRASE_ENV = "TRUCEWATCH_KEY_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def remote(server: str, token: str | None) -> Remote:
    """The server named by --server, spoken to with --token."""
    if not token:
        raise ConfigError("--server needs a member's API token: give --token (or set TRUCEWATCH_TOKEN)")
    return Remote(server, token)


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


def load_signer(path: Path | None) -> DelegationKey:
    """The signer held in a key file; signing happens here, on the client's side."""
    if path is None:
        raise ConfigError("every write is signed: give --key FILE (or set TRUCEWATCH_KEY)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the key file {path}: {exc.strerror}") from exc
    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    passphrase = _passphrase(path) if encrypted else None
    try:
        delegation, pair = read_key_file(data, passphrase)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from exc
    return DelegationKey(delegation, pair)


def _passphrase(path: Path) -> bytes:
    given = os.environ.get(PASSPHRASE_ENV)
    if given is None:
        if not sys.stdin.isatty():
            raise KeyFileError(f"{path} is encrypted: set {PASSPHRASE_ENV} or run interactively")
        given = typer.prompt(f"passphrase of {path}", hide_input=True)
    return given.encode()


def read_json(path: Path) -> Any:
    """A JSON file's content; an unreadable file or bad JSON is an InvalidInput naming the file."""
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInput([FieldProblem(path.name, "(file)", f"cannot read JSON: {exc}")]) from None


def aware(at: datetime) -> datetime:
    """A time given on the command line: UTC unless it names its offset."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


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


def day_option(value: str | None, option: str, *, after: bool = False) -> datetime | None:
    """A day given on the command line (YYYY-MM-DD) as the UTC midnight it starts, or the next
    one (``after``: an inclusive last day); the problem named when it is not a date."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput([FieldProblem("command line", option, f"not a date YYYY-MM-DD: {value!r}")]) from None
    return datetime.combine(day + timedelta(days=1 if after else 0), time(), tzinfo=UTC)
