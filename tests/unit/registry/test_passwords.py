from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import seed_registry
from trucewatch.errors import InvalidInput, NotFound, Unauthenticated
from trucewatch.registry.models import ApiToken, Member, MemberPassword
from trucewatch.registry.passwords import check_password, hash_password, password_matches, set_password
from trucewatch.registry.tokens import SESSION_HOURS, authenticate, end_session, list_tokens, new_session, new_token

PASSWORD = "correct horse battery"  # noqa: S105 - a test password


@pytest.fixture
def registry(session: Session) -> Session:
    seed_registry(session, NOW, actors=False)
    return session


def test_a_password_set_for_a_member_signs_that_member_in(registry: Session) -> None:
    set_password(registry, "RU", "alice", PASSWORD, now=NOW)
    member = registry.scalars(select(Member).where(Member.login == "alice")).one()
    assert member.local
    assert check_password(registry, "RU", "alice", PASSWORD) == member.id


@pytest.mark.parametrize(
    ("delegation", "member", "password"),
    [("RU", "alice", "correct horse batterY"), ("TR", "alice", PASSWORD), ("RU", "bob", PASSWORD), ("RU", "alice", "")],
)
def test_a_wrong_delegation_member_or_password_gets_one_answer(
    registry: Session, delegation: str, member: str, password: str
) -> None:
    set_password(registry, "RU", "alice", PASSWORD, now=NOW)
    with pytest.raises(Unauthenticated) as refused:
        check_password(registry, delegation, member, password)
    assert str(refused.value) == "wrong delegation, member or password"


def test_setting_a_password_again_replaces_it(registry: Session) -> None:
    set_password(registry, "RU", "alice", PASSWORD, now=NOW)
    set_password(registry, "RU", "alice", "another long passphrase", now=NOW + timedelta(days=1))
    with pytest.raises(Unauthenticated):
        check_password(registry, "RU", "alice", PASSWORD)
    assert check_password(registry, "RU", "alice", "another long passphrase")
    assert registry.scalars(select(MemberPassword.set_at)).one() == NOW + timedelta(days=1)


def test_only_a_salted_hash_is_stored(registry: Session) -> None:
    set_password(registry, "RU", "alice", PASSWORD, now=NOW)
    set_password(registry, "RU", "bob", PASSWORD, now=NOW)
    stored = list(registry.scalars(select(MemberPassword.password_hash)))
    assert all(PASSWORD not in s and s.startswith("scrypt$15$8$1$") for s in stored)
    assert stored[0] != stored[1]


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "must be at least 12 characters long (got 5)"),
        (" padded password ", "must not begin or end with spaces"),
        ("x" * 1025, "must be at most 1024 characters long (got 1025)"),
    ],
)
def test_a_weak_password_is_refused_naming_the_field(registry: Session, password: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        set_password(registry, "RU", "alice", password, now=NOW)
    (found,) = refused.value.problems
    assert (found.record, found.field, found.problem) == ("password for alice of RU", "password", problem)
    assert registry.scalars(select(Member).where(Member.login == "alice")).first() is None


def test_a_password_for_an_unknown_delegation_is_refused(registry: Session) -> None:
    with pytest.raises(NotFound):
        set_password(registry, "XX", "alice", PASSWORD, now=NOW)


def test_hashes_of_other_schemes_never_match() -> None:
    assert password_matches(PASSWORD, hash_password(PASSWORD))
    assert not password_matches(PASSWORD, hash_password(PASSWORD).replace("scrypt", "plain", 1))


def test_a_web_session_lasts_a_working_day_and_ends_when_signed_out(registry: Session) -> None:
    set_password(registry, "RU", "alice", PASSWORD, now=NOW)
    issued = new_session(registry, check_password(registry, "RU", "alice", PASSWORD), now=NOW)
    assert issued.expires_at == NOW + timedelta(hours=SESSION_HOURS)
    assert authenticate(registry, issued.token, now=NOW).viewer.member == "alice"
    with pytest.raises(Unauthenticated, match="expired"):
        authenticate(registry, issued.token, now=NOW + timedelta(hours=SESSION_HOURS))
    end_session(registry, issued.token, now=NOW + timedelta(minutes=5))
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(registry, issued.token, now=NOW + timedelta(minutes=6))
    assert [t.purpose for t in list_tokens(registry)] == ["web"]


def test_signing_out_does_not_revoke_an_api_token(registry: Session) -> None:
    issued = new_token(registry, "RU", "alice", now=NOW)
    end_session(registry, issued.token, now=NOW)
    assert registry.scalars(select(ApiToken.revoked_at)).one() is None
    with pytest.raises(NotFound):
        new_session(registry, 10_000, now=NOW)
