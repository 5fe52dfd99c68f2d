"""Fusing every report at once, in time partitions that any ``map`` can run: a loop, or Dask (pure).

The reports are cut into periods of :data:`PARTITION_DAYS`; each partition holds its own reports
and, around them, those within the blocking window, so that every candidate pair is found by
exactly one partition (the one of its first report) and none is missed at a boundary. Work on a
partition is a plain function of its data, run by whatever ``run`` maps it:

1. :func:`sample_histogram`: the candidate pairs of the partition, compared on every feature, and
   a sample of them (chosen by a hash of the two report ids, so the same whoever computes it)
   counted by pattern. The histograms add up; EM (``scoring.fit``) learns the model from the sum.
2. :func:`matches`: every candidate pair scored with the model; those not hopeless (above
   :data:`FLOOR`) returned with their weights.

Clustering (``clustering``) then runs once over all positive pairs. Since every step is the same
function of the same pairs, the result does not depend on how the partitions were run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trucewatch.incidents.clustering import cluster, place_coarse
from trucewatch.incidents.fusion import (
    COARSE_HALF_SPAN_S,
    FEATURES,
    HOUR,
    WINDOW_HOURS,
    Reports,
    candidate_pairs,
    compare,
    paused_gc,
)
from trucewatch.incidents.scoring import Model, fit, histogram

PARTITION_DAYS = 90.0
MIN_PAIRS = 2_000
"""EM learns only from at least this many sampled pairs; with fewer, the model in use is kept."""
SAMPLE_PAIRS = 400_000
"""About how many candidate pairs EM learns from (a deterministic sample of all of them)."""
PAIRS_PER_REPORT = 12.0
"""The rough number of candidate pairs per report, to set the sampling rate from the report count."""
_NARRATIVE = FEATURES.index("narrative")
FLOOR = -12.0
"""Pairs weighing more than this are kept for clustering (a join needs the support of the pairs across)."""

Run = Callable[[Callable[..., Any], Sequence[Any]], list[Any]]
"""Maps a function over a list of arguments: ``lambda f, xs: [f(x) for x in xs]``, or Dask's."""


def serial(function: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
    return [function(item) for item in items]


@dataclass(frozen=True)
class Partition:
    """A period's reports and those around it within the blocking window."""

    reports: Reports
    positions: NDArray[np.int64]
    """Each report's position among all the reports."""
    own: NDArray[np.int64]
    """Local positions of the period's own reports (the first of each pair it finds)."""
    compatible: NDArray[np.bool_]
    rate: float = 1.0
    model: Model | None = None
    pairs: NDArray[np.int64] | None = None
    """Its candidate pairs (local positions), once found: scoring needs not look for them again."""
    levels: NDArray[np.int8] | None = None
    """The levels of ``pairs``, once compared."""


@dataclass(frozen=True)
class Fused:
    labels: NDArray[np.int64]
    """Each report's incident, as the position of its first report."""
    model: Model
    scored_pairs: int
    """Candidate pairs kept for clustering (weighing more than :data:`FLOOR`)."""
    matched_pairs: int
    """Candidate pairs with a positive match weight."""


def partitions(reports: Reports, compatible: NDArray[np.bool_], *, days: float = PARTITION_DAYS) -> list[Partition]:
    """The reports cut by period, each period with its margin of the blocking window."""
    if len(reports) == 0:
        return []
    span = days * 24 * HOUR
    margin = WINDOW_HOURS * HOUR + 2 * COARSE_HALF_SPAN_S + 1.0
    start = float(reports.t.min())
    period = np.floor((reports.t - start) / span).astype(np.int64)
    order = np.argsort(reports.t, kind="stable")
    t_sorted = reports.t[order]
    out = []
    for p in np.unique(period).tolist():
        lo = np.searchsorted(t_sorted, start + p * span - margin, side="left")
        hi = np.searchsorted(t_sorted, start + (p + 1) * span + margin, side="left")
        positions = np.sort(order[lo:hi])
        own = np.flatnonzero(period[positions] == p)
        out.append(Partition(reports.take(positions), positions, own, compatible))
    return out


def sample_histogram(part: Partition) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """The pattern histogram of a sample of the partition's candidate pairs; all the pairs and their levels."""
    pairs = candidate_pairs(part.reports, part.own)
    levels = compare(part.reports, pairs, part.compatible)
    ids = part.reports.id
    return histogram(levels[_sampled(ids[pairs[:, 0]], ids[pairs[:, 1]], part.rate)]), pairs, levels


def _sampled(a: NDArray[np.int64], b: NDArray[np.int64], rate: float) -> NDArray[np.bool_]:
    golden, other = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
    mixed = (a.astype(np.uint64) * golden) ^ (b.astype(np.uint64) * other)
    return (mixed >> np.uint64(40)) < np.uint64(int(rate * (1 << 24)))


def matches(part: Partition) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The partition's pairs (as global positions) that weigh more than :data:`FLOOR`, with their weights."""
    model = part.model
    if model is None:
        raise ValueError("matches() needs the partition's model")
    pairs = part.pairs if part.pairs is not None else candidate_pairs(part.reports, part.own)
    levels = part.levels if part.levels is not None else compare(part.reports, pairs, part.compatible)
    weights = model.score(levels)
    keep = weights > FLOOR
    return part.positions[pairs[keep]], weights[keep]


Found = list[tuple[NDArray[np.int64], NDArray[np.int8]]]
"""Each partition's candidate pairs and their levels, as the sampling pass found them."""


def fuse(
    reports: Reports,
    compatible: NDArray[np.bool_],
    *,
    run: Run = serial,
    days: float = PARTITION_DAYS,
    together: Iterable[tuple[int, int]] = (),
    apart: Iterable[tuple[int, int]] = (),
    model: Model | None = None,
    found: Found | None = None,
) -> Fused:
    """Every report's incident: learn the model (unless given one), score the pairs, cluster, place
    the coarse reports. ``found``: what :func:`learn` found in the same partitions, not looked for again."""
    with paused_gc():
        parts = partitions(reports, compatible, days=days)
        if model is None:
            model, found = learn(parts, int((~reports.coarse).sum()), run)
        if model is None:
            raise ValueError(f"too few candidate pairs to learn a model from (under {MIN_PAIRS}): give one")
        if found is not None and len(found) == len(parts):
            scoring = [_with(p, model=model, pairs=q, levels=v) for p, (q, v) in zip(parts, found, strict=True)]
            found.clear()  # each partition's pairs are held once, by its scoring task
        else:
            scoring = [_with(p, model=model) for p in parts]
        scored = run(matches, scoring)
        pairs = np.concatenate([f[0] for f in scored]) if scored else np.empty((0, 2), dtype=np.int64)
        weights = np.concatenate([f[1] for f in scored]) if scored else np.empty(0)
        labels = cluster(reports, pairs, weights, compatible, together=together, apart=apart)
        labels = place_coarse(reports, labels, model, compatible)
        return Fused(labels, model, len(pairs), int((weights > 0).sum()))


def learn(parts: Sequence[Partition], fine: int, run: Run = serial) -> tuple[Model | None, Found]:
    """The model EM learns from a sample of the candidate pairs of ``fine`` reports in ``parts`` (None
    when they have too few pairs to learn from: fewer than :data:`MIN_PAIRS`), and the pairs found."""
    rate = min(1.0, SAMPLE_PAIRS / max(1.0, PAIRS_PER_REPORT * fine))
    sampled = run(sample_histogram, [_with(p, rate=rate) for p in parts])
    counts = np.sum([h for h, _, _ in sampled], axis=0) if sampled else np.zeros(1, dtype=np.int64)
    found = [(pairs, levels) for _, pairs, levels in sampled]
    return (fit(counts) if counts.sum() >= MIN_PAIRS else None), found


def _with(part: Partition, **changes: Any) -> Partition:
    return Partition(part.reports, part.positions, part.own, part.compatible, **changes)
