"""``fuse`` and ``incident`` commands: re-fusion of every report, incidents listed, fusions disputed."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Annotated, Any

import typer
from rich.progress import Progress

from trucewatch.cli.common import (
    DbOption,
    JsonOption,
    KeyOption,
    VersionOption,
    day_option,
    err,
    load_signer,
    now,
    out,
    print_json,
    print_table,
    unit_of_work,
)
from trucewatch.errors import ConfigError
from trucewatch.incidents.batch import serial
from trucewatch.incidents.cluster import dask_run
from trucewatch.incidents.decisions import decide
from trucewatch.incidents.fusing import fuse_all
from trucewatch.incidents.schemas import DecisionAction, FusionDecisionIn
from trucewatch.incidents.service import IncidentFilter, describe_incidents, get_incident, list_incidents

incidents = typer.Typer(no_args_is_help=True, help="Incidents: the events fused from reports.")
RefsArgument = Annotated[list[str], typer.Argument(help="Reports as DELEGATION:REF (RU:RU-2017-00042).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in words: kept with the decision.")]


def register(app: typer.Typer) -> None:
    app.command("fuse")(fuse_command)
    app.add_typer(incidents, name="incident")


def fuse_command(
    full: Annotated[bool, typer.Option("--full", help="Re-fuse every current report (required).")] = False,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Run on a Dask cluster: a scheduler ADDRESS, or 'local'.")
    ] = None,
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Re-fuse every current report into incidents (a signed `fusion` entry, by the mechanism or the
    secretariat); new reports are otherwise placed as they are stored."""
    if not full:
        raise ConfigError("fuse re-fuses everything: say so with --full (new reports are placed as they are stored)")
    signer = load_signer(key)
    runner = dask_run(dask) if dask is not None else nullcontext(serial)
    with runner as run, unit_of_work(db) as session, Progress(console=err, transient=True) as bar:
        task = bar.add_task("fusing", total=4)
        done = fuse_all(session, signer=signer, at=now(), run=run, progress=_stepper(bar, task))
    out.print(f"{done['reports']} report(s) fused into {done['incidents']} incident(s) (entry {done['entry']})")


def _stepper(bar: Progress, task: Any) -> Callable[[str], None]:
    def step(what: str) -> None:
        bar.update(task, description=what, advance=1)

    return step


@incidents.command("list")
def incident_list(
    db: DbOption = None,
    since: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")] = None,
    violation_type: Annotated[str | None, typer.Option("--type", help="Violation type.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 100,
    as_json: JsonOption = False,
    version: VersionOption = False,
) -> None:
    """Incidents, oldest first, with their member reports' refs and delegations and the merged view."""
    where = IncidentFilter(
        since=day_option(since, "--from"),
        until=day_option(until, "--to", after=True),
        violation_type=violation_type,
        limit=limit,
    )
    with unit_of_work(db) as session:
        rows = describe_incidents(session, list_incidents(session, where))
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Incidents ({len(rows)})",
        ["id", "from", "type", "killed (low-best-high)", "reports", "disagree on"],
        [[r["id"], r["occurred_from"][:16], r["violation_type"], _killed(r["merged"]["killed"]),
          ", ".join(f"{m['delegation']}:{m['ref']}" for m in r["member_refs"]),
          ", ".join(d["field"] for d in r["merged"]["disagreements"])] for r in rows],
    )  # fmt: skip


def _killed(k: dict[str, Any]) -> str:
    return "" if k["best"] is None else f"{k['low']}-{k['best']}-{k['high']}"


@incidents.command("show")
def incident_show(incident_id: int, db: DbOption = None, version: VersionOption = False) -> None:
    """One incident: its merged view, its disagreements and its member reports (as JSON)."""
    with unit_of_work(db) as session:
        view, _ = get_incident(session, incident_id)
        (found,) = describe_incidents(session, [view])
    print_json(found)


@incidents.command("split")
def incident_split(
    reports: RefsArgument,
    reason: ReasonOption,
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Split the reports named out of their incident, for good (a signed decision of your delegation)."""
    _decide(DecisionAction.SPLIT, reports, reason, key, db)


@incidents.command("merge")
def incident_merge(
    reports: RefsArgument,
    reason: ReasonOption,
    key: KeyOption = None,
    db: DbOption = None,
    version: VersionOption = False,
) -> None:
    """Merge the incidents of the reports named into one, for good (a signed decision of your delegation)."""
    _decide(DecisionAction.MERGE, reports, reason, key, db)


def _decide(action: DecisionAction, refs: list[str], reason: str, key: Any, db: str | None) -> None:
    named = []
    for ref in refs:
        delegation, sep, own = ref.partition(":")
        if not sep:
            raise ConfigError(f"{ref!r}: name a report as DELEGATION:REF")
        named.append({"delegation": delegation, "ref": own})
    item = FusionDecisionIn.model_validate({"action": action, "reports": named, "reason": reason})
    signer = load_signer(key)
    with unit_of_work(db) as session:
        entry = decide(session, item, signer=signer, at=now())
    out.print(f"{action} of {len(named)} report(s) recorded as entry {entry.idx}")
