"""``demo`` and ``serve``: build the demo mechanism, serve a database."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.progress import Progress
from rich.table import Table

from trucewatch.app import create_app
from trucewatch.cli.common import (
    DbOption,
    VersionOption,
    database,
    now,
    out,
    settings_for,
    unit_of_work,
)
from trucewatch.config import Settings
from trucewatch.demo.build import DemoAccount, build_demo
from trucewatch.demo.facts import ucdp_events
from trucewatch.ledger.signing import DelegationKey, key_file
from trucewatch.store.engine import analyze

HostOption = Annotated[
    str | None,
    typer.Option("--host", help="Address to listen on [default: 127.0.0.1].", show_default=False),
]
PortOption = Annotated[
    int | None,
    typer.Option("--port", help="Port to listen on [default: 8000].", show_default=False),
]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("serve")(serve)


def demo(
    db: DbOption = None,
    no_serve: Annotated[
        bool,
        typer.Option("--no-serve", help="Build the demo and exit (for scripts and tests)."),
    ] = False,
    host: HostOption = None,
    port: PortOption = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demo's reporting noise.")] = 2017,
    keys_dir: Annotated[
        Path, typer.Option("--keys-dir", help="Where to write the demo delegations' key files.")
    ] = Path("trucewatch-demo-keys"),
    version: VersionOption = False,
) -> None:
    """Build the demo mechanism (Astana 2017, reports of real UCDP events) into a new database, then serve it."""
    with unit_of_work(db) as session, Progress(console=out, transient=True) as bar:
        task = bar.add_task("filing reports", total=None)
        summary = build_demo(session, seed=seed, now=now(), progress=lambda n: bar.advance(task, n))
    built = database(db)
    try:
        analyze(built)
    finally:
        built.dispose()
    out.print(
        f"demo built: {summary.delegations} delegations, {summary.actors} actors, {summary.meetings} meetings, "
        f"{summary.commitments} commitments; {summary.reports:,} reports ({summary.corrections} corrections) "
        f"of {len(ucdp_events()):,} real UCDP events, January-March 2017 (seed {seed}); "
        f"the map of control as it changed on {summary.maps} days, every report attributed to it; "
        f"fused into {summary.incidents:,} incidents"
    )
    write_demo_keys(keys_dir, summary.keys.all())
    out.print(
        f"every entry is signed: checkpoint of {summary.checkpoint_size:,} entries cosigned by "
        f"{', '.join(summary.cosigned_by)}; the demo's key files (not secret) are in {keys_dir}/"
    )
    print_accounts(summary.accounts, host or "127.0.0.1", port or 8000)
    if not no_serve:
        _serve(settings_for(db), host, port)


def print_accounts(accounts: Sequence[DemoAccount], host: str, port: int) -> None:
    """The demo's sign-ins, one per delegation: the passwords were made for this build."""
    table = Table(title=f"Sign in at http://{host}:{port}/sign-in (demo accounts; passwords made for this build)")
    for column in ("role", "delegation", "login", "password"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a.role, a.delegation, a.login, a.password)
    out.print(table)


def write_demo_keys(directory: Path, keys: Sequence[DelegationKey]) -> None:
    """One key file per delegation (and the mechanism), mode 0600, replacing older demo keys."""
    directory.mkdir(parents=True, exist_ok=True)
    for key in keys:
        path = directory / f"{key.delegation}.key"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as sink:
            sink.write(key_file(key.pair, key.delegation))


WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Server processes; more use more cores (each appends to the log in turn).",
    ),
]


def serve(
    db: DbOption = None,
    host: HostOption = None,
    port: PortOption = None,
    workers: WorkersOption = 1,
    version: VersionOption = False,
) -> None:
    """Serve the database over HTTP until interrupted (Ctrl-C)."""
    _serve(settings_for(db), host, port, workers)


def _serve(settings: Settings, host: str | None, port: int | None, workers: int = 1) -> None:
    settings = settings.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v is not None})
    out.print(f"serving {settings.db} on http://{settings.host}:{settings.port}/ (Ctrl-C to stop)")
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
        return
    database(settings.db).dispose()  # migrate once, before the workers start
    os.environ.update({f"TRUCEWATCH_{name.upper()}": str(value) for name, value in settings.model_dump().items()})
    uvicorn.run(
        "trucewatch.app:app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )
