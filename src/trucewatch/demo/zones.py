"""The demo's map of control, January–March 2017, painted from ``data/demo_zones.json``.

The file holds hand-drawn outlines of the areas of control (see docs/geography.md for how they
were drawn and from what public knowledge). For each day on which the map changes, the zones are
painted in the file's order: each is clipped to Syria, a later zone cuts its area out of the
earlier ones (an enclave makes a hole), a ``contested`` zone overlaps what lies beneath it, and
what no zone covers is the ``remainder`` (government-held). Each day's map is then one
``zone import --complete``.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

import shapely
from shapely.geometry import mapping

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.geo.schemas import ZoneIn

GRID = 1e-4
"""Coordinates of the painted zones are snapped to this grid (about 10 m)."""


@cache
def demo_zone_source() -> dict[str, Any]:
    return json.loads((files("trucewatch") / "data" / "demo_zones.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def demo_maps() -> tuple[tuple[date, list[ZoneIn]], ...]:
    """Every day the demo's map changes, with the whole map of that day."""
    source = demo_zone_source()
    zones = source["zones"]
    days = sorted(
        {date.fromisoformat(source["start"])} | {date.fromisoformat(v["from"]) for z in zones for v in z["versions"]}
    )
    return tuple((day, _paint(source, day)) for day in days)


def _state(zone: dict[str, Any], day: date) -> tuple[list[list[float]] | None, list[str]]:
    """A zone's outline and actors on ``day``: its latest version from before, "same" resolved."""
    outline: list[list[float]] | None = None
    actors: list[str] = []
    for version in zone["versions"]:
        if date.fromisoformat(version["from"]) > day:
            break
        if version.get("outline") != "same":
            outline = version.get("outline")
        actors = version.get("actors", actors)
    return outline, actors


def _paint(source: dict[str, Any], day: date) -> list[ZoneIn]:
    country = syria_admin_areas().country
    drawn: list[tuple[str, bool, shapely.Geometry, list[str]]] = []
    for zone in source["zones"]:
        outline, actors = _state(zone, day)
        if outline:
            area = shapely.intersection(shapely.make_valid(shapely.Polygon(outline)), country)
            drawn.append((zone["name"], bool(zone.get("contested")), area, actors))
    painted: list[tuple[str, shapely.Geometry, list[str]]] = []
    for i, (name, contested, area, actors) in enumerate(drawn):
        if not contested:
            later = [g for _, c, g, _ in drawn[i + 1 :] if not c]
            area = shapely.difference(area, shapely.union_all(later)) if later else area
        painted.append((name, area, actors))
    covered = shapely.union_all([g for _, c, g, _ in drawn if not c])
    remainder = source["remainder"]
    painted.append((remainder["name"], shapely.difference(country, covered), remainder["actors"]))
    return [
        ZoneIn(name=name, geometry=mapping(geom), controllers=actors, valid_from=day)
        for name, area, actors in painted
        if not (geom := _polygonal(area)).is_empty
    ]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of ``geom``, snapped to the grid, valid, without slivers."""
    snapped = shapely.set_precision(geom, GRID)
    parts = [p for p in shapely.get_parts(snapped) if p.geom_type == "Polygon" and p.area > 1e-5]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0] if parts else shapely.Polygon()
