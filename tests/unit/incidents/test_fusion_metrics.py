"""The incident-fusion benchmark's accuracy measures: pairwise and B-cubed (benchmarks/fusion_metrics.py)."""

import importlib.util
import sys
import time
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[3] / "benchmarks" / "fusion_metrics.py"


@pytest.fixture(scope="module")
def fm() -> ModuleType:
    """The measures, loaded by path: ``benchmarks`` is not a package."""
    spec = importlib.util.spec_from_file_location("fusion_metrics", PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fusion_metrics"] = module
    spec.loader.exec_module(module)
    return module


TRUTH = [0, 0, 0, 1, 1, 2]
"""Three incidents: one reported three times, one twice, one once (4 true pairs)."""


@pytest.mark.parametrize("labels", [TRUTH, [7, 7, 7, 3, 3, 9], ["c", "c", "c", "a", "a", "b"]])
def test_the_true_clustering_under_any_names_scores_one(fm: ModuleType, labels: list[object]) -> None:
    for measure in (fm.pairwise, fm.bcubed):
        scores = measure(labels, TRUTH)
        assert (scores["precision"], scores["recall"], scores["f1"]) == (1.0, 1.0, 1.0)


def test_all_singletons_have_no_pairwise_recall_and_full_precision(fm: ModuleType) -> None:
    scores = fm.pairwise(np.arange(6), TRUTH)
    assert scores == {
        "precision": 1.0,
        "recall": 0.0,
        "f1": 0.0,
        "predicted_pairs": 0,
        "true_pairs": 4,
        "correct_pairs": 0,
    }
    b = fm.bcubed(np.arange(6), TRUTH)
    assert b["precision"] == 1.0
    assert b["recall"] == pytest.approx((3 * (1 / 3) + 2 * (1 / 2) + 1) / 6)  # each row finds itself only: 1/2


def test_one_cluster_has_full_recall_and_the_true_share_of_pairs_as_precision(fm: ModuleType) -> None:
    scores = fm.pairwise(np.zeros(6), TRUTH)
    assert (scores["predicted_pairs"], scores["correct_pairs"]) == (15, 4)
    assert scores["precision"] == pytest.approx(4 / 15)
    assert scores["recall"] == 1.0
    b = fm.bcubed(np.zeros(6), TRUTH)
    assert b["recall"] == 1.0
    assert b["precision"] == pytest.approx((3 * 3 / 6 + 2 * 2 / 6 + 1 / 6) / 6)  # 14/36


def test_a_worked_example_gives_the_exact_fractions(fm: ModuleType) -> None:
    """Truth {0,1,2} {3,4} {5}; clusters {0,1} {2,3,4,5}.

    Pairs: predicted 1 + 6 = 7, true 3 + 1 = 4, correct (0,1) and (3,4) = 2: P 2/7, R 2/4, F1 4/11.
    B-cubed, row by row (precision n/a, recall n/b): rows 0 and 1 are 2/2 and 2/3; row 2 is 1/4 and
    1/3; rows 3 and 4 are 2/4 and 2/2; row 5 is 1/4 and 1/1. P = (2 + 1/4 + 1 + 1/4) / 6 = 7/12,
    R = (4/3 + 1/3 + 2 + 1) / 6 = 7/9, F1 = 2 (7/12)(7/9) / (7/12 + 7/9) = 2/3.
    """
    labels = [0, 0, 1, 1, 1, 1]
    scores = fm.pairwise(labels, TRUTH)
    assert (scores["predicted_pairs"], scores["true_pairs"], scores["correct_pairs"]) == (7, 4, 2)
    assert scores["precision"] == pytest.approx(float(Fraction(2, 7)))
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(float(Fraction(4, 11)))
    b = fm.bcubed(labels, TRUTH)
    assert b["precision"] == pytest.approx(float(Fraction(7, 12)))
    assert b["recall"] == pytest.approx(float(Fraction(7, 9)))
    assert b["f1"] == pytest.approx(float(Fraction(2, 3)))


def test_the_measures_are_symmetric_in_their_roles(fm: ModuleType) -> None:
    """Swapping labels and truth swaps precision and recall."""
    labels = [0, 0, 1, 1, 1, 1]
    for measure in (fm.pairwise, fm.bcubed):
        there, back = measure(labels, TRUTH), measure(TRUTH, labels)
        assert (there["precision"], there["recall"]) == pytest.approx((back["recall"], back["precision"]))


def test_agree_with_counting_every_pair_on_random_clusterings(fm: ModuleType) -> None:
    rng = np.random.default_rng(5)
    truth, labels = rng.integers(0, 40, 300), rng.integers(0, 25, 300)
    i, j = np.triu_indices(300, k=1)
    same_cluster, same_incident = labels[i] == labels[j], truth[i] == truth[j]
    scores = fm.pairwise(labels, truth)
    assert scores["correct_pairs"] == int((same_cluster & same_incident).sum())
    assert scores["precision"] == pytest.approx((same_cluster & same_incident).sum() / same_cluster.sum())
    assert scores["recall"] == pytest.approx((same_cluster & same_incident).sum() / same_incident.sum())
    both = (labels[:, None] == labels[None, :]) & (truth[:, None] == truth[None, :])
    precision = (both.sum(axis=1) / (labels[:, None] == labels[None, :]).sum(axis=1)).mean()
    recall = (both.sum(axis=1) / (truth[:, None] == truth[None, :]).sum(axis=1)).mean()
    assert fm.bcubed(labels, truth)["precision"] == pytest.approx(precision)
    assert fm.bcubed(labels, truth)["recall"] == pytest.approx(recall)


def test_a_million_rows_take_about_a_second(fm: ModuleType) -> None:
    rng = np.random.default_rng(7)
    truth = np.sort(rng.integers(0, 340_000, 1_000_000))
    labels = np.where(rng.random(1_000_000) < 0.1, rng.integers(0, 10**9, 1_000_000), truth)
    started = time.perf_counter()
    scores, b = fm.pairwise(labels, truth), fm.bcubed(labels, truth)
    assert time.perf_counter() - started < 5.0
    assert scores["precision"] > 0.99
    assert 0.7 < scores["recall"] < 0.9
    assert 0.8 < b["f1"] < 1.0


def test_rejects_arrays_of_different_lengths(fm: ModuleType) -> None:
    with pytest.raises(ValueError, match="one length"):
        fm.pairwise([0, 1], [0, 1, 2])
