"""Bulk import benchmark: N generated reports into a fresh database, as ``trucewatch import reports`` does.

The parent process streams a JSONL (or CSV) file of valid, realistic reports to a
temporary directory, then for each backend and repeat prepares a fresh database
and runs the import in a child process (this script with ``--child``), so the
peak RSS it measures is that run's alone. Only the import itself is timed:
``with db.begin() as session: import_reports(session, read_reports(path), now=now)``.

Prints one JSON object on stdout; progress goes to stderr. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from trucewatch.reports.schemas import CASUALTY_FIELDS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "trucewatch_bench"
BACKENDS = ("sqlite", "postgresql")

# --- the registry the reports refer to -------------------------------------------------------

DELEGATIONS: tuple[tuple[str, str, str], ...] = (
    ("RU", "guarantor", "Russian Federation"),
    ("TR", "guarantor", "Republic of Turkey"),
    ("IR", "guarantor", "Islamic Republic of Iran"),
    ("SY-GOV", "party", "Government of the Syrian Arab Republic"),
    ("SY-OPP", "party", "Delegation of the Syrian armed opposition"),
)
DELEGATION_WEIGHTS = (30, 25, 10, 20, 15)

ACTORS: tuple[tuple[str, str, dict[str, str], list[str]], ...] = (
    (
        "syrian-government",
        "government_force",
        {"en": "Syrian Arab Army", "ar": "الجيش العربي السوري", "ru": "Сирийская арабская армия"},
        ["SAA", "Syrian government forces", "regime forces", "قوات النظام"],
    ),
    (
        "ndf",
        "militia",
        {"en": "National Defence Forces", "ar": "قوات الدفاع الوطني"},
        ["NDF", "National Defense Forces"],
    ),
    (
        "russian-forces",
        "foreign_force",
        {"en": "Russian Armed Forces", "ru": "Вооружённые силы Российской Федерации"},
        ["Russian Aerospace Forces", "VKS", "ВКС России"],
    ),
    ("turkish-forces", "foreign_force", {"en": "Turkish Armed Forces", "tr": "Türk Silahlı Kuvvetleri"}, ["TSK"]),
    ("hts", "jihadist_group", {"en": "Hay'at Tahrir al-Sham", "ar": "هيئة تحرير الشام"}, ["HTS", "تحرير الشام"]),
    (
        "isil",
        "jihadist_group",
        {"en": "Islamic State of Iraq and the Levant", "ar": "الدولة الإسلامية في العراق والشام"},
        ["ISIS", "ISIL", "Daesh", "داعش", "ИГИЛ"],
    ),
    ("ahrar-al-sham", "armed_opposition", {"en": "Ahrar al-Sham", "ar": "حركة أحرار الشام الإسلامية"}, ["أحرار الشام"]),
    ("jaysh-al-islam", "armed_opposition", {"en": "Jaysh al-Islam", "ar": "جيش الإسلام"}, ["Army of Islam"]),
    ("fsa", "armed_opposition", {"en": "Free Syrian Army", "ar": "الجيش السوري الحر"}, ["FSA"]),
    ("sdf", "kurdish_force", {"en": "Syrian Democratic Forces", "ar": "قوات سوريا الديمقراطية"}, ["SDF", "قسد"]),
)

# --- what the generated reports are made of --------------------------------------------------

TOWNS: tuple[tuple[str, str, float, float], ...] = (
    ("Aleppo", "حلب", 36.2021, 37.1343),
    ("al-Bab", "الباب", 36.3706, 37.5157),
    ("Idlib", "إدلب", 35.9306, 36.6339),
    ("Khan Shaykhun", "خان شيخون", 35.4414, 36.6508),
    ("Hama", "حماة", 35.1318, 36.7578),
    ("Homs", "حمص", 34.7324, 36.7137),
    ("Douma", "دوما", 33.5711, 36.4028),
    ("Jobar", "جوبر", 33.5283, 36.3306),
    ("Wadi Barada", "وادي بردى", 33.6736, 36.1533),
    ("Daraa", "درعا", 32.6250, 36.1060),
    ("Raqqa", "الرقة", 35.9528, 39.0079),
    ("Deir ez-Zor", "دير الزور", 35.3359, 40.1408),
)
UNKNOWN_NAMES = (
    "unidentified gunmen",
    "unknown armed group",
    "مسلحون مجهولون",
    "неизвестные боевики",
    "Liwa Suqour al-Jabal",
    "local militia",
)
TARGETS = ("civilians", "residential area", "market", "hospital", "المدنيين", "мирные жители")
WEAPONS = (
    "mortar",
    "artillery",
    "MLRS",
    "barrel bomb",
    "small arms",
    "ATGM",
    "sniper fire",
    "IED",
    "heavy machine gun",
)
SOURCES = ("field monitor", "local council", "SOHR", "SANA", "Reuters", "RIA Novosti", "Anadolu Agency", "Smart News")
NARRATIVES: dict[str, tuple[str, ...]] = {
    "en": (
        "{perp} opened fire on positions near {place}.",
        "Reported {kind} at the outskirts of {place}; the monitor could not confirm the origin.",
        "Witnesses in {place} describe {kind} lasting about an hour.",
    ),
    "ar": ("أفاد مراقبون بوقوع قصف على أطراف {place_ar}.", "اشتباكات متقطعة في محيط {place_ar} استمرت ساعة."),
    "ru": ("Зафиксирован обстрел в районе н.п. {place}.", "Боевики открыли огонь по позициям у {place}."),
}
LANGUAGE_WEIGHTS = {"en": 60, "ar": 25, "ru": 15}
TYPE_WEIGHTS = {
    "shelling": 35,
    "armed_clash": 20,
    "air_strike": 12,
    "attack_on_civilians": 10,
    "abduction_detention": 6,
    "humanitarian_obstruction": 5,
    "troop_movement": 8,
    "other": 4,
}
CSV_COLUMNS = (
    "ref",
    "delegation",
    "occurred_at",
    "time_precision",
    "latitude",
    "longitude",
    "geo_precision",
    "place",
    "violation_type",
    "perpetrator",
    "target",
    *CASUALTY_FIELDS,
    "weapons",
    "narrative",
    "language",
    "sources",
    "evidence",
    "tier",
    "supersedes",
)
START = datetime(2017, 1, 1, tzinfo=UTC)
SECONDS_IN_Q1 = 90 * 24 * 3600  # 1 January to 31 March 2017


@dataclass
class ReportFactory:
    """Valid reports one at a time: refs unique per delegation, ~1% corrections of an earlier report."""

    rng: random.Random
    written: dict[str, int] = field(default_factory=lambda: dict.fromkeys([d[0] for d in DELEGATIONS], 0))
    superseded: set[tuple[str, int]] = field(default_factory=set)
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        spelled = [n for _key, _kind, names, aliases in ACTORS for n in (*names.values(), *aliases)]
        variants = ["hay’at tahrir al sham", "jaysh al islam", "Ahrar al Sham", "DAESH"]  # folded by normalisation
        self.names = spelled + variants

    def report(self) -> dict[str, Any]:
        rng = self.rng
        code = rng.choices(DELEGATIONS, DELEGATION_WEIGHTS)[0][0]
        seq = self.written[code]
        self.written[code] = seq + 1
        kind = rng.choices(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))[0]
        town = rng.choice(TOWNS)
        data: dict[str, Any] = {"ref": _ref(code, seq), "delegation": code, "violation_type": kind}
        data |= self._when() | self._where(town) | self._who(kind) | self._text(kind, town)
        if casualties := self._casualties(kind):
            data["casualties"] = casualties
        if rng.random() < 0.05:
            data["evidence"] = [{"sha256": hashlib.sha256(data["ref"].encode()).hexdigest(), "name": "photo.jpg"}]
        if rng.random() < 0.2:
            data["tier"] = rng.choice(("restricted", "public"))
        if (earlier := self._to_supersede(code, seq)) is not None:
            data["supersedes"] = _ref(code, earlier)
        return data

    def _when(self) -> dict[str, Any]:
        moment = START + timedelta(seconds=self.rng.randrange(SECONDS_IN_Q1))
        if self.rng.random() < 0.4:
            return {"occurred_at": moment.date().isoformat()}
        found: dict[str, Any] = {"occurred_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if self.rng.random() < 0.15:
            found["time_precision"] = "hour"
        return found

    def _where(self, town: tuple[str, str, float, float]) -> dict[str, Any]:
        name_en, name_ar, lat, lon = town
        place = name_ar if self.rng.random() < 0.2 else name_en
        if self.rng.random() < 0.08:
            return {"place": place}  # a place name only: geo_precision defaults to "town"
        jitter = 0.04  # about 4 km
        found: dict[str, Any] = {
            "latitude": round(min(37.0, max(32.5, lat + self.rng.uniform(-jitter, jitter))), 5),
            "longitude": round(min(41.5, max(36.0, lon + self.rng.uniform(-jitter, jitter))), 5),
            "place": place,
        }
        if self.rng.random() < 0.3:
            found["geo_precision"] = "near"
        return found

    def _who(self, kind: str) -> dict[str, Any]:
        rng = self.rng
        found: dict[str, Any] = {}
        if rng.random() < 0.9:
            found["perpetrator"] = rng.choice(UNKNOWN_NAMES) if rng.random() < 0.1 else rng.choice(self.names)
        if kind in ("attack_on_civilians", "humanitarian_obstruction") or rng.random() < 0.2:
            found["target"] = rng.choice(TARGETS)
        elif kind == "armed_clash":
            found["target"] = rng.choice(self.names)
        return found

    def _text(self, kind: str, town: tuple[str, str, float, float]) -> dict[str, Any]:
        rng = self.rng
        language = rng.choices(list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values()))[0]
        template = rng.choice(NARRATIVES[language])
        perp = rng.choice(self.names)
        narrative = template.format(perp=perp, place=town[0], place_ar=town[1], kind=kind.replace("_", " "))
        found: dict[str, Any] = {"narrative": narrative, "language": language}
        found["sources"] = rng.sample(SOURCES, rng.choice((1, 1, 2)))
        if kind in ("shelling", "armed_clash", "air_strike", "attack_on_civilians"):
            found["weapons"] = rng.sample(WEAPONS, rng.choice((1, 1, 2)))
        return found

    def _casualties(self, kind: str) -> dict[str, int]:
        if kind in ("troop_movement", "humanitarian_obstruction", "other") or self.rng.random() < 0.3:
            return {}
        counts = (0, 0, 0, 1, 1, 2, 3, 5, 8)
        fields = self.rng.sample(CASUALTY_FIELDS, self.rng.randint(1, 3))
        return {name: self.rng.choice(counts) for name in fields}

    def _to_supersede(self, code: str, seq: int) -> int | None:
        """An earlier report of the same delegation not yet superseded, about once in a hundred."""
        if seq == 0 or self.rng.random() >= 0.01:
            return None
        for _ in range(5):
            earlier = self.rng.randrange(seq)
            if (code, earlier) not in self.superseded:
                self.superseded.add((code, earlier))
                return earlier
        return None


def _ref(code: str, seq: int) -> str:
    return f"{code}-2017-{seq + 1:06d}"


def generate(path: Path, count: int, seed: int) -> Path:
    """Write ``count`` reports to ``path`` (``.jsonl`` or ``.csv``) one line at a time."""
    factory = ReportFactory(random.Random(seed))
    records = (factory.report() for _ in range(count))
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for data in records:
                writer.writerow(_csv_row(data))
    else:
        with path.open("wb") as out:
            for data in records:
                out.write(orjson.dumps(data) + b"\n")
    return path


def _csv_row(data: dict[str, Any]) -> list[str]:
    flat = {**data, **data.get("casualties", {})}
    flat["evidence"] = [e["sha256"] for e in data.get("evidence", [])]
    row: list[str] = []
    for column in CSV_COLUMNS:
        value = flat.get(column)
        row.append(";".join(value) if isinstance(value, list) else "" if value is None else str(value))
    return row


# --- the child: one import into a fresh database ---------------------------------------------


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed_registry(session: Session, now: datetime) -> None:
    from trucewatch.registry.schemas import ActorIn, DelegationIn
    from trucewatch.registry.service import add_actors, add_delegations

    delegations = [
        DelegationIn.model_validate({"code": code, "name": {"en": name}, "role": role})
        for code, role, name in DELEGATIONS
    ]
    add_delegations(session, delegations, author="mechanism", at=now)
    actors = [
        ActorIn.model_validate({"key": key, "kind": kind, "names": names, "aliases": aliases})
        for key, kind, names, aliases in ACTORS
    ]
    add_actors(session, actors, author="mechanism", at=now)


def run_child(db: str, path: Path, expected: int) -> dict[str, Any]:
    """Open and migrate the (fresh) database, seed the registry, then time the import alone."""
    from sqlalchemy import func, select

    from trucewatch.config import database_url
    from trucewatch.reports.files import read_reports
    from trucewatch.reports.imports import import_reports
    from trucewatch.reports.models import Report
    from trucewatch.store.engine import open_database
    from trucewatch.store.migrate import upgrade

    database = open_database(database_url(db))
    upgrade(database)
    now = datetime.now(UTC)
    with database.begin() as session:
        _seed_registry(session, now)
    baseline = _rss_mb()
    started = time.perf_counter()
    with database.begin() as session:
        done = import_reports(session, read_reports(path), now=now)
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    with database.begin() as session:
        stored = session.scalar(select(func.count()).select_from(Report)) or 0
    database.dispose()
    if done.stored != expected or stored != expected or done.rejected:
        found = f"{done.stored} ({stored} rows, {len(done.rejected)} rejected)"
        raise SystemExit(f"expected {expected} reports stored, got {found}")
    unresolved = sum(done.unresolved.values())
    return {"seconds": seconds, "baseline_rss_mb": baseline, "peak_rss_mb": peak, "unresolved": unresolved}


# --- the parent: fresh databases, child runs, medians ----------------------------------------


def _bench_url(pg_url: str) -> str:
    parts = urlsplit(pg_url)
    return urlunsplit(parts._replace(path="/" + BENCH_DATABASE))


def _ensure_bench_database(pg_url: str) -> str:
    """Create the dedicated database if missing (the database of ``pg_url`` is left untouched)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(pg_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DATABASE,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))
            print(f"created database {BENCH_DATABASE}", file=sys.stderr)
    return _bench_url(pg_url)


def _reset_postgres(bench_url: str) -> None:
    """Empty the dedicated database: every trucewatch table, alembic_version included, goes with its schema."""
    import psycopg

    with psycopg.connect(bench_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _spawn(db: str, path: Path, expected: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--db", db, "--file", str(path)]
    command += ["--reports", str(expected)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the import child failed (exit {done.returncode}); its traceback is above")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def bench_backend(backend: str, path: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """``args.repeat`` imports of ``path``, each into a fresh database in its own process."""
    bench_url = _ensure_bench_database(args.pg_url) if backend == "postgresql" else ""
    runs: list[dict[str, Any]] = []
    for i in range(args.repeat):
        if backend == "postgresql":
            _reset_postgres(bench_url)
            db = bench_url
        else:
            db = str(work / f"bench-{i}.db")
        run = _spawn(db, path, args.reports)
        if backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(db + suffix).unlink(missing_ok=True)
        rate = args.reports / run["seconds"]
        print(
            f"{backend} run {i + 1}/{args.repeat}: {run['seconds']:.2f} s, {rate:,.0f} reports/s, "
            f"RSS {run['baseline_rss_mb']:.0f} -> {run['peak_rss_mb']:.0f} MiB, {run['unresolved']} unresolved names",
            file=sys.stderr,
        )
        runs.append(run)
    return _summary(args.reports, runs)


def _summary(count: int, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    seconds = statistics.median(r["seconds"] for r in runs)
    return {
        "reports": count,
        "seconds": round(seconds, 3),
        "reports_per_s": round(count / seconds),
        "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
        "baseline_rss_mb": round(statistics.median(r["baseline_rss_mb"] for r in runs), 1),
        "runs": [round(r["seconds"], 3) for r in runs],
    }


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000, help="how many reports (default 100000)")
    parser.add_argument("--seed", type=int, default=2017, help="seed of the generated reports (default 2017)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"PostgreSQL server (default {DEFAULT_PG_URL})")
    parser.add_argument("--repeat", type=int, default=3, help="runs per backend; the median is reported (default 3)")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="file format (default jsonl)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown or not args.backends:
        parser.error(f"--backends takes sqlite and/or postgresql, not {', '.join(sorted(unknown)) or 'nothing'}")
    if args.reports < 1 or args.repeat < 1:
        parser.error("--reports and --repeat must be at least 1")
    if args.child and (args.db is None or args.file is None):
        parser.error("--child needs --db and --file")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if args.child:
        print(json.dumps(run_child(args.db, args.file, args.reports)))
        return 0
    with tempfile.TemporaryDirectory(prefix="trucewatch-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        path = generate(work / f"reports.{args.format}", args.reports, args.seed)
        size, took = path.stat().st_size / 2**20, time.perf_counter() - started
        print(f"generated {args.reports} reports ({size:.1f} MiB) in {took:.1f} s", file=sys.stderr)
        results = {backend: bench_backend(backend, path, args, work) for backend in args.backends}
    print(json.dumps(_report(results)))
    return 0


def _report(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """SQLite's medians at the top (or the only backend's), then every backend's figures."""
    top = results.get("sqlite") or next(iter(results.values()))
    keys = ("reports", "seconds", "reports_per_s", "peak_rss_mb")
    return {**{k: top[k] for k in keys}, **results}


if __name__ == "__main__":
    sys.exit(main())
