"""Running the ``trucewatch`` command in-process, on a database of each backend."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from tests.conftest import NOW
from tests.factories import KEYS, SIGNERS, report, seed_registry
from trucewatch.app import create_app
from trucewatch.cli.main import app
from trucewatch.config import Settings
from trucewatch.ledger.checkpoints import sign_checkpoint
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.signing import read_key_file
from trucewatch.registry.tokens import new_token
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports
from trucewatch.store.engine import open_database

Run = Callable[..., Result]


SIGNED = (("report", "add"), ("import", "reports"), ("delegation", "add"), ("actor", "add"))
"""Commands that write, and so sign: the runner signs them with ``signer``'s key unless told otherwise."""


@pytest.fixture
def key_files(tmp_path: Path) -> dict[str, Path]:
    """A key file for the mechanism and every test delegation, written by ``keys new``."""
    files = {}
    for code in (MECHANISM, "RU", "TR", "SY-GOV", "UN"):
        files[code] = tmp_path / f"{code}.key"
        made = CliRunner().invoke(app, ["keys", "new", "--delegation", code, "--out", str(files[code])])
        assert made.exit_code == 0, made.output
    return files


@pytest.fixture
def cli(db_url: str, key_files: dict[str, Path]) -> Run:
    """``cli("report", "list", "--json")`` runs the command against the test database.

    Writes are signed by the mechanism's key, reports by RU's, unless ``--key`` is given.
    """
    runner = CliRunner()

    def run(*args: str, db: bool = True) -> Result:
        signing = tuple(args[:2]) in SIGNED and "--key" not in args
        who = "RU" if tuple(args[:2]) in SIGNED[:2] else MECHANISM
        key = ["--key", str(key_files[who])] if signing else []
        return runner.invoke(app, [*args, *key, *(["--db", db_url] if db else [])], catch_exceptions=False)

    return run


def public_key(path: Path) -> str:
    return base64.b64encode(read_key_file(path.read_bytes())[1].public_key).decode()


@pytest.fixture
def registry(cli: Run, key_files: dict[str, Path], tmp_path: Path) -> Run:
    """The test database with a log, four delegations with their keys, and two actors, added through the CLI."""
    started = cli("init", "--origin", "test.trucewatch.invalid/log", "--key", str(key_files[MECHANISM]))
    assert started.exit_code == 0, started.output
    for code, role in (("RU", "guarantor"), ("TR", "guarantor"), ("SY-GOV", "party"), ("UN", "observer")):
        key = public_key(key_files[code])
        added = cli("delegation", "add", code, "--name", f"Delegation {code}", "--role", role, "--public-key", key)
        assert added.exit_code == 0, added.output
    actors = tmp_path / "actors.json"
    actors.write_text(
        json.dumps(
            [
                {
                    "key": "isil",
                    "kind": "jihadist_group",
                    "names": {"en": "Islamic State", "ar": "الدولة الإسلامية"},
                    "aliases": ["IS", "ISIL", "Daesh", "داعش"],
                    "designations": [
                        {"authority": "UN Security Council", "reference": "Res. 2170 (2014)", "from": "2014-08-15"}
                    ],
                    "ceasefire": [{"status": "excluded", "from": "2016-12-30"}],
                },
                {
                    "key": "saa",
                    "kind": "government_force",
                    "names": {"en": "Syrian Arab Army"},
                    "aliases": ["Government of Syria"],
                },
            ]
        ),
        encoding="utf-8",
    )
    assert cli("actor", "add", "--file", str(actors)).exit_code == 0
    return cli


def stats(cli: Run) -> dict[str, Any]:
    result = cli("stats", "--json")
    assert result.exit_code == 0, result.output
    figures: dict[str, Any] = json.loads(result.stdout)
    return figures


MARKER = "ZQX-RESTRICTED-MARKER"
"""Planted in restricted narratives: a viewer who may not read them must never see it."""


@dataclass
class Api:
    """A served test mechanism: a client, a token per delegation, and reports of every tier."""

    client: TestClient
    tokens: dict[str, str]
    """Token by delegation code (RU, TR guarantors; SY-GOV, SY-OPP parties; UN observer; KZ secretariat)."""
    reports: dict[str, int]
    """Report id by name: ``RU-shared``, ``RU-restricted``, ``SY-OPP-restricted``, ``SY-OPP-public``."""
    settings: Settings

    def as_(self, code: str | None) -> dict[str, str]:
        """Headers of a member of ``code``; no header at all for the public (None)."""
        return {"Authorization": f"Bearer {self.tokens[code]}"} if code else {}


API_MEMBERS = ("RU", "TR", "SY-GOV", "SY-OPP", "UN", "KZ")
SEEDED = {
    "RU-shared": ("RU", "shared"),
    "RU-restricted": ("RU", "restricted"),
    "SY-OPP-restricted": ("SY-OPP", "restricted"),
    "SY-OPP-public": ("SY-OPP", "public"),
}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API over a database holding the registry, one report per SEEDED name and a checkpoint."""
    db = open_database(db_url)
    with db.begin() as session:
        seed_registry(session, NOW)
        rows = [
            (
                name,
                report(
                    name, delegation=code, tier=tier, narrative=f"{name}: {MARKER if tier == 'restricted' else 'x'}"
                ),
            )
            for name, (code, tier) in SEEDED.items()
        ]
        for name, data in rows:
            submit_reports(session, [(name, data)], signers=SIGNERS, now=NOW)
        sign_checkpoint(session, signer=KEYS.mechanism, at=NOW)
        tokens = {code: new_token(session, code, "tester", now=NOW).token for code in API_MEMBERS}
        ids = dict(session.execute(select(Report.ref, Report.id)).all())
    db.dispose()
    settings = Settings(db=db_url, evidence_dir=str(tmp_path / "evidence"))
    with TestClient(create_app(settings)) as client:
        yield Api(client, tokens, {name: ids[name] for name in SEEDED}, settings)


def app_routes(app: Any) -> set[str]:
    """Every route of the app as ``METHOD /path``."""
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or {"GET"}:  # a mount (static files) answers GET
            if method != "HEAD":
                found.add(f"{method} {route.path_format}")
    return found


API_PATHS = ("/api/", "/healthz", "/readyz")
"""The API's routes (and the health checks); the web UI's pages have their matrix in test_web_pages."""


@contextmanager
def serve(db: str) -> Iterator[str]:
    """A real uvicorn server on a free loopback port, over the database ``db``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    live = uvicorn.Server(uvicorn.Config(create_app(Settings(db=db)), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not live.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        live.should_exit = True
        thread.join(10)
