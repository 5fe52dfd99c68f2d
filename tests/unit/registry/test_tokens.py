from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import seed_registry
from trucewatch.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from trucewatch.ledger.models import Entry
from trucewatch.migrations.tables import metadata
from trucewatch.registry.models import ApiToken, Member
from trucewatch.registry.tokens import authenticate, list_tokens, new_token, revoke_token


@pytest.fixture
def registry(session: Session) -> Session:
    seed_registry(session, NOW, actors=False)
    return session


def members_named(session: Session, login: str) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.login == login)))


def test_a_new_token_authenticates_as_its_member_and_delegation_role(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    assert issued.token.startswith("tw_")
    assert len(issued.token) == 3 + 43
    assert issued.prefix == issued.token[:8]
    assert issued.expires_at is None
    account = authenticate(registry, issued.token, now=NOW + timedelta(days=3650))
    (alice,) = members_named(registry, "alice")
    assert (account.member_id, account.login, account.delegation, account.role, account.token_id) == (
        alice.id,
        "alice",
        "RU",
        "guarantor",
        issued.id,
    )


def test_the_token_text_is_not_in_its_repr(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    assert issued.token not in repr(issued)


def test_authenticating_is_one_query(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    registry.expunge_all()
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])

    engine = registry.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        authenticate(registry, issued.token, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert "api_tokens.token_hash =" in statements[0]


def test_a_missing_member_is_created_once_as_local_then_reused(registry: Session) -> None:
    first = new_token(registry, "SY-OPP", "analyst.7", now=NOW)
    second = new_token(registry, "SY-OPP", "analyst.7", now=NOW)
    (member,) = members_named(registry, "analyst.7")
    assert (member.display_name, member.function, member.local, member.delegation.code) == (
        "analyst.7",
        "member",
        True,
        "SY-OPP",
    )
    assert authenticate(registry, first.token, now=NOW).member_id == member.id
    assert authenticate(registry, second.token, now=NOW).member_id == member.id
    assert first.token != second.token


def test_a_roster_member_gets_a_token_without_a_new_member(registry: Session) -> None:
    roster = registry.scalars(select(Member).where(Member.local.is_(False))).first()
    assert roster is not None
    before = registry.scalar(select(func.count()).select_from(Member))
    issued = new_token(registry, roster.delegation.code, roster.login, now=NOW)
    assert registry.scalar(select(func.count()).select_from(Member)) == before
    assert authenticate(registry, issued.token, now=NOW).member_id == roster.id


def test_issuing_a_token_writes_no_ledger_entry(registry: Session) -> None:
    before = registry.scalar(select(func.count()).select_from(Entry))
    new_token(registry, "RU", "alice", now=NOW)
    assert registry.scalar(select(func.count()).select_from(Entry)) == before


def test_an_unknown_or_altered_token_is_refused_without_saying_more(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    for wrong in ("tw_nothing", issued.token[:-1], issued.token + "x", ""):
        with pytest.raises(Unauthenticated, match=r"^not a valid token$"):
            authenticate(registry, wrong, now=NOW)


def test_a_revoked_token_is_refused(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    revoke_token(registry, issued.id, now=NOW + timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(registry, issued.token, now=NOW + timedelta(hours=2))


def test_a_token_is_refused_from_its_expiry_on(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW, expires_days=30)
    assert issued.expires_at == NOW + timedelta(days=30)
    assert authenticate(registry, issued.token, now=NOW + timedelta(days=30, seconds=-1)).login == "alice"
    with pytest.raises(Unauthenticated, match="expired"):
        authenticate(registry, issued.token, now=NOW + timedelta(days=30))


def test_only_the_hash_of_a_token_is_stored(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    secret = issued.token[8:]
    for table in metadata.sorted_tables:
        for row in registry.execute(select(table)):
            for value in row:
                stored = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                assert secret.encode() not in stored, f"the token's text is in table {table.name}"
    hashes = registry.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert [len(bytes(h)) for h in hashes] == [32]


def test_tokens_are_listed_with_their_holder_but_never_their_text(registry: Session) -> None:
    ru = new_token(registry, "RU", "alice", now=NOW, expires_days=7)
    tr = new_token(registry, "TR", "bora", now=NOW)
    revoke_token(registry, tr.id, now=NOW)
    rows = list_tokens(registry)
    assert [(r.id, r.prefix, r.delegation, r.member) for r in rows] == [
        (ru.id, ru.prefix, "RU", "alice"),
        (tr.id, tr.prefix, "TR", "bora"),
    ]
    assert [(r.created_at, r.expires_at, r.revoked_at) for r in rows] == [
        (NOW, NOW + timedelta(days=7), None),
        (NOW, None, NOW),
    ]
    assert [r.state(NOW) for r in rows] == ["active", "revoked"]
    assert rows[0].state(NOW + timedelta(days=7)) == "expired"
    assert [r.member for r in list_tokens(registry, delegation="TR")] == ["bora"]
    assert not any(ru.token in repr(r) or tr.token in repr(r) for r in rows)


def test_listing_the_tokens_of_an_unknown_delegation_names_it(registry: Session) -> None:
    with pytest.raises(NotFound, match="XX"):
        list_tokens(registry, delegation="XX")


def test_a_token_is_revoked_once(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    revoke_token(registry, issued.id, now=NOW)
    with pytest.raises(Conflict, match="already revoked"):
        revoke_token(registry, issued.id, now=NOW + timedelta(minutes=1))
    assert registry.get(ApiToken, issued.id).revoked_at == NOW  # type: ignore[union-attr]


def test_revoking_an_unknown_token_is_not_found(registry: Session) -> None:
    with pytest.raises(NotFound, match="4242"):
        revoke_token(registry, 4242, now=NOW)


def test_a_bad_login_and_a_bad_expiry_are_both_reported_by_field(registry: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        new_token(registry, "RU", "Alice Smith", now=NOW, expires_days=0)
    assert [p.field for p in caught.value.problems] == ["member", "expires_days"]
    assert registry.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert members_named(registry, "Alice Smith") == []


def test_an_unknown_delegation_is_named(registry: Session) -> None:
    with pytest.raises(NotFound, match="'XX'"):
        new_token(registry, "XX", "alice", now=NOW)
    assert members_named(registry, "alice") == []
