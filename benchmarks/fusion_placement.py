"""How long placing one new report into an incident takes, with N reports already stored.

    python benchmarks/fusion_placement.py --reports N [--placements K] [--db URL]

Files N labelled reports (``fusion_data.generate``) through the service, as a bulk import does (each
delegation's reports in sealed batches, placed batch by batch), then files K more reports one at a
time, each in its own unit of work as an API request is, and times each. Prints one JSON object: the
import's seconds, and for the K single reports the median and 99th percentile of the whole write
(sign, append to the log, store, place, attribute) and of the placement alone (the fusion follower).
The K reports are drawn from the same generator (other incidents and more accounts of stored ones).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))

import trucewatch.incidents.fusing as fusing
from fusion_data import generate
from trucewatch.demo.build import DemoKeys, with_key
from trucewatch.demo.facts import demo_facts
from trucewatch.registry.service import add_actors, add_delegations, start_log
from trucewatch.reports.imports import import_reports
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import open_database
from trucewatch.store.migrate import upgrade

NOW = datetime(2040, 1, 1, tzinfo=UTC)
"""The generator dates a million reports up to 2039: the service checks times against this."""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def _ms(statistic: Any, seconds: list[float]) -> float | None:
    return round(1000 * statistic(seconds), 1) if seconds else None


WARM_UP = 5
"""Placements made first and not counted: the first ones in a process load the model and gazetteer."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--placements", type=int, default=200)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file); one this "
                        "benchmark already filled with --reports N is reused, without importing again (a "
                        "SQLite file is copied first, so that each run places into the same reports)")  # fmt: skip
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/placement.db"
    data = generate(args.reports + WARM_UP + args.placements)  # 40 a day: a million reports span 23 years
    rows = [(f"row {k}", r) for k, r in enumerate(data.records())]
    del data
    gc.freeze()  # the generated records are this benchmark's, not a server's: spare the collector walking them
    stored, extra = rows[: args.reports], rows[args.reports :]
    db = open_database(url)
    upgrade(db)
    keys = DemoKeys.derive(2017, [d.code for d in demo_facts().delegations])
    with db.begin() as s:
        filled = s.scalar(select(func.count()).select_from(Report))
    imported = None if filled else _fill(db, keys, stored)
    with tempfile.TemporaryDirectory() as scratch:
        if filled and url.startswith("sqlite:///"):  # place into a copy: every run starts from the same reports
            db.dispose()
            copy = Path(scratch) / "placement.db"
            with sqlite3.connect(url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
                source.backup(target)  # the log's WAL included: a plain file copy would miss it
            os.sync()  # the copy's gigabytes on disk before the clock starts, not written back during it
            db = open_database(f"sqlite:///{copy}")
        placing, whole = _place(db, keys, extra)
        db.dispose()
    print(json.dumps({
        "stored_reports": args.reports, "import_seconds": imported, "placements": len(placing),
        "write_ms_p50": _ms(statistics.median, whole), "write_ms_p99": _ms(lambda v: percentile(v, 99), whole),
        "placement_ms_p50": _ms(statistics.median, placing),
        "placement_ms_p99": _ms(lambda v: percentile(v, 99), placing),
    }))  # fmt: skip


def _fill(db: Any, keys: DemoKeys, stored: list[tuple[str, dict[str, Any]]]) -> float:
    """The log's start, the demo's delegations and actors, then the stored reports as one bulk import."""
    facts = demo_facts()
    with db.begin() as s:
        start_log(s, origin="bench.invalid/fusion", signer=keys.mechanism, public_key=keys.mechanism.public_key, at=NOW)
        add_delegations(s, [with_key(d, keys.delegations[d.code]) for d in facts.delegations], signer=keys.mechanism,
                        at=NOW)  # fmt: skip
        add_actors(s, facts.actors, signer=keys.mechanism, at=NOW)
    t0 = time.perf_counter()
    with db.begin() as s:
        ordered = sorted(stored, key=lambda r: str(r[1]["delegation"]))
        import_reports(s, iter(ordered), signers=keys.delegations, now=NOW)
    return round(time.perf_counter() - t0, 1)


def _place(db: Any, keys: DemoKeys, extra: list[tuple[str, dict[str, Any]]]) -> tuple[list[float], list[float]]:
    """Each report filed alone in its own unit of work: the seconds of its placement and of the whole write."""
    placing: list[float] = []
    inner = fusing.place_reports

    def timed(*a: Any, **k: Any) -> None:
        start = time.perf_counter()
        inner(*a, **k)
        placing.append(time.perf_counter() - start)

    fusing.place_reports = timed  # type: ignore[assignment]
    whole = []
    for name, record in extra:
        start = time.perf_counter()
        with db.begin() as s:
            submit_reports(s, [(name, dict(record, ref=f"{record['ref']}-{time.time_ns()}"))],
                           signers=keys.delegations, now=NOW)  # fmt: skip
        whole.append(time.perf_counter() - start)
    return placing[WARM_UP:], whole[WARM_UP:]


if __name__ == "__main__":
    main()
