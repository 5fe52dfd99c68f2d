"""Incidents: the events fused from reports, each with the member reports the viewer may read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import MAX_INT, Id, IncidentDetail, IncidentOut
from trucewatch.incidents.attribution import with_attributions
from trucewatch.incidents.service import IncidentFilter, IncidentView, get_incident, list_incidents
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.service import describe_report
from trucewatch.reports.taxonomy import ViolationType

router = APIRouter(prefix="/incidents", tags=["incidents"])
Reader = Annotated[Viewer, Depends(allow(Action.READ_INCIDENTS))]


def _incident(v: IncidentView) -> dict[str, object]:
    i = v.incident
    return {
        "id": i.id, "occurred_from": i.occurred_from, "occurred_to": i.occurred_to, "latitude": i.latitude,
        "longitude": i.longitude, "governorate": i.governorate, "violation_type": i.violation_type,
        "reports": v.reports,
    }  # fmt: skip


@router.get("", summary="Incidents with at least one report you may read")
def incidents(
    db: Db,
    who: Reader,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    type: Annotated[ViolationType | None, Query()] = None,
    governorate: Annotated[str | None, Query(max_length=8, description="P-code")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> list[IncidentOut]:
    where = IncidentFilter(since, until, type, governorate, limit, offset)
    with db.begin() as session:
        found = [_incident(v) for v in list_incidents(session, where, viewer=who)]
        return [IncidentOut.model_validate(d) for d in with_attributions(session, found, of="incidents")]


@router.get("/{incident_id}", summary="One incident and its member reports")
def incident(db: Db, who: Reader, incident_id: Id) -> IncidentDetail:
    with db.begin() as session:
        view, members = get_incident(session, incident_id, viewer=who)
        reports = with_attributions(session, [describe_report(r, code) for r, code in members])
        (described,) = with_attributions(session, [_incident(view)], of="incidents")
        return IncidentDetail.model_validate({**described, "members": reports})
