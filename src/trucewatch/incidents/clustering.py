"""Reports into incidents: matched pairs joined, strongest first, never into a contradiction (pure).

:func:`cluster` takes the candidate pairs with their match weights (``scoring``) and joins the two
incidents of each positive pair, strongest first. A join is refused when the incident it would
make contradicts itself, even if a chain of pairs leads there (A~B and B~C, but A and C cannot be
one event): its reports given to the hour would span more than :data:`MAX_SPREAD_H`, its reports
placed within a few km would lie more than :data:`MAX_SPREAD_KM` apart, its violation types would
not all be compatible, or a delegation's decision keeps two of its reports apart. A report joins
at most one incident: the result is a label per report.

:func:`place_coarse` then places each coarse report (known only to a district or governorate, a
week or a month) in the one incident it matches, when exactly one of those in its area and period
does; otherwise it stays an incident of its own, rather than a guess.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from math import cos, isfinite, radians, sqrt

import numpy as np
from numpy.typing import NDArray

from trucewatch.incidents.fusion import (
    COARSE_HALF_SPAN_S,
    HOUR,
    KM_PER_DEG,
    WINDOW_HOURS,
    Reports,
    close,
    compare,
    expand,
    near_in_grid,
)
from trucewatch.incidents.scoring import Model

MAX_SPREAD_H = 40.0
"""Reports of one incident given to the hour lie within this many hours of each other."""
MAX_SPREAD_KM = 35.0
"""Reports of one incident placed to within a few km lie within this distance of each other."""
PRECISE_HALF_SPAN_S = HOUR
PRECISE_RADIUS_KM = 5.0
COS_LAT = cos(radians(35.0))
"""Syria's middle latitude: east-west degrees are this much shorter."""
JOIN = 0.0
"""Pairs weighing more than this (in bits) are tried as joins, strongest first."""
SUPPORT = 0.0
"""A join needs the pairs across the two incidents to weigh more than this in sum."""
UNSCORED = -10.0
"""The weight of two reports never compared (too far apart in time or space to be one event)."""
MARGIN = 1.0
"""A coarse report joins the best incident only when no other scores within this many bits of it."""


class _Incidents:
    """Union-find over reports, each root holding what a join must check."""

    def __init__(self, reports: Reports, consistent: NDArray[np.bool_], apart: Iterable[tuple[int, int]]) -> None:
        n = len(reports)
        self.parent = list(range(n))
        precise_t = reports.half_span <= PRECISE_HALF_SPAN_S
        precise_p = (reports.radius_km <= PRECISE_RADIUS_KM) & ~np.isnan(reports.lat)
        inf = np.inf
        self.t0 = np.where(precise_t, reports.t, inf).tolist()
        """The earliest and latest time of the incident's reports given to the hour (inf, -inf: none)."""
        self.t1 = np.where(precise_t, reports.t, -inf).tolist()
        self.lat0 = np.where(precise_p, reports.lat, inf).tolist()
        """The box around the incident's reports placed within a few km (inf, -inf: none)."""
        self.lat1 = np.where(precise_p, reports.lat, -inf).tolist()
        self.lon0 = np.where(precise_p, reports.lon, inf).tolist()
        self.lon1 = np.where(precise_p, reports.lon, -inf).tolist()
        self.types = np.left_shift(1, reports.vtype).tolist()
        self.members: dict[int, list[int]] = {}
        """The reports of each incident of more than one (by root); a root absent holds only itself."""
        self.fixed = [False] * n
        """Roots holding a report of a stored incident: two of them are never joined (incremental placement)."""
        self.weight: dict[int, float] = {}
        """Match weights of scored pairs, by ``i * n + j`` (``i < j``); those absent weigh :data:`UNSCORED`."""
        self.consistent = consistent.tolist()
        self.apart: dict[int, set[int]] = defaultdict(set)
        for a, b in apart:
            self.apart[a].add(b)
            self.apart[b].add(a)

    def find(self, a: int) -> int:
        parent = self.parent
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    def run(self, pairs: list[list[int]]) -> None:
        """Try each pair (strongest first) as a join of the two incidents holding it. A join is refused
        when both incidents hold stored reports, when it would contradict itself (types, time spread,
        place spread, a decision keeping two reports apart), or when the pairs across do not support
        it. One loop with everything local: it runs once per matched pair, a million times at scale."""
        parent, types, members, fixed, consistent = self.parent, self.types, self.members, self.fixed, self.consistent
        t0, t1, lat0, lat1, lon0, lon1 = self.t0, self.t1, self.lat0, self.lat1, self.lon0, self.lon1
        apart, weight = self.apart, self.weight
        n, spread_s, find, join = len(parent), MAX_SPREAD_H * HOUR, self.find, self.join
        for a, b in pairs:
            ra = a if parent[a] == a else find(a)
            rb = b if parent[b] == b else find(b)
            if ra == rb or (fixed[ra] and fixed[rb]) or not consistent[types[ra] | types[rb]]:
                continue
            if max(t1[ra], t1[rb]) - min(t0[ra], t0[rb]) > spread_s:
                continue
            dlat = max(lat1[ra], lat1[rb]) - min(lat0[ra], lat0[rb])
            if isfinite(dlat):
                dlon = max(lon1[ra], lon1[rb]) - min(lon0[ra], lon0[rb])
                if sqrt(dlat**2 + (dlon * COS_LAT) ** 2) * KM_PER_DEG > MAX_SPREAD_KM:
                    continue
            if apart and any(find(z) == rb for z in apart.get(ra, ())):
                continue
            if ra in members or rb in members:  # two single reports: their own pair (above JOIN >= SUPPORT) is it
                total = 0.0
                for c in members.get(ra, (ra,)):
                    for d in members.get(rb, (rb,)):
                        total += weight.get(c * n + d if c < d else d * n + c, UNSCORED)
                if total <= SUPPORT:
                    continue
            join(ra, rb)

    def join(self, ra: int, rb: int) -> None:
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.t0[ra], self.t1[ra] = min(self.t0[ra], self.t0[rb]), max(self.t1[ra], self.t1[rb])
        self.lat0[ra], self.lat1[ra] = min(self.lat0[ra], self.lat0[rb]), max(self.lat1[ra], self.lat1[rb])
        self.lon0[ra], self.lon1[ra] = min(self.lon0[ra], self.lon0[rb]), max(self.lon1[ra], self.lon1[rb])
        self.types[ra] |= self.types[rb]
        held = self.members.pop(ra, [ra])
        held.extend(self.members.pop(rb, [rb]))
        self.members[ra] = held
        self.fixed[ra] = self.fixed[ra] or self.fixed[rb]
        if rb in self.apart:
            self.apart[ra] |= self.apart.pop(rb)

    def labels(self) -> NDArray[np.int64]:
        return np.array([self.find(a) for a in range(len(self.parent))], dtype=np.int64)


def consistent_types(compatible: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """For each set of types (a bit mask), whether every two of them are compatible."""
    return _consistent(len(compatible), np.asarray(compatible, dtype=bool).tobytes())


@lru_cache(maxsize=8)
def _consistent(size: int, compatible: bytes) -> NDArray[np.bool_]:
    pairs = np.frombuffer(compatible, dtype=bool).reshape(size, size)
    out = np.ones(1 << size, dtype=bool)
    for mask in range(1 << size):
        members = [k for k in range(size) if mask >> k & 1]
        out[mask] = all(pairs[a, b] for a in members for b in members)
    out.flags.writeable = False  # shared by every call
    return out


def cluster(
    reports: Reports,
    pairs: NDArray[np.int64],
    weights: NDArray[np.float64],
    compatible: NDArray[np.bool_],
    *,
    together: Iterable[tuple[int, int]] = (),
    apart: Iterable[tuple[int, int]] = (),
    stored: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Each report's incident, labelled by its first report's position.

    ``together`` and ``apart`` are positions of reports a delegation's decision joined or split:
    joined first whatever their scores, and never joined, even through others. ``stored`` gives the
    reports already in an incident its label (-1 for the others): they stay together, and two stored
    incidents are never joined (new reports join them or make new ones)."""
    incidents = _Incidents(reports, consistent_types(compatible), apart)
    if stored is not None:
        _hold(incidents, stored)
    for a, b in together:
        ra, rb = incidents.find(a), incidents.find(b)
        if ra != rb:
            incidents.join(ra, rb)
    n = len(reports)
    incidents.weight = dict(zip((pairs[:, 0] * n + pairs[:, 1]).tolist(), weights.tolist(), strict=True))
    positive = np.flatnonzero(weights > JOIN)
    order = positive[np.lexsort((pairs[positive, 1], pairs[positive, 0], -weights[positive]))]
    incidents.run(pairs[order].tolist())
    return incidents.labels()


def _hold(incidents: _Incidents, stored: NDArray[np.int64]) -> None:
    first: dict[int, int] = {}
    for a, label in enumerate(stored.tolist()):
        if label >= 0:
            root = incidents.find(first.setdefault(label, a))
            if root != a:
                incidents.join(root, a)
            incidents.fixed[incidents.find(a)] = True


def place_coarse(
    reports: Reports,
    labels: NDArray[np.int64],
    model: Model,
    compatible: NDArray[np.bool_],
    *,
    movable: NDArray[np.bool_] | None = None,
) -> NDArray[np.int64]:
    """``labels`` with each coarse report (of those ``movable``) moved into the one incident it
    matches, if one stands out."""
    out = labels.copy()
    pairs = coarse_pairs(reports, compatible, movable)  # an incident of an incompatible type cannot take it
    if len(pairs) == 0:
        return out
    weights = model.score(compare(reports, pairs, compatible))
    c, incident, w = _best_per_incident(pairs[:, 0], labels[pairs[:, 1]], weights)
    types = np.zeros(len(reports), dtype=np.int64)
    np.bitwise_or.at(types, labels, np.left_shift(1, reports.vtype))
    fits = consistent_types(compatible)[types[incident] | np.left_shift(1, reports.vtype[c])]
    c, incident, w = c[fits], incident[fits], w[fits]
    if len(c) == 0:
        return out
    order = np.lexsort((incident, -w, c))  # each coarse report's incidents that could take it, best first
    c, incident, w = c[order], incident[order], w[order]
    head = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    second = np.minimum(head + 1, len(c) - 1)
    runner_up = np.where((second > head) & (c[second] == c[head]), w[second], -np.inf)
    placed = (w[head] > 0) & (w[head] - np.maximum(runner_up, 0.0) >= MARGIN)
    out[c[head[placed]]] = incident[head[placed]]
    return out


def _best_per_incident(
    c: NDArray[np.int64], incident: NDArray[np.int64], w: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """The best weight of each (coarse report, incident) from its pairs with the incident's reports."""
    key = c * (int(incident.max(initial=0)) + 1) + incident
    order = np.argsort(key, kind="stable")
    key, c, incident, w = key[order], c[order], incident[order], w[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return c[first], incident[first], np.maximum.reduceat(w, first)


def coarse_pairs(
    reports: Reports, compatible: NDArray[np.bool_], movable: NDArray[np.bool_] | None = None
) -> NDArray[np.int64]:
    """Pairs ``(coarse, fine)`` that may be one event: a report vague only in time with the fine reports
    near its point within its period; one vague in place with those of its governorate; their types
    compatible. Only coarse reports ``movable`` (all when None) are paired."""
    fine = np.flatnonzero(~reports.coarse)
    asked = reports.coarse if movable is None else reports.coarse & movable
    slow = np.flatnonzero(asked & ~reports.vague_place)
    window = reports.half_span[slow] + WINDOW_HOURS * HOUR + 2 * PRECISE_HALF_SPAN_S + COARSE_HALF_SPAN_S
    near = _fitting(reports, near_in_grid(reports, fine, slow, window), compatible)
    vague = np.flatnonzero(asked & reports.vague_place)
    return np.concatenate(
        [near[close(reports, near)], _fitting(reports, _governorate_pairs(reports, vague, fine), compatible)]
    )


def _fitting(reports: Reports, pairs: NDArray[np.int64], compatible: NDArray[np.bool_]) -> NDArray[np.int64]:
    return pairs[compatible[reports.vtype[pairs[:, 0]], reports.vtype[pairs[:, 1]]]]


def _governorate_pairs(reports: Reports, coarse: NDArray[np.int64], fine: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each report vague in place with every fine report of its governorate whose time may be near its own."""
    coarse = coarse[reports.governorate[coarse] >= 0]
    if coarse.size == 0 or fine.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    start = float(min(reports.t[fine].min(), reports.t[coarse].min()))
    reach = reports.half_span[coarse] + WINDOW_HOURS * HOUR + COARSE_HALF_SPAN_S
    scale = float(max(reports.t[fine].max(), reports.t[coarse].max()) - start + reach.max()) + 1.0
    key = reports.governorate[fine] * scale + (reports.t[fine] - start)  # by governorate, then time
    order = np.argsort(key, kind="stable")
    s_key, s_pos = key[order], fine[order]
    base = reports.governorate[coarse] * scale + (reports.t[coarse] - start)
    lo = np.searchsorted(s_key, np.maximum(base - reach, reports.governorate[coarse] * scale), side="left")
    hi = np.searchsorted(s_key, base + reach, side="right")
    first, second = expand(coarse, lo, hi)
    return np.stack([first, s_pos[second]], axis=1)
