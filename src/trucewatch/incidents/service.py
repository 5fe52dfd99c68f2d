"""Reading incidents: an incident exists for a viewer when it may read at least one of its reports."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trucewatch.errors import NotFound
from trucewatch.incidents.attribution import with_attributions
from trucewatch.incidents.merged import merged_location, merged_view
from trucewatch.incidents.models import Incident
from trucewatch.registry.access import OPERATOR, Viewer, readable
from trucewatch.registry.models import Delegation
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_reports, describe_report


@dataclass(frozen=True)
class IncidentFilter:
    since: datetime | None = None
    until: datetime | None = None
    violation_type: str | None = None
    governorate: str | None = None
    limit: int = 100
    offset: int = 0
    newest_first: bool = False


@dataclass(frozen=True)
class IncidentView:
    """An incident and the ids of the member reports the viewer may read."""

    incident: Incident
    reports: list[int]


def list_incidents(session: Session, where: IncidentFilter, *, viewer: Viewer = OPERATOR) -> list[IncidentView]:
    """Incidents with a member report the viewer may read that matches the filter, by the earliest
    such member. Filters and order look only at members the viewer may read: a restricted report
    never decides whether, or where, an incident is listed."""
    conditions = _readable_in_period(viewer, where)
    if where.violation_type is not None:
        conditions.append(Report.violation_type == where.violation_type)
    if where.governorate is not None:
        conditions.append(Report.governorate == where.governorate)
    first = func.min(Report.occurred_at).label("first")
    visible = select(Report.incident_id, first).where(*conditions).group_by(Report.incident_id).subquery()
    query = (
        select(Incident)
        .join(visible, visible.c.incident_id == Incident.id)
        .order_by(
            *((visible.c.first.desc(), Incident.id.desc()) if where.newest_first else (visible.c.first, Incident.id))
        )
        .limit(where.limit)
        .offset(where.offset)
    )
    return _with_members(session, list(session.scalars(query)), viewer)


def get_incident(
    session: Session, incident_id: int, *, viewer: Viewer = OPERATOR
) -> tuple[IncidentView, Sequence[tuple[Report, str]]]:
    """An incident with the member reports the viewer may read; NotFound when it may read none."""
    members = session.execute(
        select(Report, Delegation.code)
        .join(Delegation, Report.delegation_id == Delegation.id)
        .where(
            Report.incident_id == incident_id, readable(viewer, Report.tier, Report.delegation_id), current_reports()
        )
        .order_by(Report.occurred_at, Report.id)
    ).all()
    incident = session.get(Incident, incident_id) if members else None
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    rows = [(r, code) for r, code in members]
    return IncidentView(incident, [r.id for r, _ in rows]), rows


def describe_incidents(
    session: Session, views: Sequence[IncidentView], *, viewer: Viewer = OPERATOR
) -> list[dict[str, Any]]:
    """Each incident as the viewer may see it: its merged view (``merged``) from the member reports it
    may read, their refs and delegations; the incident's attribution only when it may read every member
    (else each member's attribution tells it)."""
    ids = [v.incident.id for v in views]
    described: dict[int, list[dict[str, Any]]] = defaultdict(list)
    query = (
        select(Report, Delegation.code)
        .join(Delegation, Report.delegation_id == Delegation.id)
        .where(Report.incident_id.in_(ids), readable(viewer, Report.tier, Report.delegation_id), current_reports())
        .order_by(Report.occurred_at, Report.id)
    )
    for report, code in session.execute(query):
        described[report.incident_id or 0].append(describe_report(report, code))
    sizes = dict(
        session.execute(
            select(Report.incident_id, func.count()).where(Report.incident_id.in_(ids), current_reports())
            .group_by(Report.incident_id)
        ).all()
    )  # fmt: skip
    out = [_described(i, described[i], whole=sizes.get(i, 0) == len(described[i])) for i in ids]
    whole = [d for d in out if d.pop("_whole")]
    found = {d["id"]: d["attribution"] for d in with_attributions(session, whole, of="incidents")}
    return [{**d, "attribution": found.get(d["id"])} for d in out]


def _described(incident_id: int, members: list[dict[str, Any]], *, whole: bool) -> dict[str, Any]:
    merged = merged_view(members)
    types = merged["violation_types"]
    governorates = Counter(m["governorate_pcode"] for m in members if m["governorate_pcode"])
    return {
        "id": incident_id,
        "occurred_from": merged["time"]["from"],
        "occurred_to": merged["time"]["to"],
        "latitude": merged["location"]["latitude"],
        "longitude": merged["location"]["longitude"],
        "governorate": min(governorates, key=lambda g: (-governorates[g], g)) if governorates else None,
        "violation_type": types[0]["value"],
        "reports": [m["id"] for m in members],
        "member_refs": [{"id": m["id"], "ref": m["ref"], "delegation": m["delegation"]} for m in members],
        "merged": merged,
        "_whole": whole,
    }


def _with_members(session: Session, incidents: list[Incident], viewer: Viewer) -> list[IncidentView]:
    ids = [i.id for i in incidents]
    members: dict[int, list[int]] = {i: [] for i in ids}
    query = (
        select(Report.incident_id, Report.id)
        .where(Report.incident_id.in_(ids), readable(viewer, Report.tier, Report.delegation_id), current_reports())
        .order_by(Report.id)
    )
    for incident_id, report_id in session.execute(query):
        if incident_id is not None:
            members[incident_id].append(report_id)
    return [IncidentView(i, members[i.id]) for i in incidents]


def incident_points(session: Session, where: IncidentFilter, *, viewer: Viewer = OPERATOR) -> list[dict[str, Any]]:
    """Each located incident with a member the viewer may read in the filter's period, for a map: its
    point, day and type as the readable members alone tell them (the merged view's rules), at most
    ``where.limit`` of them, earliest first."""
    conditions = _readable_in_period(viewer, where)
    query = select(
        Report.incident_id, Report.occurred_at, Report.violation_type, Report.latitude, Report.longitude,
        Report.geo_precision, Report.governorate,
    ).where(*conditions).order_by(Report.incident_id, Report.occurred_at, Report.id)  # fmt: skip
    members: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        members[row.incident_id].append(row)
    points = []
    for incident_id, rows in members.items():
        located = merged_location(
            [{"latitude": r.latitude, "longitude": r.longitude, "geo_precision": r.geo_precision} for r in rows]
        )
        if located["latitude"] is None:
            continue
        kinds = Counter(r.violation_type for r in rows)
        points.append(
            {
                "id": incident_id,
                "day": min(r.occurred_at for r in rows).date().isoformat(),
                "violation_type": min(kinds, key=lambda k: (-kinds[k], k)),
                "latitude": located["latitude"],
                "longitude": located["longitude"],
                "geo_precision": located["geo_precision"],
                "reports": len(rows),
            }
        )
    points.sort(key=lambda p: (p["day"], p["id"]))
    return points[: where.limit]


def _readable_in_period(viewer: Viewer, where: IncidentFilter) -> list[Any]:
    """Current reports placed in an incident, that the viewer may read, in the filter's period."""
    conditions = [
        readable(viewer, Report.tier, Report.delegation_id),
        current_reports(),
        Report.incident_id.is_not(None),
    ]
    if where.since is not None:
        conditions.append(Report.occurred_at >= where.since)
    if where.until is not None:
        conditions.append(Report.occurred_at < where.until)
    return conditions
