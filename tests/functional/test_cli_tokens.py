"""Access tokens from the command line: issued, listed, revoked, and left out of ``verify --db``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from tests.functional.conftest import Run
from trucewatch.cli.main import app
from trucewatch.errors import Unauthenticated
from trucewatch.registry.passwords import check_password
from trucewatch.registry.tokens import Account, authenticate
from trucewatch.store.engine import open_database


def account_of(db_url: str, token: str) -> Account:
    db = open_database(db_url)
    try:
        with db.begin() as session:
            return authenticate(session, token, now=datetime.now(UTC))
    finally:
        db.dispose()


def test_token_new_prints_only_the_token_and_it_authenticates(registry: Run, db_url: str) -> None:
    made = registry("token", "new", "--delegation", "RU", "--member", "alice", "--expires-days", "30")
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tw_")
    assert made.stdout == lines[0] + "\n"
    assert "expires" in made.stderr
    account = account_of(db_url, lines[0])
    assert (account.login, account.delegation, account.role) == ("alice", "RU", "guarantor")


def test_token_commands_need_no_key(registry: Run) -> None:
    made = registry("token", "new", "--delegation", "TR", "--member", "bora")
    assert made.exit_code == 0, made.output
    assert registry("token", "list").exit_code == 0
    assert registry("token", "revoke", "1").exit_code == 0


def test_token_list_shows_holders_and_states_never_the_token(registry: Run) -> None:
    first = registry("token", "new", "--delegation", "RU", "--member", "alice").stdout.strip()
    second = registry("token", "new", "--delegation", "SY-GOV", "--member", "omar").stdout.strip()
    assert registry("token", "revoke", "2").exit_code == 0
    listed = registry("token", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["prefix"], r["delegation"], r["member"], r["state"]) for r in rows] == [
        (1, first[:8], "RU", "alice", "active"),
        (2, second[:8], "SY-GOV", "omar", "revoked"),
    ]
    assert rows[1]["revoked_at"].endswith("Z")
    assert first not in listed.stdout
    assert second not in listed.stdout
    only = json.loads(registry("token", "list", "--delegation", "SY-GOV", "--json").stdout)
    assert [r["member"] for r in only] == ["omar"]
    table = registry("token", "list")
    assert "alice" in table.stdout
    assert first not in table.stdout


def test_a_revoked_token_no_longer_authenticates_and_is_revoked_once(registry: Run, db_url: str) -> None:
    token = registry("token", "new", "--delegation", "RU", "--member", "alice").stdout.strip()
    revoked = registry("token", "revoke", "1")
    assert revoked.exit_code == 0, revoked.output
    assert "token 1 revoked" in revoked.stdout
    with pytest.raises(Unauthenticated, match="revoked"):
        account_of(db_url, token)
    again = registry("token", "revoke", "1")
    assert again.exit_code == 1
    assert "already revoked" in again.stderr
    missing = registry("token", "revoke", "99")
    assert missing.exit_code == 1
    assert "no token with id 99" in missing.stderr


def test_bad_input_is_one_message_and_nothing_is_printed_on_stdout(registry: Run) -> None:
    bad = registry("token", "new", "--delegation", "RU", "--member", "Not A Login", "--expires-days", "0")
    assert bad.exit_code == 1
    assert bad.stdout == ""
    assert "member:" in bad.stderr
    assert "expires_days:" in bad.stderr
    unknown = registry("token", "new", "--delegation", "XX", "--member", "alice")
    assert unknown.exit_code == 1
    assert unknown.stdout == ""
    assert "'XX'" in unknown.stderr
    assert json.loads(registry("token", "list", "--json").stdout) == []


def test_verify_db_still_passes_with_tokens_and_local_members(registry: Run) -> None:
    assert registry("token", "new", "--delegation", "RU", "--member", "alice").exit_code == 0
    assert registry("token", "new", "--delegation", "UN", "--member", "observer.1").exit_code == 0
    # a roster member recorded after the local ones: its id comes after theirs, its rebuilt id does not
    added = registry("delegation", "add", "EG", "--name", "Egypt", "--role", "observer", "--member", "eg.head=Head")
    assert added.exit_code == 0, added.output
    assert registry("token", "new", "--delegation", "EG", "--member", "eg.head").exit_code == 0
    assert registry("token", "revoke", "1").exit_code == 0
    verified = registry("verify")
    assert verified.exit_code == 0, verified.output
    assert "every table equals a rebuild from the log" in verified.stdout


def test_member_password_sets_a_sign_in_that_verify_leaves_out(registry: Run, db_url: str) -> None:
    runner = CliRunner()
    base = ["member", "password", "--delegation", "UN", "--member", "observer1", "--db", db_url]
    typed = runner.invoke(app, base, input="a long enough passphrase\na long enough passphrase\n")
    assert typed.exit_code == 0, typed.output
    piped = runner.invoke(app, [*base, "--password-stdin"], input="another passphrase!\n")
    assert piped.exit_code == 0, piped.output
    assert "password set for observer1 of UN" in piped.stdout
    db = open_database(db_url)
    try:
        with db.begin() as session:
            member_id = check_password(session, "UN", "observer1", "another passphrase!")
            assert member_id > 0
    finally:
        db.dispose()
    verified = registry("verify")
    assert verified.exit_code == 0, verified.output


def test_member_password_refuses_a_short_password_and_changes_nothing(registry: Run, db_url: str) -> None:
    refused = CliRunner().invoke(
        app,
        ["member", "password", "--delegation", "UN", "--member", "x1", "--password-stdin", "--db", db_url],
        input="short\n",
    )
    assert refused.exit_code == 1
    assert "password for x1 of UN: password: must be at least 12 characters long (got 5)" in refused.output
