"""What the database holds: totals; reports by type, governorate and month; incidents by day, type and place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.geo.models import Zone
from trucewatch.incidents.models import Incident
from trucewatch.ledger.models import Entry
from trucewatch.mechanism.models import Commitment, Meeting
from trucewatch.registry.access import OPERATOR, Viewer, readable
from trucewatch.registry.models import Actor, Delegation
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_reports
from trucewatch.store.sql import year_month, year_month_day

TOTALS = {
    "delegations": Delegation,
    "actors": Actor,
    "zones": Zone,
    "meetings": Meeting,
    "commitments": Commitment,
    "entries": Entry,
}


UNKNOWN = "(unknown)"
"""The key of the records whose governorate, perpetrator... is not known."""


def database_stats(session: Session, *, viewer: Viewer = OPERATOR) -> dict[str, Any]:
    """Totals and breakdowns of what ``viewer`` may read; ``reports`` counts current reports only
    (corrections replace what they correct)."""
    seen = readable(viewer, Report.tier, Report.delegation_id)
    stats: dict[str, Any] = {
        "reports": _count(session, Report, current=True, where=seen),
        "reports_superseded": _count(session, Report, current=False, where=seen),
        "incidents": _count(session, Incident, where=Incident.id.in_(select(Report.incident_id).where(seen))),
    }
    stats |= {name: _count(session, model) for name, model in TOTALS.items()}
    stats["reports_by_type"] = _by(session, Report.violation_type, current_reports(), seen)
    areas = syria_admin_areas()
    counted = _by(session, Report.governorate, current_reports(), seen)
    every = {areas.governorate_name(code): counted.get(code, 0) for code in areas.governorates}
    if UNKNOWN in counted:
        every[UNKNOWN] = counted[UNKNOWN]
    stats["reports_by_governorate"] = _ranked(every)
    stats["reports_by_month"] = _by_month(session, seen)
    return stats


def _count(session: Session, model: Any, *, current: bool | None = None, where: Any = None) -> int:
    query = select(func.count()).select_from(model)
    if where is not None:
        query = query.where(where)
    if current is not None:
        query = query.where(current_reports() if current else ~current_reports())
    return session.scalar(query) or 0


def _by(session: Session, column: Any, *where: Any) -> dict[str, int]:
    """Counts of reports by ``column``, most first, among those matching every condition of ``where``."""
    query = select(column, func.count()).where(*where).group_by(column).order_by(func.count().desc(), column)
    return {str(key) if key is not None else UNKNOWN: n for key, n in session.execute(query)}


def _by_month(session: Session, seen: Any) -> dict[str, int]:
    """Reports per calendar month (UTC), oldest first."""
    month = year_month(Report.occurred_at)
    query = select(month, func.count()).where(current_reports(), seen).group_by(month).order_by(month)
    return dict(session.execute(query).all())


def report_stats(
    session: Session, *, viewer: Viewer = OPERATOR, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Counts of the current reports the viewer may read: by type, governorate, alleged perpetrator, day."""
    where = [current_reports(), readable(viewer, Report.tier, Report.delegation_id)]
    if since is not None:
        where.append(Report.occurred_at >= since)
    if until is not None:
        where.append(Report.occurred_at < until)
    areas = syria_admin_areas()
    by_area = _by(session, Report.governorate, *where)
    perpetrator = func.coalesce(Actor.name, Report.perpetrator)
    joined = (
        select(perpetrator, func.count()).select_from(Report).outerjoin(Actor, Report.perpetrator_actor_id == Actor.id)
    )
    by_actor = session.execute(joined.where(*where).group_by(perpetrator).order_by(func.count().desc(), perpetrator))
    day = year_month_day(Report.occurred_at)
    by_day = session.execute(select(day, func.count()).where(*where).group_by(day).order_by(day))
    return {
        "reports": session.scalar(select(func.count()).select_from(Report).where(*where)) or 0,
        "by_type": _by(session, Report.violation_type, *where),
        "by_governorate": {
            (areas.governorate_name(k) if k in areas.governorates else k): n for k, n in by_area.items()
        },
        "by_perpetrator": {str(k) if k is not None else UNKNOWN: n for k, n in by_actor},
        "by_day": {str(k): n for k, n in by_day},
    }


def incident_stats(
    session: Session, *, viewer: Viewer = OPERATOR, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Violations as events, not accounts: the incidents with a current report the viewer may read in
    the period, each counted once, on the day of its earliest such report, under the type most of
    those reports give (ties: the first by name) and in the governorate most of them name. Only the
    reports the viewer may read decide any of it, as for the incident list."""
    where = [current_reports(), readable(viewer, Report.tier, Report.delegation_id), Report.incident_id.is_not(None)]
    if since is not None:
        where.append(Report.occurred_at >= since)
    if until is not None:
        where.append(Report.occurred_at < until)
    query = select(Report.incident_id, Report.occurred_at, Report.violation_type, Report.governorate).where(*where)
    members: dict[int | None, list[Any]] = {}  # never None: the query asks for placed reports
    for incident_id, *row in session.execute(query.order_by(Report.incident_id, Report.occurred_at, Report.id)):
        members.setdefault(incident_id, []).append(row)
    areas = syria_admin_areas()
    by_day: dict[str, Counter[str]] = {}
    by_type: Counter[str] = Counter()
    by_governorate: Counter[str] = Counter()
    for rows in members.values():
        day = min(at for at, _, _ in rows).date().isoformat()
        kind = _most(Counter(t for _, t, _ in rows))
        named = Counter(g for _, _, g in rows if g)
        place = areas.governorate_name(_most(named)) if named else UNKNOWN
        by_day.setdefault(day, Counter())[kind] += 1
        by_type[kind] += 1
        by_governorate[place] += 1
    return {
        "incidents": len(members),
        "by_day": {day: dict(sorted(by_day[day].items())) for day in sorted(by_day)},
        "by_type": _ranked(by_type),
        "by_governorate": _ranked(by_governorate),
    }


def incident_days(session: Session, *, viewer: Viewer = OPERATOR) -> tuple[date, date] | None:
    """The first and last day of the current reports the viewer may read that fusion placed, if any."""
    where = [current_reports(), readable(viewer, Report.tier, Report.delegation_id), Report.incident_id.is_not(None)]
    first, last = session.execute(
        select(func.min(Report.occurred_at), func.max(Report.occurred_at)).where(*where)
    ).one()
    return (first.date(), last.date()) if first is not None and last is not None else None


def _ranked(counts: Mapping[str, int]) -> dict[str, int]:
    """The counts, most first; of equals, the first by name."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _most(counts: Counter[str]) -> str:
    """The value counted most; of equals, the first by name."""
    return min(counts, key=lambda value: (-counts[value], value))
