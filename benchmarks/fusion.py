"""Incident fusion against the generator's truth, and Splink on the same reports in the same run.

    python benchmarks/fusion.py --reports N [--seed S] [--repeat K] [--dask local|ADDRESS] [--no-splink]

Prints one JSON object: for trucewatch and for Splink (its DuckDB backend, configured in
``fusion_splink.py``), the seconds (the median of ``--repeat`` runs, the two systems taking turns,
each run's seconds besides: the first pays the imports and the loading of the gazetteer), the peak
memory (RSS growth of this process over the generated data, sampled; the most of any run), pairwise
precision, recall and F1, and B-cubed F1 (every run gives the same labels: checked); and the ratio of
the medians. Placing one report into a stored database is ``fusion_placement.py``.

trucewatch's seconds cover what ``trucewatch fuse --full`` does after reading the rows: coding
the reports (places looked up in the gazetteer when they have no point, governorates by point in
polygon, actors through the registry's names), learning the model by EM, scoring, clustering and
placing the coarse reports. Generating the data is not timed, for either system.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from fusion_data import generate
from fusion_metrics import bcubed, pairwise
from trucewatch.demo.facts import demo_facts
from trucewatch.geo.admin import syria_admin_areas, syria_gazetteer
from trucewatch.incidents.batch import Run, fuse, serial
from trucewatch.incidents.cluster import dask_run
from trucewatch.incidents.columns import Accounts, actor_code, to_reports
from trucewatch.incidents.fusion import paused_gc
from trucewatch.registry.names import normalize_name
from trucewatch.registry.service import ActorIndex
from trucewatch.reports.places import coarser
from trucewatch.reports.taxonomy import ViolationType, confusable_matrix

TYPES = tuple(str(t) for t in ViolationType)
KILLED = ["killed_civilian", "killed_combatant", "killed_unknown"]


def _rss() -> int:
    """This process's resident memory now, in bytes (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Samples this process's resident memory every 20 ms; yields a dict that gets ``peak_mb`` (the
    growth over the start: what the work added, the generated data left out). DuckDB's memory is this
    process's too."""
    start = _rss()
    out = {"peak_mb": 0.0}
    done = threading.Event()

    def sample() -> None:
        peak = start
        while not done.wait(0.02):
            peak = max(peak, _rss())
        out["peak_mb"] = round((max(peak, _rss()) - start) / 2**20, 1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        done.set()
        thread.join()


def accounts(frame: pd.DataFrame) -> Accounts:
    """The frame's reports as the database would hold them: located, in their governorate, actors resolved."""
    lat = frame.latitude.to_numpy(dtype=float).copy()
    lon = frame.longitude.to_numpy(dtype=float).copy()
    precision = frame.geo_precision.to_numpy(dtype=object).copy()
    gazetteer, found, places = syria_gazetteer(), {}, frame.place.tolist()
    for k in np.flatnonzero(np.isnan(lat)).tolist():
        name = places[k]
        place = found[name] if name in found else found.setdefault(name, gazetteer.find(name).place)
        if place is not None:
            lat[k], lon[k] = place.latitude, place.longitude
            precision[k] = coarser(precision[k], str(place.precision))
    has = ~np.isnan(lat)
    governorate = np.full(len(frame), None, dtype=object)
    governorate[has] = syria_admin_areas().locate(lon[has], lat[has])[0]
    killed = frame[KILLED].to_numpy(dtype=float, na_value=np.nan)
    total = np.where(np.isnan(killed).all(axis=1), -1, np.nansum(killed, axis=1)).astype(int)
    index = _actor_index()
    return Accounts(
        id=np.arange(1, len(frame) + 1).tolist(),
        start=(frame.occurred_at.astype("int64") / 1e6).tolist(),
        time_precision=frame.time_precision.tolist(),
        latitude=[None if np.isnan(x) else x for x in lat.tolist()],
        longitude=[None if np.isnan(x) else x for x in lon.tolist()],
        geo_precision=precision.tolist(),
        governorate=governorate.tolist(),
        violation_type=frame.violation_type.tolist(),
        perpetrator=_actors(frame.perpetrator.tolist(), index),
        target=_actors(frame.target.tolist(), index),
        killed=[None if k < 0 else k for k in total.tolist()],
        place=places,
        delegation=frame.delegation.tolist(),
        narrative=frame.narrative.tolist(),
        weapons=[w.split(";") if isinstance(w, str) and w else None for w in frame.weapons.tolist()],
    )


def _actor_index() -> ActorIndex:
    """The demo registry's actors (those the generator names), as the service's index holds them."""
    actors = demo_facts().actors
    return ActorIndex([(normalize_name(n), k) for k, a in enumerate(actors) for n in (*a.names.values(), *a.aliases)])


def _actors(names: list[Any], index: ActorIndex) -> list[str | None]:
    """Each actor as the service codes it: the registry's actor, the folded name, or None if unknown."""
    return [actor_code(index.resolve(n).actor_id, n) if isinstance(n, str) else None for n in names]


def run_trucewatch(frame: pd.DataFrame, run: Run) -> tuple[np.ndarray, dict[str, Any]]:
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    with paused_gc():  # as the service reads and codes them (incidents.fusing)
        reports = to_reports(accounts(frame), TYPES, syria_gazetteer())
    stages["coding"] = time.perf_counter() - t0
    fused = fuse(reports, confusable_matrix(TYPES), run=run)
    stages["fusing"] = time.perf_counter() - t0 - stages["coding"]
    facts = {
        "scored_pairs": fused.scored_pairs,
        "matched_pairs": fused.matched_pairs,
        "em_iterations": fused.model.iterations,
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
    }
    return fused.labels, facts


def measured(fn: Callable[[], tuple[np.ndarray, dict[str, Any]]], truth: np.ndarray) -> dict[str, Any]:
    gc.collect()
    with peak_rss() as memory:
        t0 = time.perf_counter()
        labels, facts = fn()
        seconds = time.perf_counter() - t0
    pair, b3 = pairwise(labels, truth), bcubed(labels, truth)
    return {
        "seconds": round(seconds, 2),
        "peak_mb": memory["peak_mb"],
        "pairwise_precision": round(pair["precision"], 4),
        "pairwise_recall": round(pair["recall"], 4),
        "pairwise_f1": round(pair["f1"], 4),
        "bcubed_f1": round(b3["f1"], 4),
        "incidents": len(np.unique(labels)),
        **facts,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run's figures (its stages too), with each run's seconds and the most memory of all runs."""
    scores = ("pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_f1", "incidents")
    if any(tuple(r[k] for k in scores) != tuple(runs[0][k] for k in scores) for r in runs):
        raise RuntimeError("two runs on the same reports gave different incidents")
    middle = sorted(runs, key=lambda r: float(r["seconds"]))[len(runs) // 2]
    return middle | {
        "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
        "seconds_runs": [r["seconds"] for r in runs],
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--dask", default=None, help="'local' or a scheduler address; default: one process")
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each system, taking turns; medians")
    args = parser.parse_args()
    data = generate(args.reports, seed=args.seed)
    gc.freeze()  # the generated frame's millions of objects are not garbage: spare the collector walking them
    out: dict[str, Any] = {"reports": args.reports, "true_incidents": len(np.unique(data.truth))}
    runs: dict[str, list[dict[str, Any]]] = {"trucewatch": [], "splink": []}
    with dask_run(args.dask) if args.dask else nullcontext(serial) as run:
        for _ in range(args.repeat):
            runs["trucewatch"].append(measured(lambda: run_trucewatch(data.frame, run), data.truth))
            if not args.no_splink:
                from fusion_splink import splink_fuse

                runs["splink"].append(measured(lambda: splink_fuse(data.frame), data.truth))
    out["trucewatch"] = summary(runs["trucewatch"])
    if runs["splink"]:
        out["splink"] = summary(runs["splink"])
        out["ratio_seconds_splink_over_trucewatch"] = round(out["splink"]["seconds"] / out["trucewatch"]["seconds"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
