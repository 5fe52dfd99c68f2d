"""Every curl example of docs/api.md, run against the demo served by a real uvicorn server."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.functional.test_cli_remote import serve
from trucewatch.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
EXAMPLE_BASE = "http://127.0.0.1:8000"
BIN = Path(sys.executable).parent
"""Where the ``trucewatch`` command of this environment is, for examples that call it."""


def _curl_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("curl ")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """The demo in a SQLite file, served, a token for an RU member and RU's demo key file."""
    where = tmp_path_factory.mktemp("demo")
    db = str(where / "demo.db")
    built = CliRunner().invoke(app, ["demo", "--db", db, "--no-serve", "--keys-dir", str(where / "keys")])
    assert built.exit_code == 0, built.output
    made = CliRunner().invoke(app, ["token", "new", "--db", db, "--delegation", "RU", "--member", "analyst"])
    assert made.exit_code == 0, made.output
    with serve(db) as url:
        yield url, made.stdout.strip(), str(where / "keys" / "RU.key")


def test_the_page_has_examples_to_run() -> None:
    assert len(_curl_lines()) >= 15


@pytest.mark.parametrize("line", _curl_lines())
def test_every_curl_example_of_the_api_page_works_against_the_demo(demo: tuple[str, str, str], line: str) -> None:
    url, token, key = demo
    command = line.split("  #")[0].replace(EXAMPLE_BASE, url)
    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TOKEN": token, "TRUCEWATCH_KEY": key, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    problem = isinstance(answer, dict) and {"type", "title", "status"} <= answer.keys()
    expected = re.search(r"# problem: (\d{3})", line)
    if expected:
        assert problem, done.stdout[:300]
        assert answer["status"] == int(expected.group(1))
    else:
        assert not problem, done.stdout[:300]
