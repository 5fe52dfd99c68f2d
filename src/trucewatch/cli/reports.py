"""``report`` and ``import`` commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from trucewatch.api.client import Remote
from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    KeyOption,
    ServerOption,
    TokenOption,
    VersionOption,
    day_option,
    err,
    load_signer,
    now,
    out,
    print_json,
    print_table,
    remote,
    unit_of_work,
)
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.admin import syria_admin_areas
from trucewatch.incidents.attribution import with_attributions
from trucewatch.reports.files import Read, Unreadable, read_reports
from trucewatch.reports.imports import import_reports
from trucewatch.reports.queries import MAX_PAGE, ReportFilter, list_reports
from trucewatch.reports.service import (
    Submitted,
    describe_report,
)

reports = typer.Typer(no_args_is_help=True, help="Reports of possible violations.")
imports = typer.Typer(no_args_is_help=True, help="Import records in bulk.")
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Store the valid reports; write the rejected ones with their reasons to the rejects file.",
    ),
]
RejectsOption = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="Where --skip-invalid writes rejected records [default: FILE.rejects.jsonl].",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(reports, name="report")
    app.add_typer(imports, name="import")


@reports.command("add")
def report_add(
    file: Annotated[Path, typer.Argument(help="JSON file: one report or an array of reports.")],
    key: KeyOption = None,
    db: DbOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
    skip_invalid: SkipOption = False,
    rejects: RejectsOption = None,
    version: VersionOption = False,
) -> None:
    """File reports from a JSON file (all or nothing unless --skip-invalid), here or on a --server."""
    if server:
        with remote(server, token) as connection:
            _send(file, key, connection)
    else:
        _import(file, key, db, skip_invalid, rejects)


def _send(file: Path, key: Path | None, server: Remote) -> None:
    """Sign here, send to the server in sealed batches of up to 1,000 (each batch all or nothing)."""
    receipt = server.file_reports(load_signer(key), _readable(read_reports(file)))
    done = Submitted(stored=receipt["stored"], unchanged=receipt["unchanged"], unresolved=receipt["unresolved"])
    _summarise(done, None)


def _readable(records: Iterator[Read]) -> Iterator[dict[str, Any]]:
    for record in records:
        if isinstance(record, Unreadable):
            raise InvalidInput([record.problem])
        yield record[1]


@imports.command("reports")
def import_reports_command(
    file: Annotated[Path, typer.Argument(help="CSV (header of report field names) or JSONL file.")],
    key: KeyOption = None,
    db: DbOption = None,
    skip_invalid: SkipOption = False,
    rejects: RejectsOption = None,
    version: VersionOption = False,
) -> None:
    """Import reports from CSV or JSONL, streamed (all or nothing unless --skip-invalid)."""
    _import(file, key, db, skip_invalid, rejects)


def _import(file: Path, key: Path | None, db: str | None, skip_invalid: bool, rejects: Path | None) -> None:
    """Reports are signed here with the delegation's key, one seal per chunk (docs/ledger.md)."""
    rejects = rejects or file.with_name(file.name + ".rejects.jsonl")
    signer = load_signer(key)
    with ExitStack() as stack:
        session = stack.enter_context(unit_of_work(db))
        sink = stack.enter_context(rejects.open("wb")) if skip_invalid else None
        bar = stack.enter_context(Progress(console=err, transient=True))
        task = bar.add_task(f"importing {file.name}", total=None)
        done = import_reports(
            session,
            read_reports(file),
            signers={signer.delegation: signer},
            now=now(),
            skip_invalid=skip_invalid,
            rejects=sink,
            progress=lambda n: bar.advance(task, n),
        )
    _summarise(done, rejects if skip_invalid else None)


def _summarise(done: Submitted, rejects: Path | None) -> None:
    out.print(f"{done.stored} report(s) stored, {done.unchanged} already stored (unchanged)")
    if done.unresolved:
        names = ", ".join(f"{name!r} ({n})" for name, n in sorted(done.unresolved.items())[:10])
        out.print(f"{len(done.unresolved)} name(s) match no registry actor; kept as written: {names}")
    if rejects is not None:
        out.print(f"{len(done.rejected)} record(s) rejected; reasons written to {rejects}")


@reports.command("list")
def report_list(
    db: DbOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
    since: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")] = None,
    violation_type: Annotated[str | None, typer.Option("--type", help="Violation type.")] = None,
    delegation: Annotated[str | None, typer.Option("--delegation", help="Submitting delegation's code.")] = None,
    governorate: Annotated[str | None, typer.Option("--governorate", help="Governorate name or p-code.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """List current reports (corrections replace what they correct), oldest first."""
    where = ReportFilter(
        since=day_option(since, "--from"),
        until=day_option(until, "--to", after=True),
        violation_type=violation_type,
        delegation=delegation,
        governorate=_governorate(governorate),
        limit=limit,
    )
    if server:
        with remote(server, token) as connection:
            rows = _fetch(connection, where)
    else:
        with unit_of_work(db) as session:
            rows = with_attributions(session, [describe_report(r, code) for r, code in list_reports(session, where)])
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Reports ({len(rows)})",
        ["ref", "delegation", "occurred", "type", "governorate", "perpetrator", "attribution"],
        [
            [
                r["ref"],
                r["delegation"],
                r["occurred_at"][:16],
                r["violation_type"],
                r["governorate"],
                r["perpetrator"],
                r["attribution"]["status"] if r.get("attribution") else None,
            ]
            for r in rows
        ],
    )


def _fetch(server: Remote, where: ReportFilter) -> list[dict[str, Any]]:
    """The reports the server lets this member read, page after page, up to --limit."""
    params = {
        "since": where.since.isoformat() if where.since else None,
        "until": where.until.isoformat() if where.until else None,
        "type": where.violation_type,
        "delegation": where.delegation,
        "governorate": where.governorate,
        "limit": min(where.limit or MAX_PAGE, MAX_PAGE),
    }
    return list(islice(server.reports(params), where.limit))


def _governorate(value: str | None) -> str | None:
    if value is None:
        return None
    areas = syria_admin_areas()
    code = areas.governorate_code(value)
    if code is not None:
        return code
    known = ", ".join(a.name_en for a in areas.governorates.values())
    raise InvalidInput(
        [
            FieldProblem(
                "command line",
                "--governorate",
                f"unknown governorate {value!r}; one of: {known}",
            )
        ]
    )
