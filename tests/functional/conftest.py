"""Running the ``trucewatch`` command in-process, on a database of each backend."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from trucewatch.cli.main import app
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.signing import read_key_file

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
