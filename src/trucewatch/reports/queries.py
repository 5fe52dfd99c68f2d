"""Reading reports: filtered, searched, paged by cursor, and only what the viewer may read."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Select, and_, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from trucewatch.errors import FieldProblem, InvalidInput, NotFound
from trucewatch.geo.admin import syria_admin_areas
from trucewatch.registry.access import OPERATOR, Viewer, readable
from trucewatch.registry.models import Delegation
from trucewatch.registry.service import ActorIndex
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_reports

MAX_PAGE = 1000
_Q = TypeVar("_Q", bound=Select[*tuple[Any, ...]])
PG_DOCUMENT = "to_tsvector('simple', coalesce(reports.narrative, '') || ' ' || coalesce(reports.place, ''))"
"""As the index of migration 0005 is written, so that PostgreSQL's planner uses it."""


@dataclass(frozen=True)
class ReportFilter:
    """Which reports a listing shows; every field narrows it, ``None`` leaves it open."""

    since: datetime | None = None
    until: datetime | None = None
    violation_type: str | None = None
    delegation: str | None = None
    """The submitting delegation's code."""
    governorate: str | None = None
    """A governorate's p-code (``SY02``) or English name (``Idlib``)."""
    perpetrator: str | None = None
    """Any name or alias of the alleged perpetrator (resolved through the actor registry)."""
    bbox: tuple[float, float, float, float] | None = None
    """West, south, east, north, in degrees."""
    tier: str | None = None
    text: str | None = None
    """Words to find in narratives and place names (every word must occur)."""
    include_superseded: bool = False
    limit: int | None = None
    cursor: str | None = None
    """Where the previous page ended (its ``next_cursor``)."""


@dataclass(frozen=True)
class Page:
    """One page of reports, oldest first, with the cursor of the next page (None after the last)."""

    rows: Sequence[tuple[Report, str]]
    next_cursor: str | None


def list_reports(session: Session, where: ReportFilter, *, viewer: Viewer = OPERATOR) -> Sequence[tuple[Report, str]]:
    """Reports with their delegation's code, oldest first; corrected reports left out by default."""
    return page_reports(session, where, viewer=viewer).rows


def page_reports(session: Session, where: ReportFilter, *, viewer: Viewer = OPERATOR) -> Page:
    """One page of the reports the viewer may read that match ``where``."""
    query = _filtered(session, select(Report, Delegation.code), where, viewer)
    after = _decode_cursor(where.cursor) if where.cursor else None
    if after is not None:
        query = query.where(
            or_(Report.occurred_at > after[0], and_(Report.occurred_at == after[0], Report.id > after[1]))
        )
    query = query.order_by(Report.occurred_at, Report.id)
    if where.limit is None:
        return Page(list(session.execute(query)), None)
    rows = list(session.execute(query.limit(where.limit + 1)))
    more = len(rows) > where.limit
    rows = rows[: where.limit]
    return Page(rows, _encode_cursor(rows[-1][0]) if more and rows else None)


def get_report(session: Session, report_id: int, *, viewer: Viewer = OPERATOR) -> tuple[Report, str]:
    """One report; NotFound when it does not exist or the viewer may not know that it does."""
    query = (
        select(Report, Delegation.code)
        .join(Delegation, Report.delegation_id == Delegation.id)
        .where(Report.id == report_id, readable(viewer, Report.tier, Report.delegation_id))
    )
    found = session.execute(query).first()
    if found is None:
        raise NotFound(f"no report {report_id}")
    return found[0], found[1]


def _filtered(session: Session, query: _Q, where: ReportFilter, viewer: Viewer) -> _Q:
    query = query.join(Delegation, Report.delegation_id == Delegation.id).where(
        readable(viewer, Report.tier, Report.delegation_id)
    )
    conditions = [
        Report.occurred_at >= where.since if where.since is not None else None,
        Report.occurred_at < where.until if where.until is not None else None,
        Report.violation_type == where.violation_type if where.violation_type is not None else None,
        Delegation.code == where.delegation if where.delegation is not None else None,
        Report.tier == where.tier if where.tier is not None else None,
        _governorate(where.governorate) if where.governorate is not None else None,
        _perpetrator(session, where.perpetrator) if where.perpetrator else None,
        _bbox(where.bbox) if where.bbox is not None else None,
        _search(session, where.text) if where.text and where.text.strip() else None,
        None if where.include_superseded else current_reports(),
    ]
    return query.where(*(c for c in conditions if c is not None))


def _governorate(name: str) -> Any:
    areas = syria_admin_areas()
    code = areas.governorate_code(name)
    if code is None:
        known = ", ".join(sorted(areas.governorate_name(c) for c in areas.governorates))
        raise InvalidInput([FieldProblem("query", "governorate", f"no governorate {name!r}: one of {known}")])
    return Report.governorate == code


def _perpetrator(session: Session, name: str) -> Any:
    actor = ActorIndex.load(session).resolve(name).actor_id
    if actor is not None:
        return Report.perpetrator_actor_id == actor
    return func.lower(Report.perpetrator) == name.strip().lower()


def _bbox(box: tuple[float, float, float, float]) -> Any:
    west, south, east, north = box
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        problem = "west,south,east,north in degrees, with west <= east and south <= north"
        raise InvalidInput([FieldProblem("query", "bbox", problem)])
    return and_(Report.longitude.between(west, east), Report.latitude.between(south, north))


def _search(session: Session, words: str) -> Any:
    """Every word must occur in the narrative or the place name (FTS5 on SQLite, tsvector on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(PG_DOCUMENT).op("@@")(func.plainto_tsquery("simple", words))
    quoted = " ".join('"' + w.replace('"', '""') + '"' for w in words.split())
    matching = text("SELECT rowid FROM report_search WHERE report_search MATCH :words").bindparams(words=quoted)
    return Report.id.in_(matching.columns(literal_column("rowid")))


def _encode_cursor(last: Report) -> str:
    raw = orjson.dumps([last.occurred_at.isoformat(), last.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, report_id = orjson.loads(raw)
        after = datetime.fromisoformat(at)
        if after.tzinfo is None:
            raise ValueError("naive time")
        return after, int(report_id)
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError) as exc:
        raise InvalidInput([FieldProblem("query", "cursor", "not a cursor this server gave")]) from exc
