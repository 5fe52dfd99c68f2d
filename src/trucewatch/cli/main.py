"""Entry point of the ``trucewatch`` command; errors become one message and exit code 1."""

from __future__ import annotations

import typer

from trucewatch.cli import db, geo, incidents, keys, ledger, registry, reports, serve, tokens
from trucewatch.cli.common import Commands, VersionOption

app = typer.Typer(
    name="trucewatch",
    cls=Commands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="The system of record of a ceasefire monitoring mechanism.",
)


@app.callback()
def _root(version: VersionOption = False) -> None:
    """The system of record of a ceasefire monitoring mechanism."""


db.register(app)
serve.register(app)
keys.register(app)
ledger.register(app)
registry.register(app)
geo.register(app)
reports.register(app)
incidents.register(app)
tokens.register(app)


def main() -> None:
    """Run the ``trucewatch`` command."""
    app()
