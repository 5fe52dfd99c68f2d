"""Entry point of the ``trucewatch`` command; errors become one message and exit code 1."""

from __future__ import annotations

from typing import Annotated

import typer

from trucewatch import __version__
from trucewatch.cli import db, registry, reports, serve
from trucewatch.errors import InvalidInput, TrucewatchError

app = typer.Typer(
    name="trucewatch", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
    help="The system of record of a ceasefire monitoring mechanism.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trucewatch {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """The system of record of a ceasefire monitoring mechanism."""


db.register(app)
serve.register(app)
registry.register(app)
reports.register(app)


def main() -> None:
    """Run the command; a refused input or a failed write prints why and exits 1, with no traceback."""
    try:
        app()
    except InvalidInput as exc:
        from trucewatch.cli.common import err

        err.print(f"[red]error:[/red] {len(exc.problems)} problem(s), nothing was stored:", highlight=False)
        err.print(exc.summary(), markup=False, highlight=False)
        raise SystemExit(1) from None
    except TrucewatchError as exc:
        from trucewatch.cli.common import err

        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise SystemExit(1) from None
