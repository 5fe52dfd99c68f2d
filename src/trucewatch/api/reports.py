"""Reports: file signed ones (one, or a sealed batch of up to 1,000), list, search and read them."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from trucewatch.api.deps import Db, Writer, allow, now
from trucewatch.api.schemas import Id, Receipt, ReportOut, ReportPage, SignedBatchIn, SignedIn
from trucewatch.api.writer import ReportWriter
from trucewatch.incidents.attribution import with_attributions
from trucewatch.ledger.kinds import Tier
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.queries import MAX_PAGE, ReportFilter, get_report, page_reports
from trucewatch.reports.service import describe_report, open_signed_reports
from trucewatch.reports.taxonomy import ViolationType

router = APIRouter(prefix="/reports", tags=["reports"])
Filer = Annotated[Viewer, Depends(allow(Action.FILE_REPORTS))]
Reader = Annotated[Viewer, Depends(allow(Action.READ_REPORTS))]


async def file_signed_body(writer: ReportWriter, who: Viewer, body: SignedIn | SignedBatchIn) -> Receipt:
    submission, restricted = body.submission()
    opening = partial(open_signed_reports, submission, restricted, author=str(who.delegation), now=now())
    # one report is checked at once; a batch (up to 1,000) on a worker thread, the server answering others meanwhile
    opened = opening() if len(submission.statements) == 1 else await run_in_threadpool(opening)
    done = await writer.file(opened)
    return Receipt(stored=done.stored, unchanged=done.unchanged, entries=done.entries, unresolved=done.unresolved)


@router.post("", status_code=201, summary="File one report, signed by your delegation's key")
async def file_report(writer: Writer, who: Filer, body: SignedIn) -> Receipt:
    return await file_signed_body(writer, who, body)


@router.post("/batch", status_code=201, summary="File up to 1,000 reports, signed once through a seal")
async def file_batch(writer: Writer, who: Filer, body: SignedBatchIn) -> Receipt:
    return await file_signed_body(writer, who, body)


@router.get("", summary="Reports you may read, oldest first, filtered, one page at a time")
def list_reports(
    db: Db,
    who: Reader,
    since: Annotated[datetime | None, Query(description="Occurred at or after (ISO 8601 with offset)")] = None,
    until: Annotated[datetime | None, Query(description="Occurred before")] = None,
    type: Annotated[ViolationType | None, Query(description="Violation type")] = None,
    perpetrator: Annotated[str | None, Query(max_length=300, description="Any name or alias")] = None,
    governorate: Annotated[str | None, Query(max_length=100, description="P-code (SY07) or name")] = None,
    bbox: Annotated[
        str | None,
        Query(
            pattern=r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)(,-?([0-9]+\.?[0-9]*|\.[0-9]+)){3}$",
            description="west,south,east,north",
        ),
    ] = None,
    tier: Annotated[Tier | None, Query()] = None,
    delegation: Annotated[str | None, Query(max_length=16, description="Submitting delegation's code")] = None,
    q: Annotated[str | None, Query(max_length=300, description="Words in the narrative or place name")] = None,
    superseded: Annotated[bool, Query(description="Include reports a correction replaced")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ReportPage:
    where = ReportFilter(
        since=since, until=until, violation_type=type, perpetrator=perpetrator, governorate=governorate,
        bbox=_bbox(bbox), tier=tier, delegation=delegation, text=q, include_superseded=superseded, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    with db.begin() as session:
        page = page_reports(session, where, viewer=who)
        described = with_attributions(session, [describe_report(r, code) for r, code in page.rows])
        items = [ReportOut.model_validate(d) for d in described]
    return ReportPage(items=items, next_cursor=page.next_cursor)


@router.get("/{report_id}", summary="One report")
def report(db: Db, who: Reader, report_id: Id) -> ReportOut:
    with db.begin() as session:
        found, code = get_report(session, report_id, viewer=who)
        return ReportOut.model_validate(with_attributions(session, [describe_report(found, code)])[0])


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    west, south, east, north = (float(v) for v in text.split(","))
    return west, south, east, north
