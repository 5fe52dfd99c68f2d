"""Reading incidents: an incident exists for a viewer when it may read at least one of its reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.errors import NotFound
from trucewatch.incidents.models import Incident
from trucewatch.registry.access import OPERATOR, Viewer, readable
from trucewatch.registry.models import Delegation
from trucewatch.reports.models import Report


@dataclass(frozen=True)
class IncidentFilter:
    since: datetime | None = None
    until: datetime | None = None
    violation_type: str | None = None
    governorate: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class IncidentView:
    """An incident and the ids of the member reports the viewer may read."""

    incident: Incident
    reports: list[int]


def list_incidents(session: Session, where: IncidentFilter, *, viewer: Viewer = OPERATOR) -> list[IncidentView]:
    visible = select(Report.incident_id).where(readable(viewer, Report.tier, Report.delegation_id))
    query = select(Incident).where(Incident.id.in_(visible))
    if where.since is not None:
        query = query.where(Incident.occurred_to >= where.since)
    if where.until is not None:
        query = query.where(Incident.occurred_from < where.until)
    if where.violation_type is not None:
        query = query.where(Incident.violation_type == where.violation_type)
    if where.governorate is not None:
        query = query.where(Incident.governorate == where.governorate)
    found = session.scalars(query.order_by(Incident.occurred_from, Incident.id).limit(where.limit).offset(where.offset))
    return _with_members(session, list(found), viewer)


def get_incident(
    session: Session, incident_id: int, *, viewer: Viewer = OPERATOR
) -> tuple[IncidentView, Sequence[tuple[Report, str]]]:
    """An incident with the member reports the viewer may read; NotFound when it may read none."""
    members = session.execute(
        select(Report, Delegation.code)
        .join(Delegation, Report.delegation_id == Delegation.id)
        .where(Report.incident_id == incident_id, readable(viewer, Report.tier, Report.delegation_id))
        .order_by(Report.occurred_at, Report.id)
    ).all()
    incident = session.get(Incident, incident_id) if members else None
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    rows = [(r, code) for r, code in members]
    return IncidentView(incident, [r.id for r, _ in rows]), rows


def _with_members(session: Session, incidents: list[Incident], viewer: Viewer) -> list[IncidentView]:
    ids = [i.id for i in incidents]
    members: dict[int, list[int]] = {i: [] for i in ids}
    query = (
        select(Report.incident_id, Report.id)
        .where(Report.incident_id.in_(ids), readable(viewer, Report.tier, Report.delegation_id))
        .order_by(Report.id)
    )
    for incident_id, report_id in session.execute(query):
        if incident_id is not None:
            members[incident_id].append(report_id)
    return [IncidentView(i, members[i.id]) for i in incidents]
