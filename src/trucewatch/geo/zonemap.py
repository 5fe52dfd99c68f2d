"""The map of control through time, and what it says about many points at once (pure).

A :class:`ZoneMap` holds every version of every zone. Asking which zones held a million points,
each on its own day, is one vectorised pass: an STRtree query by bounding box, a filter on the
versions' validity days (so that only the versions valid on each point's day are tested), and one
``intersects_xy`` call on the prepared polygons. A point on a boundary belongs to both sides.

Distances are in kilometres on an equirectangular projection centred on latitude 35°N, within
about 4 % across Syria (32°N to 37.5°N): good enough to say a place is 2 km from a front line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from math import cos, radians

import numpy as np
import shapely
from numpy.typing import NDArray

KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON = 111.32 * cos(radians(35.0))
OPEN_END = date.max.toordinal()
CHUNK = 200_000
"""Points queried at once: bounds the memory of the candidate pairs."""
FRONT_TOLERANCE_KM = 1.0
"""Two zones' edges closer than this face each other: the gap is a front line, not a hole in the map."""


@dataclass(frozen=True)
class ZoneVersion:
    id: int
    name: str
    geometry: shapely.Geometry
    """Polygon or MultiPolygon, lon/lat."""
    valid_from: date
    valid_to: date | None
    controllers: tuple[int, ...]
    """Ids of the actors holding it."""


def days(values: Sequence[date]) -> NDArray[np.int64]:
    return np.fromiter((d.toordinal() for d in values), dtype=np.int64, count=len(values))


def project(geometry: shapely.Geometry) -> shapely.Geometry:
    """Lon/lat to kilometres (see the module's note on accuracy)."""
    return shapely.transform(geometry, lambda xy: xy * (KM_PER_DEGREE_LON, KM_PER_DEGREE_LAT))


class ZoneMap:
    """Every zone version, indexed in space and time."""

    def __init__(self, versions: Sequence[ZoneVersion]) -> None:
        self.versions = tuple(versions)
        self._geoms = np.array([v.geometry for v in self.versions], dtype=object)
        shapely.prepare(self._geoms)
        self._start = days([v.valid_from for v in self.versions])
        self._end = np.array(
            [v.valid_to.toordinal() if v.valid_to else OPEN_END for v in self.versions], dtype=np.int64
        )
        self._tree = shapely.STRtree(self._geoms)
        self._fronts: dict[frozenset[int], shapely.STRtree | None] = {}

    def __len__(self) -> int:
        return len(self.versions)

    def valid_on(self, day: date) -> list[int]:
        """Indexes of the versions valid on ``day``."""
        d = day.toordinal()
        return [int(i) for i in np.flatnonzero((self._start <= d) & (d < self._end))]

    def at_points(
        self,
        lons: NDArray[np.float64],
        lats: NDArray[np.float64],
        first_days: NDArray[np.int64],
        last_days: NDArray[np.int64] | None = None,
    ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Pairs (point index, version index): the versions that hold each point and were valid on
        its day, or on any day from its first to its last (day numbers: ``date.toordinal()``)."""
        last_days = first_days if last_days is None else last_days
        found_p: list[NDArray[np.intp]] = []
        found_v: list[NDArray[np.intp]] = []
        for lo in range(0, len(lons), CHUNK):
            x, y = lons[lo : lo + CHUNK], lats[lo : lo + CHUNK]
            d0, d1 = first_days[lo : lo + CHUNK], last_days[lo : lo + CHUNK]
            p, v = self._tree.query(shapely.points(x, y))
            keep = (self._start[v] <= d1[p]) & (d0[p] < self._end[v])
            p, v = p[keep], v[keep]
            hit = shapely.intersects_xy(self._geoms[v], x[p], y[p])
            found_p.append(p[hit] + lo)
            found_v.append(v[hit])
        return _sorted_pairs(found_p, found_v)

    def at_areas(
        self, areas: NDArray[np.object_], first_days: NDArray[np.int64], last_days: NDArray[np.int64] | None = None
    ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Pairs (area index, version index): the versions each area touches, valid on its days."""
        last_days = first_days if last_days is None else last_days
        if len(areas) == 0:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
        a, v = self._tree.query(areas)
        keep = (self._start[v] <= last_days[a]) & (first_days[a] < self._end[v])
        a, v = a[keep], v[keep]
        hit = shapely.intersects(self._geoms[v], areas[a])
        return _sorted_pairs([a[hit]], [v[hit]])

    def front_distance_km(
        self,
        lons: NDArray[np.float64],
        lats: NDArray[np.float64],
        day_numbers: NDArray[np.int64],
        opposing: Callable[[ZoneVersion, ZoneVersion], bool],
    ) -> NDArray[np.float64]:
        """Distance from each point to the nearest front line of its day (NaN when its day has none)."""
        out = np.full(len(lons), np.nan)
        if len(lons) == 0:
            return out
        groups: dict[frozenset[int], list[int]] = {}
        for d in np.unique(day_numbers):
            valid = frozenset(np.flatnonzero((self._start <= d) & (d < self._end)).tolist())
            groups.setdefault(valid, []).append(int(d))
        for valid, group_days in groups.items():
            tree = self._front_tree(valid, opposing)
            mask = np.isin(day_numbers, group_days)
            if tree is None or not mask.any():
                continue
            points = project(shapely.points(lons[mask], lats[mask]))
            (_, _), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
            out[mask] = dist
        return out

    def fronts(self, valid: frozenset[int], opposing: Callable[[ZoneVersion, ZoneVersion], bool]) -> shapely.Geometry:
        """The front lines between the versions ``valid``: their edges that face an opposing zone (km)."""
        idx = sorted(valid)
        geoms = project(self._geoms[idx]) if idx else np.empty(0, dtype=object)
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="dwithin", distance=FRONT_TOLERANCE_KM)
        lines = [
            shapely.intersection(shapely.boundary(geoms[i]), shapely.buffer(geoms[j], FRONT_TOLERANCE_KM))
            for i, j in zip(left.tolist(), right.tolist(), strict=True)
            if i != j and opposing(self.versions[idx[i]], self.versions[idx[j]])
        ]
        return shapely.union_all([g for g in lines if not g.is_empty]) if lines else shapely.GeometryCollection()

    def _front_tree(
        self, valid: frozenset[int], opposing: Callable[[ZoneVersion, ZoneVersion], bool]
    ) -> shapely.STRtree | None:
        if valid not in self._fronts:
            parts = shapely.get_parts(self.fronts(valid, opposing))
            pieces = [p for part in parts for p in _pieces(part)]
            self._fronts[valid] = shapely.STRtree(pieces) if pieces else None
        return self._fronts[valid]

    def overlaps(self, indexes: Sequence[int]) -> list[tuple[int, int, float]]:
        """Pairs of versions among ``indexes`` whose areas overlap, held by different actors, with
        the overlap in km² (a shared edge is not an overlap)."""
        idx = list(indexes)
        geoms = self._geoms[idx]
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        found = []
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            a, b = self.versions[idx[i]], self.versions[idx[j]]
            if i < j and set(a.controllers) != set(b.controllers):
                area = shapely.area(project(shapely.intersection(geoms[i], geoms[j])))
                if area > 0.01:
                    found.append((idx[i], idx[j], round(float(area), 2)))
        return found


def _pieces(line: shapely.Geometry, size: int = 16) -> list[shapely.Geometry]:
    """A line cut into runs of ``size`` segments, so that a nearest-line query stays local."""
    if line.geom_type not in ("LineString", "LinearRing"):
        return [line] if not line.is_empty else []
    coords = shapely.get_coordinates(line)
    return [shapely.linestrings(coords[i : i + size + 1]) for i in range(0, len(coords) - 1, size)]


def _sorted_pairs(
    points: list[NDArray[np.intp]], versions: list[NDArray[np.intp]]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    p = np.concatenate(points) if points else np.empty(0, dtype=np.intp)
    v = np.concatenate(versions) if versions else np.empty(0, dtype=np.intp)
    order = np.lexsort((v, p))
    return p[order], v[order]


def area_around(lon: float, lat: float, radius_km: float, sides: int = 24) -> shapely.Geometry:
    """A circle of ``radius_km`` around a point, as a lon/lat polygon."""
    angles = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    ring = np.column_stack(
        (
            lon + radius_km / (111.32 * cos(radians(lat))) * np.cos(angles),
            lat + radius_km / KM_PER_DEGREE_LAT * np.sin(angles),
        )
    )
    return shapely.Polygon(ring)
