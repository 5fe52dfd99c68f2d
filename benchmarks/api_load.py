"""API load benchmark: 16 concurrent signed clients against ``trucewatch serve`` on PostgreSQL.

1. A fresh PostgreSQL database (its name must end in ``_bench``: its schema is dropped)
   gets the demo (``trucewatch demo --no-serve``) and one API token per client; the
   clients are members of the five delegations that file reports (RU, TR, IR, SY-GOV,
   SY-OPP), taken in turn.
2. ``trucewatch serve`` starts on a free loopback port, in its own process.
3. Three phases, each with ``--clients`` concurrent clients on keep-alive connections,
   each client sending its next request as soon as the last one is answered:
   - filtered list pages over the demo (``GET /reports`` with time, type, governorate,
     perpetrator, bounding-box, text and tier filters, as a guarantor or a party), then
     the same pages asked by one client alone (the latency a user sees on a quiet server);
   - single signed reports (``POST /reports``) for ``--seconds`` (30 s);
   - sealed batches of 1,000 signed reports (``POST /reports/batch``).
   Reports are realistic (the bulk-import benchmark's generator); each client signs
   its own with its delegation's demo key just before its phase starts, so the
   phase times only the HTTP round trips.
4. Then it checks, through the database and ``trucewatch verify --db``, that every
   acknowledged report is stored, sits in the ledger at the index its receipt named
   with the statement that was signed, that nothing is duplicated or stored unacknowledged,
   and that the whole log verifies.

Every phase is bounded in time and in count. Prints one JSON object on stdout;
progress goes to stderr. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx2
import orjson
from sqlalchemy import func, select

from bulk_import import ReportFactory
from ledger import ensure_postgres, fresh_database
from trucewatch.api.client import signed_reports
from trucewatch.config import database_url
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import statement_hash
from trucewatch.ledger.models import Entry
from trucewatch.ledger.signing import DelegationKey, read_key_file
from trucewatch.registry.tokens import new_token
from trucewatch.reports.models import Report
from trucewatch.store.engine import open_database

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/trucewatch_api_bench"
FILERS = ("RU", "TR", "IR", "SY-GOV", "SY-OPP")
BATCH = 1000
LISTS = (
    {"since": "2017-02-01T00:00:00Z", "until": "2017-02-15T00:00:00Z", "limit": 50},
    {"governorate": "SY07", "type": "shelling", "limit": 50},
    {"governorate": "Idleb", "since": "2017-03-01T00:00:00Z", "limit": 100},
    {"perpetrator": "HTS", "limit": 50},
    {"bbox": "36.0,35.5,37.5,36.6", "type": "air_strike", "limit": 50},
    {"q": "Aleppo", "limit": 50},
    {"tier": "shared", "since": "2017-01-15T00:00:00Z", "until": "2017-01-20T00:00:00Z", "limit": 100},
    {"delegation": "SY-GOV", "type": "armed_clash", "limit": 50},
)
"""Filtered list pages a delegation's analyst asks for, over the demo's January-March 2017."""


@dataclass
class Client:
    number: int
    delegation: str
    token: str
    signer: DelegationKey
    factory: ReportFactory
    sent: int = 0

    def reports(self, count: int) -> list[dict[str, Any]]:
        """``count`` fresh reports of this client's delegation, with refs no other client uses."""
        out = []
        for _ in range(count):
            data = self.factory.report()
            data.pop("supersedes", None)  # a correction needs its original stored first: not under load
            data["delegation"] = self.delegation
            data["ref"] = f"LOAD{self.number:02d}-{self.sent:07d}"
            self.sent += 1
            out.append(data)
        return out


@dataclass
class Phase:
    """What one phase sent and what came back."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: dict[bytes, int] = field(default_factory=dict)
    """Statement hash -> the log index the receipt named."""
    reports: int = 0

    def summary(self) -> dict[str, Any]:
        done = len(self.latencies)
        found: dict[str, Any] = {
            "requests": done,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(done / self.seconds, 1) if self.seconds else 0,
            "p50_ms": _ms(_quantile(self.latencies, 0.50)),
            "p99_ms": _ms(_quantile(self.latencies, 0.99)),
            "max_ms": _ms(max(self.latencies, default=0.0)),
            "failures": len(self.failures),
        }
        if self.reports:
            found["reports"] = self.reports
            found["reports_per_s"] = round(self.reports / self.seconds, 1) if self.seconds else 0
        if self.failures:
            found["first_failures"] = self.failures[:5]
        return found


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# --- set-up: database, demo, tokens, server ------------------------------------------------------


def build(url: str, work: Path, clients: int) -> tuple[list[Client], int, float]:
    """The demo in a fresh database and one token per client; returns the clients, the log size, seconds."""
    ensure_postgres(url)
    fresh_database(database_url(url)).dispose()
    started = time.perf_counter()
    keys = work / "keys"
    _trucewatch("demo", "--db", url, "--no-serve", "--keys-dir", str(keys))
    built = time.perf_counter() - started
    db = open_database(database_url(url))
    out = []
    with db.begin() as session:
        for n in range(clients):
            code = FILERS[n % len(FILERS)]
            issued = new_token(session, code, f"load-{n:02d}", now=datetime.now(UTC))
            delegation, pair = read_key_file((keys / f"{code}.key").read_bytes())
            signer = DelegationKey(delegation, pair)
            out.append(Client(n, code, issued.token, signer, ReportFactory(random.Random(1000 + n))))
        size = session.scalar(select(func.count()).select_from(Entry)) or 0
    db.dispose()
    return out, size, built


def _trucewatch(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "trucewatch", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"trucewatch {' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(url: str, port: int, log: Path, extra: Sequence[str]) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "trucewatch", "serve", "--db", url, "--host", "127.0.0.1", "--port", str(port), *extra],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=os.environ | {"TRUCEWATCH_LOG_REQUESTS": "0"},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not become ready:\n{log.read_text()}")


# --- the phases ----------------------------------------------------------------------------------


def prepare_posts(clients: Sequence[Client], per_client: int, size: int) -> list[list[tuple[bytes, list[bytes]]]]:
    """For each client, ``per_client`` signed request bodies of ``size`` reports, with their statement hashes."""
    at = datetime.now(UTC)
    prepared = []
    for client in clients:
        bodies = []
        for _ in range(per_client):
            body = signed_reports(client.signer, client.reports(size), at=at)
            statements = body["statements"] if "statements" in body else [body["statement"]]
            hashes = [statement_hash(canonical_json(s)) for s in statements]
            bodies.append((orjson.dumps(body), hashes))
        prepared.append(bodies)
    return prepared


async def post_phase(
    base: str, clients: Sequence[Client], bodies: list[list[tuple[bytes, list[bytes]]]], path: str, seconds: float
) -> Phase:
    phase = Phase(path)
    deadline = time.perf_counter() + seconds

    async def run(client: Client, mine: list[tuple[bytes, list[bytes]]]) -> None:
        headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
        async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=120) as http:
            for body, hashes in mine:
                if time.perf_counter() >= deadline:
                    return
                t0 = time.perf_counter()
                try:
                    response = await http.post(path, content=body)
                except httpx2.HTTPError as exc:
                    phase.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - t0
                if response.status_code != 201:
                    phase.failures.append(f"{response.status_code}: {response.text[:300]}")
                    continue
                phase.latencies.append(elapsed)
                receipt = response.json()
                if len(receipt["entries"]) != len(hashes) or receipt["stored"] != len(hashes):
                    phase.failures.append(f"receipt does not match the request: {receipt}")
                    continue
                phase.acknowledged.update(zip(hashes, receipt["entries"], strict=True))
                phase.reports += len(hashes)

    started = time.perf_counter()
    await asyncio.gather(*(run(c, b) for c, b in zip(clients, bodies, strict=True)))
    phase.seconds = time.perf_counter() - started
    return phase


async def list_phase(base: str, clients: Sequence[Client], seconds: float, cap: int) -> Phase:
    phase = Phase("/reports?...")
    deadline = time.perf_counter() + seconds

    async def run(client: Client) -> None:
        headers = {"Authorization": f"Bearer {client.token}"}
        async with httpx2.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            for i in range(cap):
                if time.perf_counter() >= deadline:
                    return
                params = LISTS[(client.number + i) % len(LISTS)]
                t0 = time.perf_counter()
                response = await http.get("/reports", params=params)
                elapsed = time.perf_counter() - t0
                if response.status_code != 200 or not response.json()["items"]:
                    phase.failures.append(f"{params}: {response.status_code} {response.text[:200]}")
                    continue
                phase.latencies.append(elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(run(c) for c in clients))
    phase.seconds = time.perf_counter() - started
    return phase


# --- the checks ----------------------------------------------------------------------------------


def check(url: str, demo_size: int, phases: Sequence[Phase]) -> dict[str, Any]:
    """Every acknowledged statement stored once, at its index; nothing else stored; the log verifies."""
    acknowledged: dict[bytes, int] = {}
    for phase in phases:
        acknowledged.update(phase.acknowledged)
    db = open_database(database_url(url))
    with db.begin() as session:
        lines = session.execute(select(Entry.idx, Entry.line).where(Entry.idx >= demo_size)).all()
        load_reports = session.scalar(select(func.count()).select_from(Report).where(Report.ref.like("LOAD%")))
        distinct_refs = session.scalar(
            select(func.count()).select_from(
                select(Report.delegation_id, Report.ref).where(Report.ref.like("LOAD%")).distinct().subquery()
            )
        )
        size = session.scalar(select(func.count()).select_from(Entry)) or 0
    db.dispose()
    entries = [(idx, orjson.loads(line)["entry"]) for idx, line in lines]
    rows = [(idx, entry) for idx, entry in entries if entry["statement"]["kind"] != "seal"]
    seals = len(entries) - len(rows)
    stored = {statement_hash(canonical_json(entry["statement"])): idx for idx, entry in rows}
    missing = [h.hex() for h, idx in acknowledged.items() if stored.get(h) != idx]
    unacknowledged = [h.hex() for h in stored if h not in acknowledged]
    started = time.perf_counter()
    verified = subprocess.run(
        [sys.executable, "-m", "trucewatch", "verify", "--db", url], capture_output=True, text=True, check=False
    )
    return {
        "acknowledged": len(acknowledged),
        "stored_after_demo": len(rows),
        "seals": seals,
        "report_rows": load_reports,
        "distinct_refs": distinct_refs,
        "missing_or_misplaced": len(missing),
        "stored_unacknowledged": len(unacknowledged),
        "duplicated": len(rows) - len(stored) + (load_reports or 0) - (distinct_refs or 0),
        "log_size": size,
        "verify_exit": verified.returncode,
        "verify_seconds": round(time.perf_counter() - started, 1),
        "verify_says": (verified.stdout + verified.stderr).strip().splitlines()[-1:],
        "ok": not missing
        and not unacknowledged
        and len(rows) == len(acknowledged) == load_reports == distinct_refs
        and verified.returncode == 0,
    }


# --- main ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    print("building the demo on PostgreSQL ...", file=sys.stderr)
    clients, demo_size, built = build(args.pg_url, work, args.clients)
    port = free_port()
    server = start_server(args.pg_url, port, work / "server.log", args.server_args.split())
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        print(f"demo of {demo_size:,} entries built in {built:.0f} s; lists ...", file=sys.stderr)
        lists = asyncio.run(list_phase(base, clients, args.list_seconds, args.max_lists))
        alone = asyncio.run(list_phase(base, clients[:1], args.list_seconds, args.max_lists))
        per_client = args.max_singles // args.clients
        print(f"signing {per_client * args.clients:,} single reports ...", file=sys.stderr)
        bodies = prepare_posts(clients, per_client, 1)
        print(f"single submissions for {args.seconds} s ...", file=sys.stderr)
        singles = asyncio.run(post_phase(base, clients, bodies, "/reports", args.seconds))
        del bodies
        per_client = max(1, args.max_batches // args.clients)
        print(f"signing {per_client * args.clients * BATCH:,} reports in batches ...", file=sys.stderr)
        bodies = prepare_posts(clients, per_client, BATCH)
        print(f"batches for {args.batch_seconds} s ...", file=sys.stderr)
        batches = asyncio.run(post_phase(base, clients, bodies, "/reports/batch", args.batch_seconds))
        del bodies
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("checking what was acknowledged ...", file=sys.stderr)
    checked = check(args.pg_url, demo_size, [singles, batches])
    return {
        "clients": args.clients,
        "server": "trucewatch serve " + args.server_args,
        "single": singles.summary(),
        "batch": batches.summary(),
        "list": lists.summary(),
        "list_one_client": alone.summary(),
        "check": checked,
        "demo_entries": demo_size,
        "goals": {
            "single_per_s": 500,
            "single_p99_ms": 100,
            "batch_reports_per_s": 10_000,
            "list_p99_ms": 50,
        },
        "environment": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "uvicorn": version("uvicorn"),
            "fastapi": version("fastapi"),
            "sqlalchemy": version("SQLAlchemy"),
            "psycopg": version("psycopg"),
        },
    }


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="database to drop and fill (name ends in _bench)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0, help="single submissions phase")
    parser.add_argument("--batch-seconds", type=float, default=15.0)
    parser.add_argument("--list-seconds", type=float, default=15.0)
    parser.add_argument("--max-singles", type=int, default=32_000, help="at most this many single submissions")
    parser.add_argument("--max-batches", type=int, default=240, help="at most this many batches of 1,000")
    parser.add_argument("--max-lists", type=int, default=5_000, help="at most this many list pages per client")
    parser.add_argument("--server-args", default="", help="extra arguments for trucewatch serve")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    with tempfile.TemporaryDirectory(prefix="trucewatch-api-load-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))
    return 0 if result["check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
