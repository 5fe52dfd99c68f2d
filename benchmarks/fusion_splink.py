"""Splink's dedupe of the fusion benchmark's reports: the peer the project's incident fusion is measured against.

    python benchmarks/fusion_splink.py --reports N [--seed S] [--threshold P]

:func:`splink_fuse` clusters the rows of ``fusion_data.generate(N).frame`` with Splink 4/5 (DuckDB, two
threads) as a competent Splink user would, without the project's code: helper columns derived in
pandas, a Fellegi-Sunter model trained without labels, pairs predicted within blocks and clustered
by connected components at a match probability. The command prints one JSON object (seconds, peak
RSS, the pairwise and B-cubed scores against the truth) on stdout; Splink logs warnings to stderr.

The helper columns (:func:`prepare`):

* time: the calendar day (none for a report dated to the week or month), the ISO week, the month,
  the hour since the epoch and the time precision;
* place: two grids of 1/:data:`CELL_PER_DEG` degree, the second moved by half a cell (none without a
  point), and a *place key*: the consonant skeleton of the place name, the same for ``Al-Bab``,
  ``El-Bab``, ``Bab`` and ``الباب``, for ``Qasabiyeh``, ``Kasabiyeh`` and ``القصبي``
  (:func:`place_key`). Without it the quarter of the reports that name the place in Arabic could
  never meet the others on their name;
* who: perpetrator and target folded (case, width), none when the report says "unknown";
* the total killed (none when no count is given);
* the weapons named, folded, as a list (none when none is named).

The model (:func:`settings`): distance in km, time (aware of the precision: a day's report says
00:00, a month's the first), violation type, perpetrator and target (Jaro-Winkler, with term
frequencies), the total killed, the place key (Jaro-Winkler, with term frequencies), the delegation
and the weapons (whether the two lists share one). Blocking (:data:`BLOCKING`): either grid cell
within 36 hours, or the month and place key (which finds the reports without a point, dated to the
month or a day off) keeps 87 % of the true pairs. The prior comes from a deterministic rule, u from
5 million random pairs (seeded), m from EM on two blocks (:data:`EM_BLOCKS`).

Tuned on 20,000 and 100,000 reports (pairwise F1; B-cubed F1 moves less): EM blocked on day and cell,
then on place and type, learnt next to nothing of time and type (F1 0.61 at 0.9); the blocks of
:data:`EM_BLOCKS` give weights close to those learnt from the truth. Comparing the narratives (word
Jaccard) lowered F1 by 0.05 to 0.09: they repeat the place, type, actors and toll, which the model then
counts twice. Term frequencies on the place key added 0.02. Connected components chain pairs, so the
threshold trades precision for recall steeply (F1 0.50 at 0.5, 0.73 at 0.9 on 20,000 reports):
:data:`THRESHOLD` (0.97) was the best of 0.5, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995 at both sizes; 0.95
gives a B-cubed F1 higher by 0.005 and a pairwise F1 lower by 0.003 to 0.015.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import resource
import sys
import time
import unicodedata
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import splink.comparison_library as cl
from numpy.typing import NDArray
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

THREADS = 2
THRESHOLD = 0.97
"""The match probability at which pairs are predicted and clustered."""
CELL_PER_DEG = 4
U_PAIRS = 5e6
WINDOW_HOURS = 36
BLOCKING = (
    *(
        f"l.{cell} = r.{cell} and l.{span} = r.{span} and abs(l.hours - r.hours) <= {WINDOW_HOURS}"
        for cell in ("cell", "cell_shifted")
        for span in ("span", "span_shifted")
    ),
    block_on("month", "place_key"),
)
"""Pairs in one grid cell within WINDOW_HOURS, or of one month and place key. The spans (two grids of
2 x WINDOW_HOURS, one moved by half) give the join an equality to hash on: two times within
WINDOW_HOURS share a span of one grid or the other, and the cost grows with the reports, not their square."""
EM_BLOCKS = (block_on("week", "place_key", "violation_type"), block_on("day", "perpetrator"))
"""EM learns m for every comparison but those on the block's columns: the first block (the week is no
column of the time comparison) trains time, distance, actors and toll, the second place and type."""
DETERMINISTIC = ("l.day = r.day and l.place_key = r.place_key and l.violation_type = r.violation_type",)
DETERMINISTIC_RECALL = 0.5
"""A guess of the share of true pairs the deterministic rule finds (the prior's denominator)."""
UNKNOWN_ACTOR = re.compile(r"unknown|unidentified|неизвест|неустановлен|مجهول|belirsiz")

ARABIC = dict.fromkeys("اأإآءئؤىةويعـ", "") | dict(
    zip("بتثجحخدذرزسشصضطظغفقكلمنه", "btdjhkddrzsssdtzgfkklmnh", strict=True)
)
"""Arabic letters as the Latin consonants a transliteration writes for them (vowel carriers, hamza
and ayn vanish, as Latin vowels do)."""
LATIN_SOUNDS = (("dj", "j"), ("q", "k"), ("c", "s"), ("x", "ks"))
"""Latin spellings of one sound written alike: French dj and ch (the h goes later), k for q."""


def splink_fuse(
    frame: pd.DataFrame, *, threshold: float = THRESHOLD, seed: int = 2017
) -> tuple[NDArray[np.int64], dict[str, Any]]:
    """A cluster number for each row of ``frame`` (in its order, singletons included), and facts:
    the model's prior, the pairs predicted at ``threshold``, the seconds of each stage."""
    clock, facts = time.perf_counter(), dict[str, Any]()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        facts[f"{stage}_s"] = round(now - clock, 3)
        clock = now

    table = prepare(frame)
    lap("prepare")
    connection = duckdb.connect()
    connection.execute(f"SET threads = {THREADS}; SET enable_progress_bar = false")
    db = DuckDBAPI(connection)
    linker = Linker(db.register(table), settings(), log_level=logging.WARNING)
    train(linker, seed)
    facts["prior"] = linker.misc.save_model_to_json()["probability_two_random_records_match"]
    lap("train")
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    facts["predicted_pairs"] = pairs.as_duckdbpyrelation().aggregate("count(*)").fetchall()[0][0]
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, threshold).as_pandas_dataframe()
    lap("cluster")
    connection.close()
    return _labels(clusters, len(frame)), facts


def _labels(clusters: pd.DataFrame, rows: int) -> NDArray[np.int64]:
    """Splink's cluster ids (a member's id) as numbers 0.., in the rows' order."""
    labels = np.full(rows, -1, dtype=np.int64)
    labels[clusters["unique_id"].to_numpy(np.int64)] = pd.factorize(clusters["cluster_id"])[0]
    if (labels < 0).any():
        raise RuntimeError("Splink left rows out of its clusters")
    return labels


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns Splink compares, derived from the report columns."""
    at = frame["occurred_at"]
    coarse = frame["time_precision"].isin(["week", "month"]).to_numpy()
    lat, lon = frame["latitude"].to_numpy(float), frame["longitude"].to_numpy(float)
    hours = (at - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy() / 3600
    killed = frame[["killed_civilian", "killed_combatant", "killed_unknown"]]
    return pd.DataFrame(
        {
            "unique_id": np.arange(len(frame)),
            "delegation": frame["delegation"].to_numpy(object),
            "day": np.where(coarse, None, at.dt.strftime("%Y-%m-%d").to_numpy(object)),
            "week": at.dt.strftime("%G-%V").to_numpy(object),
            "month": at.dt.strftime("%Y-%m").to_numpy(object),
            "hours": hours,
            "span": np.floor(hours / (2 * WINDOW_HOURS)).astype(np.int64),
            "span_shifted": np.floor(hours / (2 * WINDOW_HOURS) + 0.5).astype(np.int64),
            "time_precision": frame["time_precision"].to_numpy(object),
            "latitude": lat,
            "longitude": lon,
            "cell": _cell(lat, lon, 0.0),
            "cell_shifted": _cell(lat, lon, 0.5),
            "place_key": _each_once(frame["place"], place_key),
            "violation_type": frame["violation_type"].to_numpy(object),
            "perpetrator": _actor(frame["perpetrator"]),
            "target": _actor(frame["target"]),
            "killed": killed.sum(axis=1, min_count=1).astype("Int64"),
            "weapons": _each_once(frame["weapons"], _weapons),
        }
    )


def _cell(lat: NDArray[np.float64], lon: NDArray[np.float64], shift: float) -> NDArray[np.object_]:
    """The grid cell of each point (none without one), the grid moved by ``shift`` cells."""
    y, x = np.floor(lat * CELL_PER_DEG + shift), np.floor(lon * CELL_PER_DEG + shift)
    cells = np.array([f"{a:.0f}:{b:.0f}" for a, b in zip(y, x, strict=True)], dtype=object)
    return np.where(np.isnan(lat), None, cells)


def place_key(name: str) -> str | None:
    """The consonant skeleton of a place name: accents, articles, vowels and doubled letters dropped,
    Arabic letters written as their usual Latin consonants, so that transliterations meet."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    text = re.sub(r"(?<!\w)(?:ال|[ae][lrnsdtz][- ]|el(?=[^\Waeiou]))", "", text)
    text = text.translate(str.maketrans(ARABIC))
    for written, sound in LATIN_SOUNDS:
        text = text.replace(written, sound)
    text = re.sub(r"[^a-z]|[aeiouyhw]", "", text)
    text = re.sub(r"(.)\1+", r"\1", text)
    return text or None


def _actor(names: pd.Series) -> NDArray[np.object_]:
    """Actor names folded (case, compatibility forms); none for a missing or unknown actor."""
    return _each_once(names, _fold_actor)


def _weapons(named: str) -> list[str] | None:
    """The weapons named (the generator joins them with ``;``), folded; none when none is named."""
    folded = [w.strip().casefold() for w in named.split(";") if w.strip()]
    return folded or None


def _fold_actor(name: str) -> str | None:
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    return None if not folded or UNKNOWN_ACTOR.search(folded) else folded


def _each_once(values: pd.Series, function: Callable[[str], str | None]) -> NDArray[np.object_]:
    """``function`` of each value (none for a missing one), called once per distinct value."""
    codes, uniques = pd.factorize(values)
    done = np.array([None, *(function(v) for v in uniques)], dtype=object)
    return np.asarray(done[codes + 1])


def settings() -> SettingsCreator:
    """The model: what is compared and how (levels from the closest agreement down)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=list(BLOCKING),
        comparisons=[
            cl.DistanceInKMAtThresholds("latitude", "longitude", [2, 5, 10, 25]),
            _time(),
            cl.ExactMatch("violation_type"),
            cl.JaroWinklerAtThresholds("perpetrator", [0.9]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("target", [0.9]).configure(term_frequency_adjustments=True),
            _killed(),
            cl.JaroWinklerAtThresholds("place_key", [0.9, 0.75]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("delegation"),
            cl.ArrayIntersectAtSizes("weapons", [1]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _time() -> cl.CustomComparison:
    """How far apart in time, knowing that a day's report says 00:00 and a month's the first."""
    gap = 'abs("hours_l" - "hours_r")'
    coarse = "('week', 'month')"
    return cl.CustomComparison(
        output_column_name="time",
        comparison_levels=[
            {"sql_condition": '"hours_l" is null or "hours_r" is null', "is_null_level": True},
            {
                "sql_condition": f'("time_precision_l" in {coarse} or "time_precision_r" in {coarse})'
                ' and "month_l" = "month_r"',
                "label_for_charts": "a month's report, same month",
            },
            {"sql_condition": f"{gap} <= 2", "label_for_charts": "within 2 h"},
            {"sql_condition": f"{gap} <= 6", "label_for_charts": "within 6 h"},
            {"sql_condition": '"day_l" = "day_r"', "label_for_charts": "same day"},
            {"sql_condition": f"{gap} <= 36", "label_for_charts": "within 36 h"},
            {"sql_condition": "ELSE", "label_for_charts": "further"},
        ],
    )


def _killed() -> cl.CustomComparison:
    """The total killed: the same count above zero (telling), none killed in both (common), within
    one or a third (a rounded or scaled count), else."""
    gap, size = 'abs("killed_l" - "killed_r")', 'greatest("killed_l", "killed_r")'
    return cl.CustomComparison(
        output_column_name="killed",
        comparison_levels=[
            {"sql_condition": '"killed_l" is null or "killed_r" is null', "is_null_level": True},
            {"sql_condition": '"killed_l" = "killed_r" and "killed_l" > 0', "label_for_charts": "same, above 0"},
            {"sql_condition": '"killed_l" = "killed_r"', "label_for_charts": "none in both"},
            {"sql_condition": f"{gap} <= greatest(1, {size} / 3)", "label_for_charts": "within 1 or a third"},
            {"sql_condition": "ELSE", "label_for_charts": "else"},
        ],
    )


def train(linker: Linker, seed: int) -> None:
    """The prior from a deterministic rule, u from random pairs (seeded), m by EM on two blocks."""
    linker.training.estimate_probability_two_random_records_match(list(DETERMINISTIC), recall=DETERMINISTIC_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    for rule in EM_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


def main(argv: list[str] | None = None) -> int:
    from fusion_data import generate
    from fusion_metrics import bcubed, pairwise

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=20_000, help="how many reports")
    parser.add_argument("--seed", type=int, default=2017, help="the generator's and Splink's seed")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="match probability to cluster at")
    args = parser.parse_args(argv)
    data = generate(args.reports, seed=args.seed)
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    labels, facts = splink_fuse(data.frame, threshold=args.threshold, seed=args.seed)
    result: dict[str, Any] = {"reports": args.reports, "threshold": args.threshold}
    result["seconds"] = round(time.perf_counter() - started, 3)
    result |= {"peak_rss_mb": _peak_rss_mb(), "baseline_rss_mb": baseline}
    result |= {"clusters": int(labels.max()) + 1, "facts": facts}
    result |= {"pairwise": pairwise(labels, data.truth), "bcubed": bcubed(labels, data.truth)}
    print(json.dumps(result))
    return 0


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    sys.exit(main())
