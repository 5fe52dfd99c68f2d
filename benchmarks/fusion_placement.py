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
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import trucewatch.incidents.fusing as fusing
from fusion_data import generate
from trucewatch.demo.build import DemoKeys, with_key
from trucewatch.demo.facts import demo_facts
from trucewatch.registry.service import add_actors, add_delegations, start_log
from trucewatch.reports.imports import import_reports
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import open_database
from trucewatch.store.migrate import upgrade

NOW = datetime(2040, 1, 1, tzinfo=UTC)
"""The generator dates a million reports up to 2039: the service checks times against this."""


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--placements", type=int, default=200)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/placement.db"
    data = generate(args.reports + args.placements)  # 40 a day: a million reports span 23 years
    rows = [(f"row {k}", r) for k, r in enumerate(data.records())]
    stored, extra = rows[: args.reports], rows[args.reports :]
    db = open_database(url)
    upgrade(db)
    facts = demo_facts()
    keys = DemoKeys.derive(2017, [d.code for d in facts.delegations])
    with db.begin() as s:
        start_log(s, origin="bench.invalid/fusion", signer=keys.mechanism, public_key=keys.mechanism.public_key, at=NOW)
        keyed = [with_key(d, keys.delegations[d.code]) for d in facts.delegations]
        add_delegations(s, keyed, signer=keys.mechanism, at=NOW)
        add_actors(s, facts.actors, signer=keys.mechanism, at=NOW)
    t0 = time.perf_counter()
    with db.begin() as s:
        ordered = sorted(stored, key=lambda r: str(r[1]["delegation"]))
        import_reports(s, iter(ordered), signers=keys.delegations, now=NOW)
    imported = time.perf_counter() - t0
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
            submit_reports(s, [(name, record)], signers=keys.delegations, now=NOW)
        whole.append(time.perf_counter() - start)
    print(json.dumps({
        "stored_reports": args.reports, "import_seconds": round(imported, 1), "placements": len(placing),
        "write_ms_p50": round(1000 * statistics.median(whole), 1),
        "write_ms_p99": round(1000 * percentile(whole, 99), 1),
        "placement_ms_p50": round(1000 * statistics.median(placing), 1),
        "placement_ms_p99": round(1000 * percentile(placing, 99), 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
