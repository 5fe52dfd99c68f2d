"""Geography: who held a point on a day, place-name lookup, and the log of attribution changes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import MAX_INT, AttributionChangeOut, PlaceLookupOut, PlaceOut, ZoneHolderOut
from trucewatch.geo.service import describe_candidate, load_gazetteer, zones_at
from trucewatch.incidents.attribution import list_changes
from trucewatch.registry.access import Action, Viewer

router = APIRouter(tags=["geography"])
ZoneReader = Annotated[Viewer, Depends(allow(Action.READ_ZONES))]
Reader = Annotated[Viewer, Depends(allow(Action.READ_REPORTS))]


@router.get("/zones/at", summary="Who held a point on a day: each zone and controlling actor, with its standing")
def zone_at(
    db: Db,
    _: ZoneReader,
    latitude: Annotated[float, Query(ge=-90, le=90)],
    longitude: Annotated[float, Query(ge=-180, le=180)],
    on: Annotated[date, Query(description="The day")],
) -> list[ZoneHolderOut]:
    with db.begin() as session:
        return [ZoneHolderOut.model_validate(z) for z in zones_at(session, latitude, longitude, on)]


@router.get("/places", summary="The places a name may stand for, best first (the gazetteer)")
def places(
    db: Db,
    _: ZoneReader,
    name: Annotated[str, Query(min_length=1, max_length=200, description="Any spelling, Latin or Arabic")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> PlaceLookupOut:
    with db.begin() as session:
        found = load_gazetteer(session).find(name, limit=limit)
    candidates = [PlaceOut.model_validate(describe_candidate(c)) for c in found.candidates]
    return PlaceLookupOut(query=name, status=found.status, candidates=candidates)


@router.get(
    "/attribution-changes",
    summary="Reports and incidents whose attribution a map or designation change changed, oldest first",
)
def attribution_changes(
    db: Db,
    who: Reader,
    entry: Annotated[int | None, Query(ge=0, le=MAX_INT, description="Only the changes this entry made")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_INT, description="Only changes after this change id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AttributionChangeOut]:
    with db.begin() as session:
        found = list_changes(session, viewer=who, entry=entry, after=after, limit=limit)
    return [AttributionChangeOut.model_validate(c) for c in found]
