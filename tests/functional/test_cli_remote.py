"""The CLI against a live server: reports signed here, sent over HTTP, listed back."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import SIGNERS, report
from tests.functional.conftest import Api, serve
from trucewatch.cli.main import app
from trucewatch.ledger.signing import key_file


@pytest.fixture
def server(api: Api) -> Iterator[str]:
    with serve(api.settings.db) as url:
        yield url


@pytest.fixture
def signer_files(tmp_path: Path) -> dict[str, Path]:
    """Key files of the test delegations registered in the api fixture's log."""
    files = {}
    for code in ("SY-GOV", "UN"):
        files[code] = tmp_path / f"{code}.key"
        files[code].write_bytes(key_file(SIGNERS[code].pair, code))
    return files


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_reports_are_signed_locally_sent_and_listed_back(
    api: Api, server: str, signer_files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "reports.json"
    path.write_text(json.dumps([report(f"remote-{i}", delegation="SY-GOV") for i in range(3)]))
    remote = ("--server", server, "--token", api.tokens["SY-GOV"])
    code, out, err = _run("report", "add", str(path), *remote, "--key", str(signer_files["SY-GOV"]))
    assert code == 0, err
    assert "3 report(s) stored" in out
    code, out, err = _run("report", "list", *remote, "--delegation", "SY-GOV", "--json")
    assert code == 0, err
    assert sorted(r["ref"] for r in json.loads(out)) == ["remote-0", "remote-1", "remote-2"]


def test_the_servers_refusal_is_shown_field_by_field(
    api: Api, server: str, signer_files: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "reports.json"
    path.write_text(json.dumps([report("theirs", delegation="SY-GOV")]))
    code, _, err = _run(
        "report",
        "add",
        str(path),
        "--server",
        server,
        "--token",
        api.tokens["UN"],
        "--key",
        str(signer_files["SY-GOV"]),
    )
    assert code == 1
    assert "403" in err


def test_a_server_without_a_token_is_a_clear_error(server: str) -> None:
    code, _, err = _run("report", "list", "--server", server)
    assert code == 1
    assert "--token" in err
