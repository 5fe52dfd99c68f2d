"""Incidents: the events fused from reports, each with the member reports the viewer may read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import MAX_INT, Id, IncidentDetail, IncidentOut, Receipt
from trucewatch.api.signed import Signed, file_statements
from trucewatch.incidents.attribution import with_attributions
from trucewatch.incidents.service import IncidentFilter, describe_incidents, get_incident, list_incidents
from trucewatch.ledger.kinds import EntryKind
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.service import describe_report
from trucewatch.reports.taxonomy import ViolationType

router = APIRouter(prefix="/incidents", tags=["incidents"])
Reader = Annotated[Viewer, Depends(allow(Action.READ_INCIDENTS))]


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
        found = describe_incidents(session, list_incidents(session, where, viewer=who), viewer=who)
        return [IncidentOut.model_validate(d) for d in found]


@router.get("/{incident_id}", summary="One incident and its member reports")
def incident(db: Db, who: Reader, incident_id: Id) -> IncidentDetail:
    with db.begin() as session:
        view, members = get_incident(session, incident_id, viewer=who)
        reports = with_attributions(session, [describe_report(r, code) for r, code in members])
        (described,) = describe_incidents(session, [view], viewer=who)
        return IncidentDetail.model_validate({**described, "members": reports})


@router.post("/decisions", status_code=201, summary="Dispute a fusion: split reports out, or merge incidents, signed")
def decide(db: Db, who: Annotated[Viewer, Depends(allow(Action.DISPUTE_FUSION))], body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.FUSION_DECISION, body)
