"""How much a pair's agreement says that two reports describe one event: Fellegi-Sunter, learned by EM (pure).

Each feature of :data:`trucewatch.incidents.fusion.FEATURES` has, for each of its levels, a
probability ``m`` among pairs that are one event and ``u`` among pairs that are not; a pair's
match weight is ``log2(prior / (1 - prior)) + sum(log2(m / u))`` over its levels, and it is a match
when the weight is positive (the posterior above one half). :func:`fit` learns ``prior``, ``m`` and
``u`` from unlabelled candidate pairs by expectation-maximisation, on the counts of each pattern of
levels (at most :data:`PATTERNS` of them), so partitions of the pairs add their counts and the fit
is the same however the work was split.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trucewatch.incidents.fusion import FEATURES, LEVELS, UNKNOWN

SIZES = tuple(LEVELS[f] for f in FEATURES)
PATTERNS = prod(SIZES)
"""Distinct patterns of levels: the length of a pattern histogram."""
_RADIX = np.array([prod(SIZES[k + 1 :]) for k in range(len(SIZES))], dtype=np.int64)
SMOOTHING = 0.5
"""Pseudo-count added to every level's count, so that no probability is zero."""


@dataclass(frozen=True)
class Model:
    """The learned probabilities: ``m[f][level]``, ``u[f][level]`` and the share of matches."""

    prior: float
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    iterations: int = 0

    def weights(self) -> list[NDArray[np.float64]]:
        """``log2(m / u)`` of each level, by feature; 0 for the levels that say nothing (``UNKNOWN``)."""
        with np.errstate(divide="ignore", invalid="ignore"):  # an unknown level may have m = u = 0
            out = [np.log2(np.array(m) / np.array(u)) for m, u in zip(self.m, self.u, strict=True)]
        for name, level in UNKNOWN.items():
            out[FEATURES.index(name)][level] = 0.0
        return out

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1.0 - self.prior)))

    def score(self, levels: NDArray[np.int8], *, skip: tuple[int, ...] = ()) -> NDArray[np.float64]:
        """The match weight of each row of levels; features in ``skip`` left out."""
        total = np.full(len(levels), self.prior_weight)
        for f, w in enumerate(self.weights()):
            if f not in skip:
                total += w[levels[:, f]]
        return total

    def best(self, feature: int) -> float:
        """The largest weight a feature's level can add."""
        return float(self.weights()[feature].max())

    def as_json(self) -> dict[str, Any]:
        return {
            "prior": self.prior,
            "iterations": self.iterations,
            "features": {
                name: {"m": list(m), "u": list(u)} for name, m, u in zip(FEATURES, self.m, self.u, strict=True)
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        """The model :meth:`as_json` wrote. A feature it does not hold (a model learned before the feature
        was compared) weighs nothing; one with another number of levels is refused, naming it."""
        features = data["features"]
        m, u = [], []
        for name, size in zip(FEATURES, SIZES, strict=True):
            given = features.get(name) or {"m": [1.0 / size] * size, "u": [1.0 / size] * size}
            if len(given["m"]) != size or len(given["u"]) != size:
                raise ValueError(f"fusion model: feature {name!r} has {len(given['m'])} levels, expected {size}")
            m.append(tuple(map(float, given["m"])))
            u.append(tuple(map(float, given["u"])))
        return cls(float(data["prior"]), tuple(m), tuple(u), int(data.get("iterations", 0)))


def histogram(levels: NDArray[np.int8]) -> NDArray[np.int64]:
    """How many pairs show each pattern of levels (length :data:`PATTERNS`)."""
    codes = levels.astype(np.int64) @ _RADIX
    return np.bincount(codes, minlength=PATTERNS).astype(np.int64)


def fit(counts: NDArray[np.int64], *, iterations: int = 300, tolerance: float = 1e-7) -> Model:
    """Learn the model from a pattern histogram (:func:`histogram`, summed over partitions)."""
    seen = np.flatnonzero(counts)
    n = counts[seen].astype(np.float64)
    patterns = (seen[:, None] // _RADIX[None, :]) % np.array(SIZES)[None, :]
    m, u, prior = _start(patterns, n)
    done, change = 0, 1.0
    while done < iterations and change >= tolerance:
        done += 1
        p = _posterior(patterns, m, u, prior)
        m_next = _levels(patterns, n * p)
        u_next = _levels(patterns, n * (1.0 - p))
        prior_next = float((n * p).sum() / n.sum())
        change = max(abs(prior_next - prior), *(float(np.abs(a - b).max()) for a, b in zip(m, m_next, strict=True)))
        m, u, prior = m_next, u_next, min(max(prior_next, 1e-6), 1 - 1e-6)
    if m[0][0] / u[0][0] < 1.0:  # the classes swapped: the matches are the pairs that are close
        m, u, prior = u, m, 1.0 - prior
    return Model(prior, tuple(tuple(map(float, x)) for x in m), tuple(tuple(map(float, x)) for x in u), done)


def _start(
    patterns: NDArray[np.int64], n: NDArray[np.float64]
) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]], float]:
    """Matches agree (level 0 likely), non-matches look like all pairs; a fifth of pairs match."""
    u = _levels(patterns, n)
    m = []
    for size in SIZES:
        shape = 0.5 ** np.arange(size, dtype=np.float64)
        m.append(shape / shape.sum())
    return m, u, 0.2


def _levels(patterns: NDArray[np.int64], weight: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """The weighted share of each level, by feature, smoothed."""
    out = []
    for f, size in enumerate(SIZES):
        counts = np.bincount(patterns[:, f], weights=weight, minlength=size) + SMOOTHING
        out.append(counts / counts.sum())
    return out


def _posterior(
    patterns: NDArray[np.int64], m: list[NDArray[np.float64]], u: list[NDArray[np.float64]], prior: float
) -> NDArray[np.float64]:
    log_m = np.full(len(patterns), np.log(prior))
    log_u = np.full(len(patterns), np.log(1.0 - prior))
    for f in range(len(SIZES)):
        log_m += np.log(m[f][patterns[:, f]])
        log_u += np.log(u[f][patterns[:, f]])
    posterior: NDArray[np.float64] = 1.0 / (1.0 + np.exp(log_u - log_m))
    return posterior
