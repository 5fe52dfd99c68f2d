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
from math import cos, isfinite, radians, sqrt

import numpy as np
from numpy.typing import NDArray

from trucewatch.incidents.fusion import (
    COARSE_HALF_SPAN_S,
    HOUR,
    WINDOW_HOURS,
    Reports,
    close,
    compare,
    near_in_grid,
)
from trucewatch.incidents.scoring import Model

MAX_SPREAD_H = 40.0
"""Reports of one incident given to the hour lie within this many hours of each other."""
MAX_SPREAD_KM = 35.0
"""Reports of one incident placed to within a few km lie within this distance of each other."""
PRECISE_HALF_SPAN_S = HOUR
PRECISE_RADIUS_KM = 5.0
KM_PER_DEG = 111.2
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
        inf = float("inf")
        self.t = [[t, t] if ok else [inf, -inf] for t, ok in zip(reports.t.tolist(), precise_t.tolist(), strict=True)]
        self.box = [
            [la, la, lo, lo] if ok else [inf, -inf, inf, -inf]
            for la, lo, ok in zip(reports.lat.tolist(), reports.lon.tolist(), precise_p.tolist(), strict=True)
        ]
        self.types = [1 << int(v) for v in reports.vtype.tolist()]
        self.members = [[a] for a in range(n)]
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

    def can_join(self, ra: int, rb: int) -> bool:
        if self.fixed[ra] and self.fixed[rb]:
            return False
        if not self.consistent[self.types[ra] | self.types[rb]]:
            return False
        (t0, t1), (u0, u1) = self.t[ra], self.t[rb]
        if max(t1, u1) - min(t0, u0) > MAX_SPREAD_H * HOUR:
            return False
        a, b = self.box[ra], self.box[rb]
        dlat = max(a[1], b[1]) - min(a[0], b[0])
        dlon = max(a[3], b[3]) - min(a[2], b[2])
        if isfinite(dlat) and sqrt(dlat**2 + (dlon * COS_LAT) ** 2) * KM_PER_DEG > MAX_SPREAD_KM:
            return False
        if any(self.find(x) == rb for x in self.apart.get(ra, ())):
            return False
        return self.support(ra, rb) > SUPPORT

    def support(self, ra: int, rb: int) -> float:
        """The sum of the match weights of every pair across the two incidents."""
        n, weight = len(self.parent), self.weight
        total = 0.0
        for a in self.members[ra]:
            for b in self.members[rb]:
                total += weight.get(a * n + b if a < b else b * n + a, UNSCORED)
        return total

    def join(self, ra: int, rb: int) -> None:
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        (t0, t1), (u0, u1) = self.t[ra], self.t[rb]
        self.t[ra] = [min(t0, u0), max(t1, u1)]
        a, b = self.box[ra], self.box[rb]
        self.box[ra] = [min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])]
        self.types[ra] |= self.types[rb]
        self.members[ra] += self.members[rb]
        self.fixed[ra] = self.fixed[ra] or self.fixed[rb]
        self.members[rb] = []
        if rb in self.apart:
            self.apart[ra] |= self.apart.pop(rb)

    def labels(self) -> NDArray[np.int64]:
        return np.array([self.find(a) for a in range(len(self.parent))], dtype=np.int64)


def consistent_types(compatible: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """For each set of types (a bit mask), whether every two of them are compatible."""
    size = len(compatible)
    out = np.ones(1 << size, dtype=bool)
    for mask in range(1 << size):
        members = [k for k in range(size) if mask >> k & 1]
        out[mask] = all(compatible[a, b] for a in members for b in members)
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
    for a, b in pairs[order].tolist():
        ra, rb = incidents.find(a), incidents.find(b)
        if ra != rb and incidents.can_join(ra, rb):
            incidents.join(ra, rb)
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
    pairs = coarse_pairs(reports, movable)
    if len(pairs) == 0:
        return out
    weights = model.score(compare(reports, pairs, compatible))
    c, incident, w = _best_per_incident(pairs[:, 0], labels[pairs[:, 1]], weights)
    order = np.lexsort((incident, -w, c))  # each coarse report's incidents, best first
    c, incident, w = c[order], incident[order], w[order]
    head = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    second = np.minimum(head + 1, len(c) - 1)
    runner_up = np.where((second > head) & (c[second] == c[head]), w[second], -np.inf)
    types = np.zeros(len(reports), dtype=np.int64)
    np.bitwise_or.at(types, labels, np.left_shift(1, reports.vtype))
    fits = consistent_types(compatible)[types[incident[head]] | np.left_shift(1, reports.vtype[c[head]])]
    placed = (w[head] > 0) & (w[head] - np.maximum(runner_up, 0.0) >= MARGIN) & fits
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


def coarse_pairs(reports: Reports, movable: NDArray[np.bool_] | None = None) -> NDArray[np.int64]:
    """Pairs ``(coarse, fine)`` that may be one event: a report vague only in time with the fine reports
    near its point within its period; one vague in place with those of its governorate. Only coarse
    reports ``movable`` (all when None) are paired."""
    fine = np.flatnonzero(~reports.coarse)
    asked = reports.coarse if movable is None else reports.coarse & movable
    slow = np.flatnonzero(asked & ~reports.vague_place)
    window = reports.half_span[slow] + WINDOW_HOURS * HOUR + 2 * PRECISE_HALF_SPAN_S + COARSE_HALF_SPAN_S
    near = near_in_grid(reports, fine, slow, window)
    vague = np.flatnonzero(asked & reports.vague_place)
    return np.concatenate([near[close(reports, near)], _governorate_pairs(reports, vague, fine)])


def _governorate_pairs(reports: Reports, coarse: NDArray[np.int64], fine: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each report vague in place with every fine report of its governorate whose time may be near its own."""
    key_fine = reports.governorate[fine]
    order = np.lexsort((reports.t[fine], key_fine))
    s_gov, s_t, s_pos = key_fine[order], reports.t[fine][order], fine[order]
    found = []
    for c in coarse.tolist():
        gov = reports.governorate[c]
        if gov < 0:
            continue
        lo, hi = np.searchsorted(s_gov, gov, side="left"), np.searchsorted(s_gov, gov, side="right")
        reach = reports.half_span[c] + WINDOW_HOURS * HOUR + COARSE_HALF_SPAN_S
        first = lo + np.searchsorted(s_t[lo:hi], reports.t[c] - reach, side="left")
        last = lo + np.searchsorted(s_t[lo:hi], reports.t[c] + reach, side="right")
        found.append(np.stack([np.full(last - first, c), s_pos[first:last]], axis=1))
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)
