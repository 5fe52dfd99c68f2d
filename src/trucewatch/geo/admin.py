"""Syria's governorates, districts and places, shipped with the package (see data/CREDITS.md)."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib.resources import files

import shapely

from trucewatch.geo.gazetteer import Gazetteer, Place, Precision
from trucewatch.geo.shapes import AdminAreas

GOVERNORATE_NAMES: dict[str, tuple[str, ...]] = {
    "SY03": ("Rif Dimashq", "Damascus countryside", "Reef Damascus", "Damascus suburbs", "Rif Damascus"),
}
"""Names of a governorate besides OCHA's (hand-written). Only names no town bears: a governorate is
otherwise named after its seat, and ``Idlib`` alone means the town (``Idlib province`` the area)."""

_IMPORTANCE_BY_CAPITAL_LEVEL = {"0": 1_500_000.0, "1": 200_000.0, "2": 30_000.0, "3": 8_000.0}
_VILLAGE = 1_000.0


@cache
def governorate_outlines() -> bytes:
    """The governorates as GeoJSON (name_en, name_ar, pcode), for a map's background."""
    return (files("trucewatch") / "data" / "admin1.geojson").read_bytes()


@cache
def syria_admin_areas() -> AdminAreas:
    """The 14 governorates and 61 districts of OCHA's COD-AB, simplified."""
    data = files("trucewatch") / "data"
    governorates = json.loads((data / "admin1.geojson").read_text(encoding="utf-8"))
    districts = json.loads((data / "admin2.geojson").read_text(encoding="utf-8"))
    return AdminAreas(governorates, districts)


@cache
def syria_places() -> tuple[Place, ...]:
    """The shipped gazetteer's towns and villages, then the governorates and districts."""
    text = (files("trucewatch") / "data" / "gazetteer.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
    return (*(_town(row) for row in rows), *_areas(syria_admin_areas()))


@cache
def syria_gazetteer() -> Gazetteer:
    """The shipped gazetteer, without the mechanism's own places (``trucewatch place add``)."""
    return Gazetteer(syria_places())


def _town(row: dict[str, str]) -> Place:
    population = float(row["population"] or 0)
    importance = population or _IMPORTANCE_BY_CAPITAL_LEVEL.get(row["capital_level"], _VILLAGE)
    return Place(
        id=row["id"],
        name=row["name_en"],
        name_ar=row["name_ar"],
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        precision=Precision.TOWN,
        governorate=row["admin1"] or None,
        district=row["admin2"] or None,
        importance=importance,
        names=tuple(n for n in row["names"].split("|") if n),
        source=row["source"],
    )


def _areas(admin: AdminAreas) -> list[Place]:
    places = []
    for level, areas in ((Precision.GOVERNORATE, admin.governorates), (Precision.DISTRICT, admin.districts)):
        for code, area in areas.items():
            point = shapely.point_on_surface(admin.shapes[code])
            places.append(
                Place(
                    id=code,
                    name=area.name_en,
                    name_ar=area.name_ar,
                    latitude=round(point.y, 5),
                    longitude=round(point.x, 5),
                    precision=level,
                    governorate=area.parent or code,
                    district=code if level == Precision.DISTRICT else None,
                    importance=_IMPORTANCE_BY_CAPITAL_LEVEL["1" if level == Precision.GOVERNORATE else "2"],
                    names=GOVERNORATE_NAMES.get(code, ()) if level == Precision.GOVERNORATE else (),
                    source="ocha",
                )
            )
    return places
