"""Ledger benchmark: appends through the store, full offline verification, inclusion proofs.

Every figure runs on a log started as the tests start one (genesis and nine delegations with
their keys, written by ``start_log`` and ``add_delegations``) and continued with individually
signed ``report`` entries (lines of about 550 bytes, statements of about 340) by five delegations:

1. entries appended per second through ``append_entries`` (the store's checks, hash chain,
   Merkle nodes, inserts; no applier), lines signed and placed beforehand, then with the
   statements built, signed and placed inside the timing (what ``record`` does before it appends);
2. seconds for ``audit.verify_log`` over 1,000,000 entries and a few signed checkpoints, against
   a plain single loop of Ed25519 verifications and leaf hashes (the floor);
3. latency of ``checkpoints.inclusion_proof`` from a database holding those 1,000,000 entries.

Prints one JSON object on stdout; progress goes to stderr. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import hashlib
import io
import json
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nacl.bindings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

from trucewatch.demo.build import ORIGIN, DemoKeys
from trucewatch.demo.facts import demo_facts
from trucewatch.ledger import checkpoints, merkle, notes, service
from trucewatch.ledger.audit import verify_log
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.checker import workers
from trucewatch.ledger.entries import Submission, encode_statement, place, sign_statements, signed_message
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.models import Entry
from trucewatch.ledger.signing import DelegationKey
from trucewatch.registry.schemas import DelegationIn, KeyIn
from trucewatch.registry.service import add_delegations, start_log
from trucewatch.store.engine import Database, lock_writes, open_database
from trucewatch.store.migrate import upgrade

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/trucewatch_bench"
GOALS = {
    "append_per_s": 20_000,
    "verify_1m_s": 60,
    "inclusion_proof_ms": 1.0,
    "note": "append with verification on 2 cores; verification of 1,000,000 entries; proof from 1,000,000",
}
PG_FILL_BUDGET_S = 180
"""Fill PostgreSQL with the 1,000,000 entries for the proofs only if its append rate says it takes less."""
T0 = datetime(2017, 1, 1, tzinfo=UTC)
REPORTERS = ("RU", "TR", "IR", "SY-GOV", "SY-OPP")
WEIGHTS = (30, 25, 10, 20, 15)
TOWNS = (("Aleppo", 36.2021, 37.1343), ("Idlib", 35.9306, 36.6339), ("Douma", 33.5711, 36.4028))
KINDS = ("shelling", "armed_clash", "air_strike", "attack_on_civilians", "troop_movement")
NARRATIVE = "{kind} near {place}, seen by a monitor."

Item = tuple[DelegationKey, dict[str, Any]]
"""A payload and the delegation key that signs it."""


# --- the log: its head (real services), report payloads, signed lines -------------------------


@dataclass(frozen=True)
class Head:
    """Entries 0-9 as the services write them, and the keys that continue the log."""

    lines: list[bytes]
    mechanism: DelegationKey
    signers: dict[str, DelegationKey]


def make_head(work: Path) -> Head:
    """Genesis and the demo's nine delegations with keys, written into a throwaway SQLite database."""
    facts = demo_facts()
    keys = DemoKeys.derive(1, [d.code for d in facts.delegations])
    db = fresh_database(f"sqlite:///{work / 'head.db'}")
    with db.begin() as session:
        start_log(session, origin=ORIGIN, signer=keys.mechanism, public_key=keys.mechanism.public_key, at=T0)
        delegations = [_with_key(d, keys.delegations[d.code]) for d in facts.delegations]
        add_delegations(session, delegations, signer=keys.mechanism, at=T0)
    with db.begin() as session:
        lines = list(session.scalars(select(Entry.line).order_by(Entry.idx)))
    db.dispose()
    return Head(lines, keys.mechanism, {code: keys.delegations[code] for code in REPORTERS})


def _with_key(delegation: DelegationIn, key: DelegationKey) -> DelegationIn:
    public = KeyIn(public_key=base64.b64encode(key.public_key).decode(), valid_from=T0)
    return delegation.model_copy(update={"keys": [public]})


@dataclass
class Reports:
    """Report-like payloads, each with the key of the delegation that files it."""

    head: Head
    rng: random.Random
    serial: dict[str, int] = field(default_factory=dict)

    def items(self, count: int) -> list[Item]:
        return [self._one() for _ in range(count)]

    def _one(self) -> Item:
        rng = self.rng
        code = rng.choices(REPORTERS, WEIGHTS)[0]
        self.serial[code] = seq = self.serial.get(code, 0) + 1
        place, lat, lon = rng.choice(TOWNS)
        kind = rng.choice(KINDS)
        payload = {
            "ref": f"{code}-2017-{seq:06d}",
            "delegation": code,
            "occurred_at": (T0 + timedelta(seconds=rng.randrange(90 * 86400))).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "latitude": round(lat + rng.uniform(-0.04, 0.04), 4),
            "longitude": round(lon + rng.uniform(-0.04, 0.04), 4),
            "place": place,
            "violation_type": kind,
            "narrative": NARRATIVE.format(kind=kind.replace("_", " ").capitalize(), place=place),
        }
        return self.head.signers[code], payload


def sign_items(items: Sequence[Item], at: datetime) -> list[Submission]:
    """What ``record`` does before it places: each payload's statement, signed by its delegation.

    Each statement is signed on its own (``sign_statements`` with one statement), never as a
    sealed batch, so that every entry costs the verifier one signature.
    """
    kind = str(EntryKind.REPORT)
    submissions: list[Submission] = []
    for signer, payload in items:
        statement = encode_statement(kind, signer.delegation, signer.key_id, at, payload=canonical_json(payload))
        submissions.extend(sign_statements(signer, kind, [statement], at))
    return submissions


def sign_lines(index: int, prev: bytes, items: Sequence[Item], at: datetime) -> list[bytes]:
    """Sign each item's statement, then ``place`` the submissions from ``index`` on, after ``prev``."""
    return place(index, prev, sign_items(items, at))[0]


def chunk_time(number: int) -> datetime:
    """The time of the ``number``-th chunk (one ``at`` per call, as ``record`` has)."""
    return T0 + timedelta(seconds=number + 1)


def presigned(head: Head, items: Sequence[Item], chunk: int) -> list[list[bytes]]:
    """Lines that follow on from the head, chunk by chunk."""
    index, prev = len(head.lines), merkle.leaf_hash(head.lines[-1])
    chunks: list[list[bytes]] = []
    for number, start in enumerate(range(0, len(items), chunk)):
        lines = sign_lines(index, prev, items[start : start + chunk], chunk_time(number))
        chunks.append(lines)
        index, prev = index + len(lines), merkle.leaf_hash(lines[-1])
    return chunks


# --- databases --------------------------------------------------------------------------------


def fresh_database(url: str) -> Database:
    """An empty, migrated database: a new SQLite file, or the PostgreSQL database with a new schema."""
    if url.startswith("postgresql"):
        _reset_postgres(url)
    else:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    db = open_database(url)
    upgrade(db)
    return db


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_postgres(url: str) -> None:
    """Create the benchmark database if missing (from the server's ``postgres`` database)."""
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"--pg-url must name a database ending in _bench (its schema is dropped), not {name!r}")
    admin = urlunsplit(urlsplit(_plain(url))._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", file=sys.stderr)


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def seeded(url: str, head: Head) -> Database:
    """A fresh database holding the head, appended with its appliers (delegation and key rows)."""
    db = fresh_database(url)
    with db.begin() as session:
        service.append(session, head.lines)
    return db


# --- 1 and 2: appends -------------------------------------------------------------------------


def append_chunk(db: Database, lines: Sequence[bytes]) -> None:
    """``service.append`` without the applier: lock, load the log's state, check and write."""
    with db.begin() as session:
        lock_writes(session)
        service.append_entries(session, service.load_checker(session), lines)


def record_chunk(db: Database, items: Sequence[Item], at: datetime) -> None:
    """``service.record`` without the applier: the statements signed first, then placed after the
    state ``load_checker`` returns, checked and written."""
    with db.begin() as session:
        submissions = sign_items(items, at)
        lock_writes(session)
        checker = service.load_checker(session)
        lines, _ = place(checker.size, checker.last_hash, submissions)
        service.append_entries(session, checker, lines)


def one_append_run(url: str, head: Head, work: Sequence[Any], *, signing: bool) -> float:
    """Seconds to append every chunk of ``work`` (lines, or items to sign) into a fresh database."""
    db = seeded(url, head)
    started = time.perf_counter()
    for number, chunk in enumerate(work):
        if signing:
            record_chunk(db, chunk, chunk_time(number))
        else:
            append_chunk(db, chunk)
    seconds = time.perf_counter() - started
    expected = len(head.lines) + sum(len(c) for c in work)
    with db.begin() as session:
        stored = session.scalar(select(func.count()).select_from(Entry))
    db.dispose()
    if stored != expected:
        raise SystemExit(f"expected {expected} entries stored, found {stored}")
    return seconds


def bench_appends(url: str, head: Head, items: Sequence[Item], args: argparse.Namespace) -> dict[str, Any]:
    """Both append figures on one backend, ``args.repeat`` fresh databases each; medians."""
    lines = presigned(head, items, args.chunk)
    batches = [items[i : i + args.chunk] for i in range(0, len(items), args.chunk)]
    found: dict[str, Any] = {}
    for label, work, signing in (("signing_excluded", lines, False), ("signing_included", batches, True)):
        runs = []
        for i in range(args.repeat):
            runs.append(one_append_run(url, head, work, signing=signing))
            rate = len(items) / runs[-1]
            print(f"  append {label} run {i + 1}/{args.repeat}: {runs[-1]:.2f} s, {rate:,.0f}/s", file=sys.stderr)
        found[label] = _rate(len(items), runs)
    return found


def _rate(count: int, runs: Sequence[float]) -> dict[str, Any]:
    seconds = statistics.median(runs)
    return {"entries": count, "seconds": round(seconds, 3), "per_s": round(count / seconds), "runs": _r(runs)}


def _r(values: Sequence[float], digits: int = 3) -> list[float]:
    return [round(v, digits) for v in values]


# --- 3 and 4: the 1,000,000-entry log, verified, and the floor ---------------------------------


@dataclass
class Log:
    """A whole log in memory: lines, each line's signing key, signed checkpoints, the final root."""

    lines: list[bytes]
    key_of: list[int]
    public_keys: list[bytes]
    notes: list[bytes]
    root: bytes


def build_log(head: Head, count: int, chunk: int, seed: int) -> Log:
    """Head + ``count`` signed reports, with checkpoints at each quarter signed by the mechanism."""
    reports = Reports(head, random.Random(seed))
    publics = [head.mechanism.public_key, *(s.public_key for s in head.signers.values())]
    position = {pk: i for i, pk in enumerate(publics)}
    lines, key_of = list(head.lines), [0] * len(head.lines)
    frontier = merkle.Frontier()
    frontier.extend(merkle.leaf_hash(line) for line in lines)
    total = len(head.lines) + count
    sizes = {total * q // 4 for q in (1, 2, 3, 4)}
    marks: list[bytes] = []
    for number, start in enumerate(range(0, count, chunk)):
        items = reports.items(min(chunk, count - start))
        for line in sign_lines(len(lines), merkle.leaf_hash(lines[-1]), items, chunk_time(number)):
            lines.append(line)
            frontier.append(merkle.leaf_hash(line))
            if len(lines) in sizes:
                marks.append(_checkpoint(head.mechanism, len(lines), frontier.root()))
        key_of += [position[signer.public_key] for signer, _ in items]
    return Log(lines, key_of, publics, marks, frontier.root())


def _checkpoint(mechanism: DelegationKey, size: int, root: bytes) -> bytes:
    """A checkpoint note signed as ``checkpoints.sign_checkpoint`` signs one."""
    body = notes.Checkpoint(ORIGIN, size, root).body()
    return notes.Note(body, (notes.sign_note(body, ORIGIN, mechanism.pair),)).encode()


def time_verify(log: Log) -> float:
    """Seconds for ``verify_log`` (its own thread pool, one thread per core); the verdict must be OK."""
    started = time.perf_counter()
    verdict = verify_log(log.lines, log.notes)
    seconds = time.perf_counter() - started
    if not verdict.ok or verdict.entries != len(log.lines) or verdict.checkpoints != len(log.notes):
        raise SystemExit(f"the log does not verify: {verdict.summary()}")
    if verdict.root != log.root:
        raise SystemExit("verify_log found another root than the one the log was built with")
    return seconds


Parts = Sequence[tuple[bytes, bytes] | None]
"""Each line's signed message and raw signature; None for a member of a sealed batch (the head's)."""


_HEAD = len(b'{"entry":')
_STATEMENT = b'"statement":'


def _signed_parts(lines: Sequence[bytes]) -> Iterator[tuple[bytes, bytes] | None]:
    """Prepared before the floor loops are timed: the statement bytes cut out of each line as
    docs/ledger.md describes (the entry bytes after the first ``"statement":``, less the final
    ``}``), with the signing prefix."""
    for line in lines:
        cut = line.rfind(b',"sig":"')
        if cut < 0:
            yield None
            continue
        entry = line[_HEAD:cut]
        statement = entry[entry.find(_STATEMENT) + len(_STATEMENT) : -1]
        yield signed_message(statement), base64.b64decode(line[cut + 8 : -2])


def floor_cryptography(log: Log, parts: Parts) -> float:
    """One loop: ``cryptography``'s Ed25519 verify and the RFC 6962 leaf hash of each entry."""
    keys = [Ed25519PublicKey.from_public_bytes(pk) for pk in log.public_keys]
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for line, k, part in zip(log.lines, log.key_of, parts, strict=True):
        if part is not None:
            keys[k].verify(part[1], part[0])
        sha256(b"\x00" + line).digest()
    return time.perf_counter() - started


def floor_pynacl(log: Log, parts: Parts) -> float:
    """The same loop with PyNaCl (libsodium), the library the ledger verifies with."""
    keys, sign_open, sha256 = log.public_keys, nacl.bindings.crypto_sign_open, hashlib.sha256
    started = time.perf_counter()
    for line, k, part in zip(log.lines, log.key_of, parts, strict=True):
        if part is not None:
            sign_open(part[1] + part[0], keys[k])
        sha256(b"\x00" + line).digest()
    return time.perf_counter() - started


def bench_verify(log: Log) -> dict[str, Any]:
    print(f"verify_log over {len(log.lines):,} entries (1 run)", file=sys.stderr)
    seconds = time_verify(log)
    parts = list(_signed_parts(log.lines))
    print(f"  {seconds:.2f} s; floor loop with cryptography", file=sys.stderr)
    floor = floor_cryptography(log, parts)
    print(f"  {floor:.2f} s; floor loop with PyNaCl", file=sys.stderr)
    floor_nacl = floor_pynacl(log, parts)
    print(f"  {floor_nacl:.2f} s", file=sys.stderr)
    return {
        "entries": len(log.lines),
        "checkpoints": len(log.notes),
        "line_bytes_mean": round(sum(map(len, log.lines)) / len(log.lines)),
        "seconds": round(seconds, 3),
        "floor_cryptography_s": round(floor, 3),
        "floor_pynacl_s": round(floor_nacl, 3),
        "ratio": round(seconds / floor, 3),
        "ratio_to_pynacl_floor": round(seconds / floor_nacl, 3),
        "runs": 1,
    }


# --- 5: inclusion proofs from the full database ----------------------------------------------


def fill(url: str, head: Head, log: Log, chunk: int) -> tuple[Database, float]:
    """A database holding the whole log, appended chunk by chunk as in figure 1."""
    db = seeded(url, head)
    body = log.lines[len(head.lines) :]
    started = time.perf_counter()
    for start in range(0, len(body), chunk):
        append_chunk(db, body[start : start + chunk])
    return db, time.perf_counter() - started


def bench_proofs(db: Database, log: Log, samples: int, seed: int) -> dict[str, Any]:
    """Latency of ``inclusion_proof(session, index, size)`` for random indices; a few proofs verified."""
    size, rng = len(log.lines), random.Random(seed)
    indices = [rng.randrange(size) for _ in range(samples)]
    with db.begin() as session:
        for index in indices[:10]:  # warm-up
            checkpoints.inclusion_proof(session, index, size)
        times, proofs = [], []
        for index in indices:
            started = time.perf_counter()
            proofs.append(checkpoints.inclusion_proof(session, index, size))
            times.append((time.perf_counter() - started) * 1000)
        verified = _verify_proofs(session, log, indices[:20], proofs[:20])
    ordered = sorted(times)
    return {
        "tree_size": size,
        "samples": samples,
        "ms_median": round(statistics.median(times), 4),
        "ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 4),
        "ms_max": round(ordered[-1], 4),
        "verified": verified,
    }


def _verify_proofs(session: Any, log: Log, indices: Sequence[int], proofs: Sequence[list[bytes]]) -> int:
    size = len(log.lines)
    root = checkpoints.root_at(session, size)
    if root != log.root:
        raise SystemExit("root_at does not give the root the log was built with")
    for index, proof in zip(indices, proofs, strict=True):
        leaf = session.scalar(select(Entry.hash).where(Entry.idx == index))
        if leaf != merkle.leaf_hash(log.lines[index]):
            raise SystemExit(f"entry {index} is stored with another hash")
        merkle.verify_inclusion(index, size, leaf, proof, root)  # raises ProofError if it does not verify
    return len(indices)


def bench_full_db(url: str, head: Head, log: Log, args: argparse.Namespace) -> dict[str, Any]:
    db, seconds = fill(url, head, log, args.chunk)
    count = len(log.lines) - len(head.lines)
    print(f"  filled with {count:,} entries in {seconds:.1f} s ({count / seconds:,.0f}/s)", file=sys.stderr)
    proofs = bench_proofs(db, log, args.proofs, args.seed)
    db.dispose()
    print(f"  inclusion proof: median {proofs['ms_median']} ms, p95 {proofs['ms_p95']} ms", file=sys.stderr)
    return {"fill": _rate(count, [seconds]), "inclusion_proof": proofs}


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    head = make_head(work)
    backends = {"sqlite": f"sqlite:///{work / 'bench.db'}"} | ({} if args.skip_pg else {"postgresql": args.pg_url})
    if not args.skip_pg:
        ensure_postgres(args.pg_url)
    items = Reports(head, random.Random(args.seed)).items(args.n_append)
    results: dict[str, dict[str, Any]] = {}
    for name, url in backends.items():
        print(f"{name}: appending {args.n_append:,} entries in chunks of {args.chunk:,}", file=sys.stderr)
        results[name] = {"append": bench_appends(url, head, items, args)}
    started = time.perf_counter()
    log = build_log(head, args.n_verify - len(head.lines), args.chunk, args.seed + 1)
    print(f"built a log of {len(log.lines):,} entries in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    verified = bench_verify(log)
    for name, url in backends.items():
        budget = len(log.lines) / results[name]["append"]["signing_excluded"]["per_s"]
        if name == "postgresql" and budget > PG_FILL_BUDGET_S:
            results[name]["inclusion_proof"] = {"skipped": f"filling would take about {budget:.0f} s"}
            continue
        print(f"{name}: filling a database for the inclusion proofs", file=sys.stderr)
        results[name] |= bench_full_db(url, head, log, args)
    return report(results, verified, args)


def report(results: dict[str, dict[str, Any]], verified: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """SQLite's figures at the top, then every backend's and the verification's details."""
    top = results["sqlite"]
    proofs = top["inclusion_proof"]
    return {
        "append_per_s_signing_excluded": top["append"]["signing_excluded"]["per_s"],
        "append_per_s_signing_included": top["append"]["signing_included"]["per_s"],
        "verify_1m_s": verified["seconds"],
        "verify_1m_floor_s": verified["floor_cryptography_s"],
        "verify_1m_floor_pynacl_s": verified["floor_pynacl_s"],
        "verify_ratio": verified["ratio"],
        "inclusion_proof_ms_median": proofs["ms_median"],
        "inclusion_proof_ms_p95": proofs["ms_p95"],
        **results,
        "verify": verified,
        "goals": GOALS,
        "environment": environment(args),
    }


def environment(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "cpu_count": workers(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "pynacl": version("PyNaCl"),
        "cryptography": version("cryptography"),
        "sqlalchemy": version("SQLAlchemy"),
        "sqlite": sqlite3.sqlite_version,
        "n_append": args.n_append,
        "n_verify": args.n_verify,
        "chunk": args.chunk,
        "repeat": args.repeat,
        "proof_samples": args.proofs,
    }


# --- profiling one figure ----------------------------------------------------------------------


def profile(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """One run of one figure on SQLite under cProfile (main thread only); top functions by cumulative time."""
    head = make_head(work)
    url = f"sqlite:///{work / 'bench.db'}"
    target: Callable[[], Any]
    if args.profile == "append":
        items = Reports(head, random.Random(args.seed)).items(args.n_append)
        target = partial(one_append_run, url, head, presigned(head, items, args.chunk), signing=False)
    else:
        log = build_log(head, args.n_verify - len(head.lines), args.chunk, args.seed + 1)
        if args.profile == "proof":
            target = partial(bench_proofs, fill(url, head, log, args.chunk)[0], log, args.proofs, args.seed)
        else:
            target = partial(time_verify, log)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(target)
    seconds = time.perf_counter() - started
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue(), file=sys.stderr)
    return {"profiled": args.profile, "seconds": round(seconds, 3), "environment": environment(args)}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-append", type=int, default=50_000, help="entries per append run (default 50000)")
    parser.add_argument("--n-verify", type=int, default=1_000_000, help="entries of the verified log (default 1000000)")
    parser.add_argument("--chunk", type=int, default=2_000, help="lines per append call (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="append runs per figure; the median (default 3)")
    parser.add_argument("--proofs", type=int, default=1_000, help="inclusion proofs timed (default 1000)")
    parser.add_argument("--seed", type=int, default=2017, help="seed of the generated reports (default 2017)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help=f"PostgreSQL database (default {DEFAULT_PG_URL})")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4000 appended, 20000 verified")
    parser.add_argument("--profile", choices=("append", "verify", "proof"), help="profile one figure instead")
    parser.add_argument("--top", type=int, default=10, help="functions shown by --profile (default 10)")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_append, args.n_verify, args.proofs = 4_000, 20_000, 200
    if args.n_append < 1 or args.n_verify < 20 or args.chunk < 1 or args.repeat < 1 or args.proofs < 20:
        parser.error("--n-append, --chunk and --repeat must be at least 1; --n-verify and --proofs at least 20")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    load = os.getloadavg()  # other work on the machine shares its cores: say how busy it was
    with tempfile.TemporaryDirectory(prefix="trucewatch-ledger-bench-") as tmp:
        result = profile(args, Path(tmp)) if args.profile else run(args, Path(tmp))
    result["environment"]["load_average_1_5_15_min"] = {"start": _r(load, 2), "end": _r(os.getloadavg(), 2)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
