"""The map of one day as the mechanism reads it: each zone, who held it, and their standing that day.

The web map colours zones by this (controlling actor, and the zone's class under the ceasefire,
as attribution classes it: :func:`~trucewatch.incidents.attribution.zone_class`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.geo.service import list_zones
from trucewatch.incidents.attribution import zone_class
from trucewatch.registry.models import Actor
from trucewatch.registry.service import load_standings


def map_of_day(session: Session, day: date) -> dict[str, Any]:
    """The zones valid on ``day`` as a GeoJSON FeatureCollection: each with its controllers (key, name,
    names, ceasefire status, designated) and its class (``ceasefire``, ``excluded``, ``mixed``, ``not_covered``)."""
    standings = load_standings(session)
    actors = {a.id: a for a in session.scalars(select(Actor))}
    features = []
    for zone in list_zones(session, on=day):
        held = [standings.on(c.actor_id, day) for c in zone.controllers]
        controllers = [
            {
                "key": s.key,
                "name": actors[s.actor_id].name,
                "names": actors[s.actor_id].names,
                "ceasefire_status": s.ceasefire_status,
                "designated": s.designated,
            }
            for s in held
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": zone.name,
                    "valid_from": zone.valid_from.isoformat(),
                    "valid_to": zone.valid_to.isoformat() if zone.valid_to else None,
                    "controllers": controllers,
                    "class": str(zone_class(held)),
                },
                "geometry": orjson.loads(zone.geometry),
            }
        )
    return {"type": "FeatureCollection", "properties": {"on": day.isoformat()}, "features": features}
