"""Running the ``trucewatch`` command in-process, on a database of each backend."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from trucewatch.cli.main import app

Run = Callable[..., Result]


@pytest.fixture
def cli(db_url: str) -> Run:
    """``cli("report", "list", "--json")`` runs the command against the test database."""
    runner = CliRunner()

    def run(*args: str, db: bool = True) -> Result:
        return runner.invoke(app, [*args, *(["--db", db_url] if db else [])], catch_exceptions=False)

    return run


@pytest.fixture
def registry(cli: Run, tmp_path: Any) -> Run:
    """The test database with the demo's delegations and actors, added through the CLI."""
    for code, role in (("RU", "guarantor"), ("TR", "guarantor"), ("SY-GOV", "party"), ("UN", "observer")):
        assert cli("delegation", "add", code, "--name", f"Delegation {code}", "--role", role).exit_code == 0
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
