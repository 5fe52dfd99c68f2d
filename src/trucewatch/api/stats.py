"""Statistics over the reports the viewer may read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from trucewatch.analytics.stats import incident_stats, report_stats
from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import IncidentStatsOut, StatsOut
from trucewatch.registry.access import Action, Viewer

router = APIRouter(tags=["stats"])


@router.get("/stats", summary="Counts of reports by type, governorate, alleged perpetrator and day")
def stats(
    db: Db,
    who: Annotated[Viewer, Depends(allow(Action.READ_STATS))],
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
) -> StatsOut:
    with db.begin() as session:
        return StatsOut.model_validate(report_stats(session, viewer=who, since=since, until=until))


@router.get("/stats/incidents", summary="Incidents (each event once) by day and type, by type and by governorate")
def incident_counts(
    db: Db,
    who: Annotated[Viewer, Depends(allow(Action.READ_STATS))],
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
) -> IncidentStatsOut:
    with db.begin() as session:
        return IncidentStatsOut.model_validate(incident_stats(session, viewer=who, since=since, until=until))
