"""The ledger from the command line: keys, checkpoints, witnesses, export, verify, rebuild."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import report
from tests.functional.conftest import Run
from trucewatch.cli.main import app


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@pytest.fixture
def signed(registry: Run, key_files: dict[str, Path], tmp_path: Path) -> Run:
    """Reports filed, a checkpoint signed by the mechanism and cosigned by the UN."""
    assert (
        registry("report", "add", str(write_json(tmp_path / "a.json", [report("a-1"), report("a-2")]))).exit_code == 0
    )
    assert registry("ledger", "checkpoint", "--key", str(key_files["mechanism"])).exit_code == 0
    cosigned = registry("ledger", "cosign", "--key", str(key_files["UN"]))
    assert cosigned.exit_code == 0, cosigned.output
    assert "UN cosigned the checkpoint" in cosigned.stdout
    return registry


def test_keys_new_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    path = tmp_path / "ru.key"
    made = CliRunner().invoke(app, ["keys", "new", "--delegation", "RU", "--out", str(path)])
    assert made.exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "public key: " in made.stdout
    again = CliRunner().invoke(app, ["keys", "new", "--delegation", "RU", "--out", str(path)])
    assert again.exit_code == 1
    assert "cannot create" in again.stderr


def test_a_passphrase_protected_key_signs_only_with_its_passphrase(
    registry: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tr2.key"
    monkeypatch.setenv("TRUCEWATCH_KEY_PASSPHRASE", "correct horse")
    assert (
        CliRunner().invoke(app, ["keys", "new", "--delegation", "TR", "--out", str(path), "--passphrase"]).exit_code
        == 0
    )
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    monkeypatch.setenv("TRUCEWATCH_KEY_PASSPHRASE", "wrong")
    refused = registry(
        "report", "add", str(write_json(tmp_path / "r.json", report(delegation="TR"))), "--key", str(path)
    )
    assert refused.exit_code == 1
    assert "wrong passphrase" in refused.stderr


def test_a_write_without_a_key_is_refused(registry: Run, tmp_path: Path) -> None:
    result = registry(
        "report", "add", str(write_json(tmp_path / "r.json", report())), "--key", str(tmp_path / "none.key")
    )
    assert result.exit_code == 1
    assert "cannot read the key file" in result.stderr


def test_rotation_and_revocation_are_entries_and_keys_list_shows_them(
    signed: Run, key_files: dict[str, Path], tmp_path: Path
) -> None:
    new = tmp_path / "ru2.key"
    made = CliRunner().invoke(app, ["keys", "new", "--delegation", "RU", "--out", str(new)])
    public = made.stdout.split("public key: ")[1].strip()
    assert (
        signed("keys", "add", "--delegation", "RU", "--public-key", public, "--key", str(key_files["RU"])).exit_code
        == 0
    )
    old_id = next(k["key_id"] for k in json.loads(signed("keys", "list", "--json").stdout) if k["delegation"] == "RU")
    revoked = signed("keys", "revoke", old_id, "--reason", "laptop lost", "--key", str(new))
    assert revoked.exit_code == 0, revoked.output
    keys = {k["key_id"]: k for k in json.loads(signed("keys", "list", "--json").stdout)}
    assert keys[old_id]["revoked_at"] is not None
    refused = signed("report", "add", str(write_json(tmp_path / "r.json", report("late"))))
    assert refused.exit_code == 1
    assert f"key {old_id} of RU was revoked by entry" in refused.stderr
    assert signed("report", "add", str(tmp_path / "r.json"), "--key", str(new)).exit_code == 0


def test_an_export_verifies_offline_and_a_tampered_one_fails_with_the_entry(signed: Run, tmp_path: Path) -> None:
    out = tmp_path / "export"
    assert signed("ledger", "export", "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["checkpoints", "entries.jsonl", "keys.json"]
    ok = CliRunner().invoke(app, ["verify", str(out)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("OK: ")
    assert "1 cosignature(s)" in ok.stdout
    lines = (out / "entries.jsonl").read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if b'"ref":"a-2"' in line)
    lines[at] = lines[at].replace(b'"killed_civilian":2', b'"killed_civilian":0')
    (out / "entries.jsonl").write_bytes(b"".join(lines))
    failed = CliRunner().invoke(app, ["verify", str(out)])
    assert failed.exit_code == 1
    assert failed.stdout.startswith(f"FAILED: entry {at}: ")


def test_verify_db_and_a_rebuild_give_the_same_tables(signed: Run, tmp_path: Path) -> None:
    verified = signed("verify")
    assert verified.exit_code == 0, verified.output
    assert "every table equals a rebuild from the log" in verified.stdout
    rebuilt = tmp_path / "rebuilt.db"
    assert signed("ledger", "rebuild", "--into", str(rebuilt)).exit_code == 0
    again = CliRunner().invoke(app, ["verify", "--db", str(rebuilt)])
    assert again.exit_code == 0, again.output
    mine = json.loads(signed("report", "list", "--json").stdout)
    theirs = json.loads(CliRunner().invoke(app, ["report", "list", "--json", "--db", str(rebuilt)]).stdout)
    assert mine == theirs


def test_an_inclusion_proof_verifies_against_the_root(signed: Run) -> None:
    from trucewatch.ledger.merkle import verify_inclusion

    proof = json.loads(signed("ledger", "proof", "3").stdout)
    path = [bytes.fromhex(p) for p in proof["proof"]]
    verify_inclusion(3, proof["tree_size"], bytes.fromhex(proof["leaf_hash"]), path, bytes.fromhex(proof["root"]))
    checkpoints = json.loads(signed("ledger", "checkpoints", "--json").stdout)
    assert checkpoints[0]["witnesses"] == ["UN"]
