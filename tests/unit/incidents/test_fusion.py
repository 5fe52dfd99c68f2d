"""Fusion's pure core: blocking, comparison, EM, clustering under constraints, partitions."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from trucewatch.incidents import fusion
from trucewatch.incidents.batch import fuse, partitions, serial
from trucewatch.incidents.clustering import cluster, place_coarse
from trucewatch.incidents.columns import weapon_bits
from trucewatch.incidents.fusion import (
    FEATURES,
    HOUR,
    RADIUS_KM,
    TIME_HALF_SPAN_S,
    Reports,
    candidate_pairs,
    close,
    compare,
    pairs_with,
)
from trucewatch.incidents.scoring import Model, fit, histogram
from trucewatch.incidents.sketch import sketches

TYPES = ("shelling", "air_strike", "armed_clash", "attack_on_civilians")
COMPATIBLE = np.array(
    [[True, True, True, False], [True, True, False, False], [True, False, True, True], [False, False, True, True]]
)
DOUMA = (33.5711, 36.4017)
"""Douma: most reports below happen there."""


def row(**fields: Any) -> dict[str, Any]:
    base = {"at": "2017-02-03T10:00", "time": "hour", "lat": DOUMA[0], "lon": DOUMA[1], "geo": "exact",
            "type": "shelling", "perpetrator": 1, "target": 2, "killed": 3, "place": 7, "delegation": 1,
            "narrative": "Mortar shells hit a quarter of Douma, three killed", "governorate": 3,
            "weapons": ["mortars"]}  # fmt: skip
    return base | fields


def build(rows: list[dict[str, Any]]) -> Reports:
    starts = [datetime.fromisoformat(r["at"]).replace(tzinfo=UTC).timestamp() for r in rows]
    half = [TIME_HALF_SPAN_S[r["time"]] for r in rows]
    return Reports(
        id=np.arange(1, len(rows) + 1, dtype=np.int64),
        t=np.array(starts) + np.array(half),
        half_span=np.array(half),
        lat=np.array([r["lat"] for r in rows], dtype=float),
        lon=np.array([r["lon"] for r in rows], dtype=float),
        radius_km=np.array([RADIUS_KM[r["geo"]] for r in rows]),
        vtype=np.array([TYPES.index(r["type"]) for r in rows], dtype=np.int64),
        perpetrator=np.array([r["perpetrator"] for r in rows], dtype=np.int64),
        target=np.array([r["target"] for r in rows], dtype=np.int64),
        killed=np.array([r["killed"] for r in rows], dtype=np.int64),
        place=np.array([r["place"] for r in rows], dtype=np.int64),
        delegation=np.array([r["delegation"] for r in rows], dtype=np.int64),
        sketch=sketches([r["narrative"] for r in rows]),
        types=TYPES,
        governorate=np.array([r["governorate"] for r in rows], dtype=np.int64),
        weapons=weapon_bits([r["weapons"] for r in rows]),
    )


def model() -> Model:
    """A model as EM learns it on realistic data: agreement is evidence, disagreement against."""
    m = ((0.5, 0.3, 0.12, 0.05, 0.03, 0.1, 0.0), (0.5, 0.3, 0.1, 0.06, 0.04, 0.1, 0.0), (0.8, 0.15, 0.05),
         (0.5, 0.2, 0.1, 0.1, 0.1), (0.4, 0.3, 0.1, 0.2), (0.7, 0.1, 0.2), (0.95, 0.05),
         (0.3, 0.3, 0.2, 0.1, 0.1), (0.55, 0.05, 0.4))  # fmt: skip
    u = ((0.01, 0.04, 0.1, 0.35, 0.5, 0.03, 0.0), (0.02, 0.05, 0.13, 0.3, 0.5, 0.05, 0.0), (0.3, 0.2, 0.5),
         (0.02, 0.1, 0.05, 0.3, 0.53), (0.1, 0.15, 0.5, 0.25), (0.05, 0.75, 0.2), (0.8, 0.2),
         (0.02, 0.08, 0.2, 0.6, 0.1), (0.15, 0.45, 0.4))  # fmt: skip
    return Model(0.2, m, u)


def test_pairs_are_found_within_the_window_and_reach_only() -> None:
    reports = build([
        row(),
        row(at="2017-02-03T14:00", lat=33.60),  # 3 km north, 4 hours later
        row(at="2017-02-06T10:00"),  # three days later
        row(lat=34.2),  # 70 km north
        row(geo="governorate", lat=float("nan"), lon=float("nan")),  # coarse: placed later, not blocked
    ])  # fmt: skip
    assert candidate_pairs(reports).tolist() == [[0, 1]]


def test_every_close_pair_is_found_once_even_at_the_same_time() -> None:
    rng = np.random.default_rng(11)
    rows = [
        row(at=f"2017-03-{d:02d}T{h:02d}:00", time=precision, lat=33.4 + rng.random() / 2, lon=36.2 + rng.random() / 2)
        for d, h, precision in zip(rng.integers(1, 6, 300), rng.integers(0, 24, 300),
                                   rng.choice(["hour", "day", "exact"], 300), strict=True)
    ]  # fmt: skip
    reports = build([r | {"at": r["at"][:10] + "T00:00"} if r["time"] == "day" else r for r in rows])
    everything = np.array([(i, j) for i in range(300) for j in range(i + 1, 300)])
    expected = {tuple(p) for p in everything[close(reports, everything)].tolist()}
    found = candidate_pairs(reports).tolist()
    assert len(found) == len(set(map(tuple, found)))
    assert set(map(tuple, found)) == expected
    assert len(np.unique(reports.t)) < 250  # many reports share a time: ties are part of the test
    new = np.array([3, 150])
    assert {tuple(p) for p in pairs_with(reports, new).tolist()} == {p for p in expected if 3 in p or 150 in p}


def test_placement_finds_the_same_pairs_directly_and_through_the_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    rows = [row(at=f"2017-03-0{d}T{h:02d}:00", lat=33.3 + rng.random() / 2, lon=36.1 + rng.random() / 2,
                geo=rng.choice(["exact", "near", "district"])) for d, h in zip(rng.integers(1, 4, 200),
                rng.integers(0, 24, 200), strict=True)]  # fmt: skip
    reports, new = build(rows), np.array([0, 7, 120])
    direct = pairs_with(reports, new).tolist()
    monkeypatch.setattr(fusion, "DIRECT_PAIRS", 0)
    assert pairs_with(reports, new).tolist() == direct
    assert len(direct) > 100


def test_each_pair_is_found_by_exactly_one_partition() -> None:
    rng = np.random.default_rng(7)
    rows = [
        row(at=f"2017-{m:02d}-{d:02d}T{h:02d}:00", lat=33.5 + rng.random() * 0.3, lon=36.3 + rng.random() * 0.3)
        for m, d, h in zip(rng.integers(1, 7, 400), rng.integers(1, 29, 400), rng.integers(0, 24, 400), strict=True)
    ]
    reports = build(rows)
    whole = {tuple(p) for p in candidate_pairs(reports).tolist()}
    found: list[tuple[int, int]] = []
    for part in partitions(reports, COMPATIBLE, days=10):
        found += [tuple(part.positions[p]) for p in candidate_pairs(part.reports, part.own).tolist()]
    assert len(found) == len(set(found))
    assert set(found) == whole
    assert len(whole) > 100


def test_levels_say_how_two_reports_agree() -> None:
    reports = build([
        row(),
        row(at="2017-02-03T12:00", type="air_strike", perpetrator=-1, killed=5, delegation=2, weapons=["artillery"]),
    ])  # fmt: skip
    levels = compare(reports, np.array([[0, 1]]), COMPATIBLE)
    assert levels.tolist() == [[0, 1, 1, 1, 1, 0, 0, 0, 1]]


def test_weapons_agree_when_one_is_named_by_both_in_any_case() -> None:
    named = [["Mortars", "tank fire"], ["mortars"], ["artillery", "tank  fire"], ["drone"], None, []]
    reports = build([row(weapons=w) for w in named])
    levels = compare(reports, np.array([[0, 1], [0, 2], [1, 3], [0, 4], [4, 5]]), COMPATIBLE)
    assert levels[:, FEATURES.index("weapons")].tolist() == [0, 0, 1, 2, 2]


def test_accounts_blaming_each_other_are_crossed_not_different() -> None:
    reports = build([row(), row(perpetrator=2, target=1), row(perpetrator=4, target=5), row(perpetrator=-1, target=-1)])
    levels = compare(reports, np.array([[0, 1], [0, 2], [0, 3]]), COMPATIBLE)
    assert levels[:, FEATURES.index("actors")].tolist() == [2, 4, 3]


def test_narratives_in_other_words_and_scripts_compare_by_their_shared_words() -> None:
    texts = ["Mortar shells hit Douma, three killed", "Three killed as mortar shells hit Douma",
             "قصف بالهاون على دوما", "قصفٌ بالهاون على دوما", "Clashes near Jobar", None]  # fmt: skip
    reports = build([row(narrative=t) for t in texts])
    levels = compare(reports, np.array([[0, 1], [2, 3], [0, 4], [0, 5]]), COMPATIBLE)
    assert levels[:, FEATURES.index("narrative")].tolist() == [0, 0, 3, 4]


def test_em_learns_that_agreement_is_evidence_of_a_match() -> None:
    rng = np.random.default_rng(3)
    matches = np.stack([rng.choice(3, 3000, p=[0.8, 0.15, 0.05]) for _ in FEATURES], axis=1)
    others = np.stack([rng.choice(3, 12000, p=[0.1, 0.3, 0.6]) for _ in FEATURES], axis=1)
    learned = fit(histogram(np.concatenate([matches, others]).astype(np.int8)))
    assert learned.prior == pytest.approx(0.2, abs=0.02)
    assert all(w[0] > 2 and w[2] < -1 for w in learned.weights()[2:5])
    assert Model.from_json(learned.as_json()) == learned


def test_a_chain_does_not_join_reports_that_contradict_each_other() -> None:
    reports = build([
        row(at="2017-02-03T06:00", lat=33.40),  # A, exact
        row(at="2017-02-04T00:00", time="day", geo="town", lat=33.55),  # B, vague: matches A and C
        row(at="2017-02-04T23:00", lat=33.70),  # C, exact: 33 km and 41 hours from A
    ])  # fmt: skip
    pairs = np.array([[0, 1], [1, 2], [0, 2]])
    labels = cluster(reports, pairs, np.array([5.0, 4.0, 1.0]), COMPATIBLE)
    assert labels[0] == labels[1]
    assert labels[2] != labels[0]


def test_two_events_in_one_town_on_one_day_with_incompatible_types_stay_apart() -> None:
    reports = build([
        row(type="air_strike"), row(at="2017-02-03T10:30", type="air_strike", delegation=2),
        row(at="2017-02-03T17:00", type="attack_on_civilians", delegation=3),
    ])  # fmt: skip
    pairs = np.array([[0, 1], [0, 2], [1, 2]])
    weights = model().score(compare(reports, pairs, COMPATIBLE))
    labels = cluster(reports, pairs, weights, COMPATIBLE)
    assert labels.tolist() == [0, 0, 2]


def test_a_delegations_decisions_join_and_split_whatever_the_scores() -> None:
    reports = build([row(), row(delegation=2), row(delegation=3, at="2017-02-03T20:00")])
    pairs = np.array([[0, 1], [1, 2]])
    assert cluster(reports, pairs, np.array([5.0, -3.0]), COMPATIBLE, together=[(1, 2)], apart=[(0, 1)]).tolist() == [
        0, 1, 1,
    ]  # fmt: skip


def test_a_report_with_only_a_governorate_and_a_month_joins_an_incident_only_when_one_stands_out() -> None:
    nowhere = {"lat": float("nan"), "lon": float("nan"), "geo": "governorate", "at": "2017-02-01T00:00",
               "time": "month"}  # fmt: skip
    reports = build([
        row(), row(delegation=2),  # incident 0: shelling in Douma, 3 killed
        row(at="2017-02-20T09:00", type="armed_clash", perpetrator=5, killed=0, place=9, narrative="Clashes"),
        row(**nowhere, delegation=3),  # agrees with incident 0 on everything it gives
        row(**nowhere, delegation=3, perpetrator=-1, killed=-1, place=-1, narrative="Shelling reported"),
    ])  # fmt: skip
    fine = np.array([[0, 1]])
    labels = cluster(reports, fine, model().score(compare(reports, fine, COMPATIBLE)), COMPATIBLE)
    placed = place_coarse(reports, labels, model(), COMPATIBLE)
    assert placed.tolist() == [0, 0, 2, 0, 4]


def test_fusion_gives_the_same_incidents_however_the_work_is_partitioned() -> None:
    rng = np.random.default_rng(11)
    rows = []
    for event in range(300):
        day, hour = rng.integers(1, 28), rng.integers(0, 20)
        lat, lon = 33.3 + rng.random() * 0.6, 36.1 + rng.random() * 0.6
        kind = TYPES[rng.integers(0, 4)]
        for d in range(rng.integers(1, 5)):
            rows.append(row(
                at=f"2017-{1 + event % 6:02d}-{day:02d}T{hour:02d}:{rng.integers(0, 60):02d}",
                lat=lat + rng.normal(0, 0.01), lon=lon + rng.normal(0, 0.01), type=kind, delegation=d,
                perpetrator=int(rng.integers(0, 3)), killed=int(rng.integers(0, 4)), place=event,
                narrative=f"{kind} event {event}",
            ))  # fmt: skip
    reports = build(rows)
    one = fuse(reports, COMPATIBLE, run=serial, days=400)
    many = fuse(reports, COMPATIBLE, run=serial, days=7)
    assert np.array_equal(one.labels, many.labels)
    assert one.model == many.model
    assert len(np.unique(one.labels)) == pytest.approx(300, rel=0.1)
    assert HOUR == 3600.0


def test_a_join_needs_the_support_of_the_pairs_across_not_one_pair() -> None:
    reports = build([row(), row(delegation=2), row(delegation=3)])
    pairs = np.array([[0, 1], [1, 2], [0, 2]])
    assert cluster(reports, pairs, np.array([6.0, 5.0, -9.0]), COMPATIBLE).tolist() == [0, 0, 2]
    assert cluster(reports, pairs, np.array([6.0, 5.0, -2.0]), COMPATIBLE).tolist() == [0, 0, 0]


def test_fusion_on_a_local_dask_cluster_is_the_single_process_result() -> None:
    from trucewatch.incidents.cluster import dask_run

    rng = np.random.default_rng(5)
    rows = []
    for event in range(150):
        at = f"2017-{1 + event % 6:02d}-{rng.integers(1, 28):02d}T{rng.integers(0, 20):02d}:00"
        lat, lon = 33.3 + rng.random() * 0.6, 36.1 + rng.random() * 0.6
        rows += [row(at=at, lat=lat + rng.normal(0, 0.01), lon=lon, delegation=d, place=event) for d in range(3)]
    reports = build(rows)
    single = fuse(reports, COMPATIBLE, run=serial, days=14, model=model())
    with dask_run("local") as run:
        spread = fuse(reports, COMPATIBLE, run=run, days=14, model=model())
    assert np.array_equal(single.labels, spread.labels)
    assert 100 < len(np.unique(single.labels)) < len(reports) / 2  # accounts joined, events mostly apart


def test_a_report_known_only_to_its_governorate_does_not_disagree_on_the_town() -> None:
    nowhere = {"lat": float("nan"), "lon": float("nan"), "geo": "governorate", "place": 99}
    reports = build([row(), row(**nowhere), row(place=8)])
    levels = compare(reports, np.array([[0, 1], [0, 2]]), COMPATIBLE)
    assert levels[:, FEATURES.index("place")].tolist() == [1, 2]
    assert levels[:, FEATURES.index("distance")].tolist() == [6, 0]
