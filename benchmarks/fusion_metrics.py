"""How close a clustering of reports is to the true incidents: pairwise and B-cubed precision, recall, F1.

Both measures compare ``labels`` (the cluster each row was put in) with ``truth`` (the incident each row
reports) through their contingency table: ``n[c, t]``, the rows put in cluster ``c`` that report
incident ``t``, with the cluster sizes ``a[c]`` and the incident sizes ``b[t]``. Only the non-empty
cells are counted (a sort of the pairs ``(c, t)``), so a million rows take well under a second and no
pair of rows is ever listed. The label values themselves do not matter, only which rows share one.

* **Pairwise** counts pairs of rows. A pair is *predicted* when both rows are in one cluster
  (``sum C(a, 2)``), *true* when both report one incident (``sum C(b, 2)``), and *correct* when both
  (``sum C(n, 2)``). Precision is correct / predicted, recall correct / true. Large clusters weigh
  quadratically: one wrong merge of two big incidents costs many pairs.
* **B-cubed** (Bagga and Baldwin 1998; Amigó et al. 2009) averages over rows. A row's precision is the
  share of its cluster that reports its incident, ``n / a``; its recall the share of its incident that
  is in its cluster, ``n / b``. Precision and recall are the means over all rows
  (``sum n² / a / N`` and ``sum n² / b / N``); every row weighs the same, singletons included.

F1 is the harmonic mean of precision and recall (0 when both are 0). With no predicted pair, pairwise
precision is 1 (nothing was claimed wrongly); with no true pair, pairwise recall is 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Counts = NDArray[np.int64]


def contingency(labels: ArrayLike, truth: ArrayLike) -> tuple[Counts, Counts, Counts, Counts, Counts]:
    """The non-empty cells of the table: for each, its count ``n``, and its cluster's size ``a`` and its
    incident's size ``b`` (one entry per cell); then all cluster sizes and all incident sizes."""
    labels, truth = np.asarray(labels), np.asarray(truth)
    if labels.shape != truth.shape or labels.ndim != 1:
        raise ValueError(f"labels and truth must be two 1-d arrays of one length, not {labels.shape}, {truth.shape}")
    _, cluster, cluster_size = np.unique(labels, return_inverse=True, return_counts=True)
    _, incident, incident_size = np.unique(truth, return_inverse=True, return_counts=True)
    cell = cluster.astype(np.int64) * len(incident_size) + incident
    keys, n = np.unique(cell, return_counts=True)
    a, b = cluster_size[keys // len(incident_size)], incident_size[keys % len(incident_size)]
    return n, a, b, cluster_size, incident_size


def _pairs(sizes: Counts) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def pairwise(labels: ArrayLike, truth: ArrayLike) -> dict[str, Any]:
    """Precision, recall and F1 over pairs of rows put together, with the counts of pairs
    (``predicted_pairs``, ``true_pairs``, ``correct_pairs``) they come from."""
    n, _, _, cluster_size, incident_size = contingency(labels, truth)
    correct, predicted, true = _pairs(n), _pairs(cluster_size), _pairs(incident_size)
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "predicted_pairs": predicted,
        "true_pairs": true,
        "correct_pairs": correct,
    }


def bcubed(labels: ArrayLike, truth: ArrayLike) -> dict[str, Any]:
    """B-cubed precision, recall and F1: the means over rows of the share of a row's cluster that
    reports its incident and of the share of its incident that is in its cluster."""
    n, a, b, cluster_size, _ = contingency(labels, truth)
    rows = int(cluster_size.sum())
    if rows == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    square = n.astype(np.float64) ** 2
    precision, recall = float((square / a).sum() / rows), float((square / b).sum() / rows)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}
