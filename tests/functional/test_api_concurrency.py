"""Concurrent writers: two servers on one database, many clients each, and the log stays whole.

Each server is its own app with its own engine, writer thread and kept log state, as two
processes behind a load balancer would be; eight clients send single reports and sealed
batches of several delegations at once. Afterwards every acknowledged statement is in the
log at the index its receipt named, nothing else was added, the indexes have no gap, and the
whole database verifies (signatures, hash chain, tree, tables equal to a rebuild).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.conftest import NOW, fresh_database
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.api.client import signed_reports
from trucewatch.app import create_app
from trucewatch.config import Settings
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import statement_hash
from trucewatch.ledger.models import Entry
from trucewatch.registry.tokens import new_token
from trucewatch.replay import verify_database
from trucewatch.store.engine import open_database

FILERS = ("RU", "TR", "IR", "SY-GOV", "SY-OPP")
ROUNDS = 12


def _client_work(client: TestClient, token: str, code: str, number: int, rounds: int = ROUNDS) -> dict[bytes, int]:
    """One client's rounds: alternately a single report and a batch of three; acknowledged hashes -> index."""
    acknowledged: dict[bytes, int] = {}
    for i in range(rounds):
        count = 1 if i % 2 == 0 else 3
        reports = [report(f"c{number}-{i}-{j}", delegation=code, tier="shared") for j in range(count)]
        body = signed_reports(SIGNERS[code], reports, at=datetime.now(UTC))
        path = "/api/v1/reports" if count == 1 else "/api/v1/reports/batch"
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        statements = body["statements"] if count > 1 else [body["statement"]]
        hashes = [statement_hash(canonical_json(s)) for s in statements]
        acknowledged.update(zip(hashes, answer.json()["entries"], strict=True))
    return acknowledged


@pytest.mark.postgres
def test_two_servers_and_many_clients_keep_the_log_whole(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = fresh_database(request, "postgresql", tmp_path)
    db = open_database(url)
    try:
        with db.begin() as session:
            seed_registry(session, NOW)
            tokens = {code: new_token(session, code, "loader", now=NOW).token for code in FILERS}
            start = session.scalar(select(func.count()).select_from(Entry)) or 0
    finally:
        db.dispose()
    settings = Settings(db=url, evidence_dir=str(tmp_path / "evidence"))
    acknowledged: dict[bytes, int] = {}
    with (
        TestClient(create_app(settings)) as one,
        TestClient(create_app(settings)) as two,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        # each app answers once before the clients start: two apps in one process (unlike two server
        # processes) share pydantic's lazily built schemas, whose first build is not thread-safe
        for n, app in enumerate((one, two), start=100):
            acknowledged.update(_client_work(app, tokens[FILERS[0]], FILERS[0], n, rounds=2))
        jobs = [pool.submit(_client_work, (one, two)[n % 2], tokens[FILERS[n % 5]], FILERS[n % 5], n) for n in range(8)]
        for job in jobs:
            acknowledged.update(job.result())
    db = open_database(url)
    try:
        with db.begin() as session:
            lines = session.execute(select(Entry.idx, Entry.line).where(Entry.idx >= start).order_by(Entry.idx)).all()
            verdict = verify_database(session)
    finally:
        db.dispose()
    assert [idx for idx, _ in lines] == list(range(start, start + len(lines))), "a gap in the log's indexes"
    placed = {}
    for idx, line in lines:
        statement = json.loads(line)["entry"]["statement"]
        if statement["kind"] == "report":
            placed[statement_hash(canonical_json(statement))] = idx
    assert placed == acknowledged, "an acknowledged report missing, misplaced, or one stored unacknowledged"
    assert len(acknowledged) == 8 * ROUNDS * 2 + 2 * 4  # and the warm-up: a single and a batch of three per app
    assert verdict.ok, verdict.summary()
