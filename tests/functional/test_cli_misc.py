import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.functional.conftest import Run, stats
from trucewatch import __version__
from trucewatch.app import create_app
from trucewatch.cli.main import app
from trucewatch.config import Settings

COMMANDS = [
    [],
    ["init"],
    ["demo"],
    ["serve"],
    ["stats"],
    ["delegation"],
    ["delegation", "list"],
    ["delegation", "add"],
    ["actor"],
    ["actor", "list"],
    ["actor", "add"],
    ["report"],
    ["report", "add"],
    ["report", "list"],
    ["import"],
    ["import", "reports"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "trucewatch")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    "command",
    [c for c in COMMANDS if len(c) != 1 or c[0] in ("init", "demo", "serve", "stats")],
    ids=lambda c: " ".join(c) or "trucewatch",
)
def test_every_command_prints_the_version(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"trucewatch {__version__}"


def test_delegation_and_actor_lists(registry: Run) -> None:
    delegations = json.loads(registry("delegation", "list", "--json").stdout)
    assert [d["code"] for d in delegations] == ["RU", "TR", "SY-GOV", "UN"]
    actors = {a["key"]: a for a in json.loads(registry("actor", "list", "--json").stdout)}
    assert actors["isil"]["designations"][0]["authority"] == "UN Security Council"
    assert "داعش" in actors["isil"]["aliases"]
    assert registry("actor", "list").exit_code == 0


def test_actor_add_from_options_and_refusal_of_a_bad_kind(registry: Run) -> None:
    assert (
        registry("actor", "add", "zenki", "--name", "Nour al-Din al-Zenki", "--kind", "armed_opposition").exit_code == 0
    )
    bad = registry("actor", "add", "x", "--name", "X", "--kind", "gang")
    assert bad.exit_code == 1
    assert "actor x: kind:" in bad.stderr
    assert stats(registry)["actors"] == 3


def test_stats_table_and_init(cli: Run) -> None:
    assert "database ready" in cli("init").stdout
    assert "Totals" in cli("stats").stdout


def test_the_installed_command_fails_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"ref": "x", "delegation": "RU", "occurred_at": "2017-01-01", "latitude": 95, "longitude": 36,'
        ' "violation_type": "shelling"}',
        encoding="utf-8",
    )
    key = tmp_path / "RU.key"
    made = subprocess.run([sys.executable, "-m", "trucewatch", "keys", "new", "--delegation", "RU", "--out", str(key)])
    assert made.returncode == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "trucewatch",
            "report",
            "add",
            str(bad),
            "--key",
            str(key),
            "--db",
            str(tmp_path / "t.db"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "bad.json: latitude: Input should be less than or equal to 90" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_home_page_asks_the_public_to_sign_in(db_url: str) -> None:
    with TestClient(create_app(Settings(db=db_url))) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.url.path == "/sign-in"
        assert '<input id="password" name="password" type="password"' in page.text
        assert client.get("/healthz").json() == {"status": "ok"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_starts_answers_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {"TRUCEWATCH_DB": str(tmp_path / "served.db")}
    server = subprocess.Popen(
        [sys.executable, "-m", "trucewatch", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Sign in · trucewatch" in body
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=10)
    assert server.returncode == 0, err
    assert "Traceback" not in err
