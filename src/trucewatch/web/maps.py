"""The map: zones of the chosen day coloured by who held them and their standing, incidents as
clustered markers, a date slider that replays the map; its data as JSON for the page's script."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from trucewatch.analytics.stats import incident_days
from trucewatch.api.deps import Db, now
from trucewatch.config import Settings
from trucewatch.geo.admin import governorate_outlines
from trucewatch.incidents.service import IncidentFilter, incident_points
from trucewatch.incidents.zonemaps import map_of_day
from trucewatch.registry.access import Action, Viewer
from trucewatch.reports.taxonomy import ViolationType
from trucewatch.web.pages import Period
from trucewatch.web.render import page
from trucewatch.web.session import may
from trucewatch.web.words import label

router = APIRouter(include_in_schema=False)
MapReader = Annotated[Viewer, Depends(may(Action.READ_INCIDENTS))]
ZoneReader = Annotated[Viewer, Depends(may(Action.READ_ZONES))]
MAX_POINTS = 50_000
"""At most this many incidents are sent to the map at once (the slider's whole range)."""


@router.get("/map")
def map_page(
    request: Request,
    db: Db,
    who: MapReader,
    on: Annotated[date | None, Query()] = None,
    incident: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    with db.begin() as session:
        known = incident_days(session, viewer=who)
    span = Period(*known) if known else Period(now().date(), now().date())
    day = min(max(on or span.end, span.start - timedelta(days=365)), span.end + timedelta(days=365))
    span = Period(min(span.start, day), max(span.end, day))
    settings: Settings = request.app.state.settings
    types = {str(t): label(str(t), request.state.locale) for t in ViolationType}
    context = {"span": span, "day": day, "incident": incident, "tiles": settings.tile_url, "type_names": types}
    return page(request, "map.html", who, {**context, "tiles_credit": settings.tile_attribution})


@router.get("/map/zones.json")
def zones_json(db: Db, _: ZoneReader, on: Annotated[date, Query()]) -> Response:
    with db.begin() as session:
        return _json(map_of_day(session, on))


@router.get("/map/incidents.json")
def incidents_json(
    db: Db, who: MapReader, since: Annotated[date, Query()], until: Annotated[date, Query()]
) -> Response:
    chosen = Period(since, until)
    with db.begin() as session:
        points = incident_points(session, IncidentFilter(chosen.since, chosen.until, limit=MAX_POINTS), viewer=who)
    return _json({"since": since.isoformat(), "until": until.isoformat(), "incidents": points})


@router.get("/map/governorates.json")
def governorates_json(_: MapReader) -> Response:
    return Response(
        governorate_outlines(), media_type="application/geo+json", headers={"cache-control": "max-age=86400"}
    )


def _json(data: object) -> Response:
    return Response(orjson.dumps(data), media_type="application/json", headers={"cache-control": "private, max-age=30"})
