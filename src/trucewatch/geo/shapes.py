"""Administrative areas and point-in-polygon lookup, vectorised (pure).

Locating many points is one STRtree query, not a Python loop over polygons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

SYRIA_BOX = (35.5, 32.0, 42.5, 37.5)
"""(west, south, east, north): every point the mechanism records lies in this box around Syria."""


def outside_box_problem(lonlat: NDArray[np.float64], *, hint: str = "") -> str | None:
    """Why ``(lon, lat)`` points are refused, naming a swap of latitude and longitude; None if inside."""
    west, south, east, north = SYRIA_BOX

    def inside(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        return (x >= west) & (x <= east) & (y >= south) & (y <= north)

    x, y = lonlat[:, 0], lonlat[:, 1]
    out = ~inside(x, y)
    if not out.any():
        return None
    first = int(np.flatnonzero(out)[0])
    where = f"(longitude {x[first]:g}, latitude {y[first]:g})"
    if inside(y[out], x[out]).all():
        return f"{where} is outside Syria's box but inside it when swapped: latitude and longitude look swapped{hint}"
    return (
        f"{where} is outside Syria's box (longitude {west:g} to {east:g}, latitude {south:g} to {north:g}); "
        f"{int(out.sum())} point(s) outside"
    )


@dataclass(frozen=True)
class Area:
    pcode: str
    name_en: str
    name_ar: str
    parent: str | None
    """P-code of the governorate holding a district; ``None`` for a governorate."""


class AdminAreas:
    """Governorates and districts, and which of them holds a point."""

    def __init__(self, governorates: Mapping[str, Any], districts: Mapping[str, Any]) -> None:
        self.governorates = {a.pcode: a for a in _areas(governorates, parent_key=None)}
        areas = _areas(districts, parent_key="admin1_pcode")
        self.districts = {a.pcode: a for a in areas}
        self._district_codes = np.array([a.pcode for a in areas], dtype=object)
        self._parent_codes = np.array([a.parent for a in areas], dtype=object)
        self.shapes: dict[str, shapely.Geometry] = {
            f["properties"]["pcode"]: shapely.geometry.shape(f["geometry"])
            for f in (*governorates["features"], *districts["features"])
        }
        """The polygon of every governorate and district, by p-code."""
        self.country = shapely.union_all([self.shapes[code] for code in self.governorates])
        """Syria: the union of the governorates."""
        self._in_order = sorted(range(len(areas)), key=lambda k: areas[k].pcode)
        self._polygons = [self.shapes[a.pcode] for a in areas]
        for polygon in self._polygons:
            shapely.prepare(polygon)
        self._bounds = shapely.bounds(self._polygons)

    def locate(
        self, longitudes: Sequence[float], latitudes: Sequence[float]
    ) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
        """P-codes of (governorate, district) for each point; ``None`` outside every district.

        A point on a border between two districts goes to the first in p-code order.
        """
        n = len(longitudes)
        governorate = np.full(n, None, dtype=object)
        district = np.full(n, None, dtype=object)
        if n == 0:
            return governorate, district
        x, y = np.asarray(longitudes, dtype=float), np.asarray(latitudes, dtype=float)
        found = np.full(n, -1, dtype=np.int64)
        for k in self._in_order:  # p-code order: a point on a border goes to the first district
            x0, y0, x1, y1 = self._bounds[k]
            ask = np.flatnonzero((found < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            if ask.size:
                found[ask[shapely.intersects_xy(self._polygons[k], x[ask], y[ask])]] = k
        hit = found >= 0
        district[hit] = self._district_codes[found[hit]]
        governorate[hit] = self._parent_codes[found[hit]]
        return governorate, district

    def governorate_name(self, pcode: str | None) -> str:
        return self.governorates[pcode].name_en if pcode in self.governorates else "(unknown)"

    def governorate_code(self, name: str) -> str | None:
        """The p-code of a governorate named by its p-code, English or Arabic name (any case), or None."""
        folded = name.strip().casefold()
        for code, area in self.governorates.items():
            if folded in (code.casefold(), area.name_en.casefold(), area.name_ar):
                return code
        return None


def _areas(collection: Mapping[str, Any], *, parent_key: str | None) -> list[Area]:
    areas = [
        Area(
            f["properties"]["pcode"],
            f["properties"]["name_en"],
            f["properties"]["name_ar"],
            f["properties"][parent_key] if parent_key else None,
        )
        for f in collection["features"]
    ]
    return sorted(areas, key=lambda a: a.pcode) if parent_key is None else areas
