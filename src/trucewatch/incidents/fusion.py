"""Which reports may describe the same event, and how they compare (pure, vectorised).

Fusion works on reports as columns (:class:`Reports`): one numpy array per field, so that a million
reports are compared without a Python loop per pair.

* :func:`candidate_pairs` blocks: two reports are compared only when their times, widened by their
  time precision, are within :data:`WINDOW_HOURS` of each other, and their points, widened by their
  place precision, within :data:`REACH_KM`; a grid of :data:`CELL_DEG` degrees and a sort by time
  find them. Reports known only to a governorate (or without a point), a week or a month are
  *coarse*: they are not blocked with the others but placed afterwards (see ``clustering``). A
  district's report is blocked with the others; its distance agrees only loosely (level 5).
* :func:`compare` gives each pair a level per feature (:data:`FEATURES`): how far apart beyond their
  precision, how far apart in time beyond theirs, whether the violation types are the same or
  compatible, the perpetrator and target actors, the killed, the place name, the delegation and
  the narrative, the weapons named. The levels are what the Fellegi-Sunter model (``scoring``) learns weights for.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil, cos, radians

import numpy as np
from numpy.typing import NDArray

from trucewatch.incidents.sketch import EMPTY, SKETCH

HOUR = 3600.0
TIME_HALF_SPAN_S: dict[str, float] = {
    "exact": 0.0,
    "hour": 0.5 * HOUR,
    "day": 12 * HOUR,
    "week": 3.5 * 24 * HOUR,
    "month": 15.5 * 24 * HOUR,
}
"""Half the period a report's time stands for; its midpoint is the time given plus this (a day's
report is at 00:00 and stands for the whole day)."""
RADIUS_KM: dict[str, float] = {"exact": 0.0, "near": 5.0, "town": 3.0, "district": 25.0, "governorate": 60.0,
                               "country": 400.0}  # fmt: skip
"""The radius a report's point stands for at each place precision."""
COARSE_RADIUS_KM = 30.0
"""Reports whose place stands for more than this (a district, a governorate) are coarse."""
COARSE_HALF_SPAN_S = 12 * HOUR
"""Reports whose time stands for more than a day (a week, a month) are coarse."""

WINDOW_HOURS = 30.0
"""Two reports further apart in time than this, beyond their precision, are not compared."""
REACH_KM = 25.0
"""Two reports further apart than this, beyond their precision, are not compared."""
CELL_DEG = 0.4
"""The blocking grid's cell: 44 km north-south, 35 km east-west at Syria's northern edge. A report is
compared with those of the cells around it within its reach (:func:`cells_around`): its own and the
eight next to it when no report is placed more loosely than to 5 km."""
DIRECT_PAIRS = 200_000
"""Up to this many (new, stored) pairs, placement compares every one rather than look them up in a grid."""
KM_PER_DEG = 111.2
NORTH_EDGE_DEG = 37.5
"""Syria's northern edge (37.3 N): a degree of longitude is shortest there, 88 km."""

FEATURES: tuple[str, ...] = ("distance", "time", "type", "actors", "killed", "place", "delegation", "narrative",
                             "weapons")  # fmt: skip
"""The features compared, in the order of :func:`compare`'s columns."""
LEVELS: dict[str, int] = {"distance": 7, "time": 7, "type": 3, "actors": 5, "killed": 4,
                          "place": 3, "delegation": 2, "narrative": 5, "weapons": 3}  # fmt: skip
"""How many levels each feature has; level 0 is the strongest agreement."""
UNKNOWN: dict[str, int] = {"distance": 6, "time": 6, "narrative": 4}
"""Levels that say nothing (a coarse report's place or time, a report without narrative): they weigh
nothing either way."""
DISTANCE_EDGES_KM = (0.5, 2.0, 5.0, 12.0)
"""Excess distances at which the distance level steps (5: no excess, but one is known only to a wide
area; 6: either report is coarse)."""
GAP_EDGES_H = (0.5, 2.0, 6.0, 14.0)
"""Time gaps at which the time level steps (5: no excess, but one is known only to the day; 6: either
report's time is coarse)."""
WIDE_RADIUS_KM = 10.0
"""A report placed only to within this radius or more (a district) agrees with a nearby one only loosely."""
WIDE_HALF_SPAN_S = 6 * HOUR
"""A report dated only to within this or more (a day) agrees with a close one only loosely."""
NARRATIVE_EDGES = (0.5, 0.3, 0.15)
"""Estimated Jaccard similarity of the words (``sketch``) at or above which a narrative pair gets
level 0, 1, 2 (else 3; 4 when either has no narrative)."""


@dataclass(frozen=True)
class Reports:
    """Reports as columns, aligned by position. Unknown values: NaN (floats), -1 (codes, counts)."""

    id: NDArray[np.int64]
    t: NDArray[np.float64]
    """Seconds since the epoch: the middle of the period the report's time stands for."""
    half_span: NDArray[np.float64]
    """Seconds either side of ``t`` (its time precision)."""
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    radius_km: NDArray[np.float64]
    """The radius its point stands for (its place precision); a report with no point has none."""
    vtype: NDArray[np.int64]
    """Violation type, as an index into ``types``."""
    perpetrator: NDArray[np.int64]
    """Actor code: the registry actor, or the name as written when no actor has it; -1 unknown."""
    target: NDArray[np.int64]
    killed: NDArray[np.int64]
    """All killed, -1 when the report gives no figure."""
    place: NDArray[np.int64]
    """A code of the place name's skeleton, -1 without a name."""
    delegation: NDArray[np.int64]
    sketch: NDArray[np.uint32]
    """The narrative's MinHash sketch, one row per report (``sketch.sketches``)."""
    types: tuple[str, ...]
    """The violation types ``vtype`` indexes."""
    governorate: NDArray[np.int64]
    """Governorate code, -1 unknown (coarse reports are placed within theirs)."""
    weapons: NDArray[np.int64]
    """The weapons named, as a set of bits (``columns.weapon_bits``); 0 when none is named."""

    def __len__(self) -> int:
        return len(self.id)

    @property
    def vague_place(self) -> NDArray[np.bool_]:
        """Reports with no point, or known only to an area wider than a town."""
        return (self.radius_km > COARSE_RADIUS_KM) | np.isnan(self.lat)

    @property
    def vague_time(self) -> NDArray[np.bool_]:
        """Reports known only to a period longer than a day."""
        return self.half_span > COARSE_HALF_SPAN_S

    @property
    def coarse(self) -> NDArray[np.bool_]:
        """Reports vague in place or in time: placed after the others are clustered."""
        return self.vague_place | self.vague_time

    def take(self, rows: NDArray[np.int64]) -> Reports:
        """The reports at ``rows``, in that order."""
        arrays = {f: getattr(self, f)[rows] for f in _ARRAYS}
        return Reports(**arrays, types=self.types)


_ARRAYS = ("id", "t", "half_span", "lat", "lon", "radius_km", "vtype", "perpetrator", "target", "killed", "place",
           "delegation", "governorate", "sketch", "weapons")  # fmt: skip


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused for a batch step that makes millions of objects (words, rows,
    lists) and no cycles: each collection would walk them all again (a quarter of a full fusion's
    time). Refcounting still frees what is dropped; the collector resumes after, if it was running."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


# --------------------------------------------------------------------------- blocking


def candidate_pairs(reports: Reports, rows: NDArray[np.int64] | None = None) -> NDArray[np.int64]:
    """Pairs ``(i, j)``, ``i < j``, of fine reports close enough in time and space to be compared, each once.

    ``rows`` limits the earlier report of a pair (by time, then position) to those positions (a
    partition's own reports; the later may be any): every pair is then found by exactly one partition,
    the one of its earlier report. Each report looks forward in time only, so no pair is found twice."""
    fine = np.flatnonzero(~reports.coarse)
    own = fine[np.isin(fine, rows)] if rows is not None else fine
    window = np.full(own.size, WINDOW_HOURS * HOUR + 2 * COARSE_HALF_SPAN_S)
    pairs = near_in_grid(reports, fine, own, window, forward=True)
    pairs = pairs[close(reports, pairs)]
    return np.sort(pairs, axis=1)


def pairs_with(reports: Reports, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Pairs ``(i, j)``, ``i < j``, of fine reports close enough to be compared with a report of ``rows``
    (new reports being placed) on either side, each once."""
    fine = np.flatnonzero(~reports.coarse)
    own = fine[np.isin(fine, rows)]
    if own.size * fine.size <= DIRECT_PAIRS:  # a few new reports among their neighbours: no grid needed
        pairs = np.stack([np.repeat(own, fine.size), np.tile(fine, own.size)], axis=1)
    else:
        window = np.full(own.size, WINDOW_HOURS * HOUR + 2 * COARSE_HALF_SPAN_S)
        pairs = near_in_grid(reports, fine, own, window)
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    return pairs[close(reports, pairs)]


def near_in_grid(
    reports: Reports,
    targets: NDArray[np.int64],
    queries: NDArray[np.int64],
    window: NDArray[np.float64],
    *,
    forward: bool = False,
) -> NDArray[np.int64]:
    """Pairs ``(query, target)`` of reports (positions) in the same or a neighbouring cell of the grid
    and within ``window`` seconds (one per query) of each other; queries and targets need a point.
    ``forward``: only targets later than the query (by time, then position), the query itself left out."""
    if targets.size == 0 or queries.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    cell = _cell(reports, targets)
    cells, rank = np.unique(cell, return_inverse=True)
    start = float(reports.t[targets].min())
    t = reports.t[targets] - start
    scale = float(t.max()) + 1.0
    key = rank * scale + t  # sorted by cell, then by time: a cell's reports of a period are one range
    order = np.argsort(key, kind="stable")
    s_key, s_pos = key[order], targets[order]
    q_cell, q_t = _cell(reports, queries), reports.t[queries] - start
    back = np.zeros_like(q_t) if forward else np.minimum(window, q_t)
    found = []
    reach_km = REACH_KM + float(reports.radius_km[queries].max()) + float(reports.radius_km[targets].max())
    north, east = cells_around(reach_km)
    for dy in range(-north, north + 1):
        for dx in range(-east, east + 1):
            other = q_cell + (dy << 20) + dx
            r = np.minimum(np.searchsorted(cells, other), len(cells) - 1)
            there = cells[r] == other
            lo = np.searchsorted(s_key, r * scale + q_t - back, side="left")
            hi = np.searchsorted(s_key, r * scale + np.minimum(q_t + window, scale - 0.5), side="right")
            first, second = expand(queries, lo, np.where(there, hi, lo))
            found.append(np.stack([first, s_pos[second]], axis=1))
    pairs = np.concatenate(found)
    if forward:  # a tie in time goes to the earlier position; the query does not pair with itself
        a, b = pairs[:, 0], pairs[:, 1]
        pairs = pairs[(reports.t[b] > reports.t[a]) | (b > a)]
    return pairs


def cells_around(reach_km: float) -> tuple[int, int]:
    """How many cells north (and south) and east (and west) of its own a report within ``reach_km``
    of another may lie, anywhere in Syria."""
    north = ceil(reach_km / (CELL_DEG * KM_PER_DEG))
    east = ceil(reach_km / (CELL_DEG * KM_PER_DEG * cos(radians(NORTH_EDGE_DEG))))
    return north, east


def _cell(reports: Reports, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    lat, lon = reports.lat[rows], reports.lon[rows]
    return (np.floor(lat / CELL_DEG).astype(np.int64) << 20) + np.floor(lon / CELL_DEG).astype(np.int64)


def expand(first: NDArray[np.int64], lo: NDArray[np.int64], hi: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """Every ``(first[k], p)`` for ``p`` in ``range(lo[k], hi[k])``."""
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
    return np.repeat(first, counts), starts + np.arange(total)


def close(reports: Reports, pairs: NDArray[np.int64]) -> NDArray[np.bool_]:
    i, j = pairs[:, 0], pairs[:, 1]
    return (_excess_km(reports, i, j) <= REACH_KM) & (_gap_h(reports, i, j) <= WINDOW_HOURS)


# --------------------------------------------------------------------------- comparing


def distance_km(
    lat1: NDArray[np.float64], lon1: NDArray[np.float64], lat2: NDArray[np.float64], lon2: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distances element by element, on the equirectangular projection at the pair's mean latitude
    (mean Earth radius 6,371 km): within 0.1 % of the great circle at the tens of km fusion compares,
    at a third of the haversine's cost."""
    k = np.pi / 180.0
    out: NDArray[np.float64] = (lat1 + lat2) * (k / 2)  # computed in place: pairs come by the million
    np.cos(out, out=out)
    out *= lon2 - lon1
    out *= out
    dy = lat2 - lat1
    dy *= dy
    out += dy
    np.sqrt(out, out=out)
    out *= 6371.0 * k
    return out


def _excess_km(reports: Reports, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.float64]:
    """How much further apart two reports are than their places' radii allow (0 when they may coincide)."""
    d = distance_km(reports.lat[i], reports.lon[i], reports.lat[j], reports.lon[j])
    return np.maximum(d - reports.radius_km[i] - reports.radius_km[j], 0.0)


def _gap_h(reports: Reports, i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.float64]:
    """How much further apart in time, in hours, than their precisions allow."""
    gap = np.abs(reports.t[i] - reports.t[j]) - reports.half_span[i] - reports.half_span[j]
    return np.maximum(gap, 0.0) / HOUR


def compare(
    reports: Reports, pairs: NDArray[np.int64], compatible: NDArray[np.bool_], *, narrative: bool = True
) -> NDArray[np.int8]:
    """One row per pair, one column per feature of :data:`FEATURES`: the level of agreement.

    ``compatible[a, b]`` says violation types ``a`` and ``b`` may describe one event. Coarse pairs
    get the last level of distance or time (unknown). Without ``narrative``, its column is left at
    the last level, to be filled by :func:`narrative_levels` for the pairs that need it."""
    i, j = pairs[:, 0], pairs[:, 1]
    out = np.empty((len(pairs), len(FEATURES)), dtype=np.int8)
    vague, slow = reports.vague_place, reports.vague_time
    out[:, 0] = _within(
        np.digitize(_excess_km(reports, i, j), DISTANCE_EDGES_KM),
        np.maximum(reports.radius_km[i], reports.radius_km[j]) >= WIDE_RADIUS_KM,
        vague[i] | vague[j],
    )
    out[:, 1] = _within(
        np.digitize(_gap_h(reports, i, j), GAP_EDGES_H),
        np.maximum(reports.half_span[i], reports.half_span[j]) >= WIDE_HALF_SPAN_S,
        slow[i] | slow[j],
    )
    a, b = reports.vtype[i], reports.vtype[j]
    out[:, 2] = np.where(a == b, 0, np.where(compatible[a, b], 1, 2))
    out[:, 3] = _actors(reports.perpetrator[i], reports.target[i], reports.perpetrator[j], reports.target[j])
    out[:, 4] = _killed(reports.killed[i], reports.killed[j])
    out[:, 5] = np.where(vague[i] | vague[j], 1, _same(reports.place[i], reports.place[j]))
    out[:, 6] = (reports.delegation[i] == reports.delegation[j]).astype(np.int8)
    out[:, 7] = narrative_levels(reports, pairs) if narrative else UNKNOWN["narrative"]
    out[:, 8] = _weapons(reports.weapons[i], reports.weapons[j])
    return out


def _within(level: NDArray[np.int64], wide: NDArray[np.bool_], unknown: NDArray[np.bool_]) -> NDArray[np.int8]:
    """A distance or time level: level 0 (no excess) becomes 5 when one report is known only to a wide
    area or a day (they agree, but say little); 6 when either is coarse (unknown)."""
    out = np.where(wide & (level == 0), 5, level)
    return np.where(unknown, 6, out).astype(np.int8)


def _same(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int8]:
    """0 the same, 1 either unknown, 2 different."""
    return np.where((a < 0) | (b < 0), 1, np.where(a == b, 0, 2)).astype(np.int8)


def _actors(
    p1: NDArray[np.int64], t1: NDArray[np.int64], p2: NDArray[np.int64], t2: NDArray[np.int64]
) -> NDArray[np.int8]:
    """Perpetrator and target together: 0 both the same, 1 one the same, 2 crossed (one account's
    perpetrator is the other's target: each side blames the other), 3 nothing to compare (unknown),
    4 different."""
    agree = ((p1 >= 0) & (p1 == p2)).astype(np.int8) + ((t1 >= 0) & (t1 == t2))
    crossed = ((p1 >= 0) & (p1 == t2)) | ((t1 >= 0) & (t1 == p2))
    differ = ((p1 >= 0) & (p2 >= 0) & (p1 != p2)) | ((t1 >= 0) & (t2 >= 0) & (t1 != t2))
    level = np.select([agree == 2, agree == 1, crossed, ~differ], [0, 1, 2, 3], default=4)
    return level.astype(np.int8)


def _killed(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int8]:
    """0 the same figure, 1 close (within 2 or a third), 2 apart, 3 either not given."""
    close = np.abs(a - b) <= np.maximum(2, np.maximum(a, b) // 3)
    level = np.where(a == b, 0, np.where(close, 1, 2))
    return np.where((a < 0) | (b < 0), 3, level).astype(np.int8)


def _weapons(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int8]:
    """0 a weapon named by both, 1 both name weapons but none in common, 2 either names none."""
    return np.where((a == 0) | (b == 0), 2, np.where((a & b) != 0, 0, 1)).astype(np.int8)


def narrative_levels(reports: Reports, pairs: NDArray[np.int64]) -> NDArray[np.int8]:
    """How alike the narratives of each pair are, by their sketches, in :data:`NARRATIVE_EDGES` levels."""
    i, j = pairs[:, 0], pairs[:, 1]
    columns = np.ascontiguousarray(reports.sketch.T)  # one hash function's minima at a time: cheap gathers
    agree = np.zeros(len(pairs), dtype=np.int16)
    for column in columns:
        agree += column[i] == column[j]
    least = np.ceil(np.array(NARRATIVE_EDGES) * SKETCH - 1e-9).astype(np.int16)  # agreements for each level
    levels = (agree[None, :] < least[:, None]).sum(axis=0)
    empty = (columns[0][i] == EMPTY) | (columns[0][j] == EMPTY)
    return np.where(empty, UNKNOWN["narrative"], levels).astype(np.int8)
