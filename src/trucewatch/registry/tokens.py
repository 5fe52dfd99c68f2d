"""Members' access tokens to the HTTP API: issue, authenticate, revoke, list.

Tokens, and the members made for them here, are local access state of one server,
not records of the mechanism: no ledger entry makes them, and a rebuild from the
log leaves them out. Only the SHA-256 of a token is stored; the token's text is
returned once, by :func:`new_token`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound, Unauthenticated
from trucewatch.registry.access import Viewer
from trucewatch.registry.models import ApiToken, Delegation, Member
from trucewatch.registry.schemas import MemberIn
from trucewatch.registry.service import get_delegation
from trucewatch.validation import parse

TOKEN_PREFIX = "tw_"  # noqa: S105 - the marker every token starts with, not a secret
PREFIX_LENGTH = 8
SESSION_HOURS = 12
"""How long a browser's sign-in lasts: a working day; signing out ends it sooner."""
"""How many leading characters of a token are kept, to tell tokens apart (``tw_AbCd1``)."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just made: its text is shown to its holder once and stored nowhere."""

    token: str = field(repr=False)
    id: int
    prefix: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Account:
    """Who a valid token speaks for."""

    member_id: int
    login: str
    delegation: str
    """The delegation's code."""
    role: str
    """The delegation's role: ``guarantor``, ``party``, ``observer`` or ``secretariat``."""
    token_id: int
    delegation_id: int
    expires_at: datetime | None = None

    @property
    def viewer(self) -> Viewer:
        """Who the account is, for the access rules."""
        return Viewer(self.role, self.delegation, self.delegation_id, self.login)


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as an operator sees it: never its text, never its hash."""

    id: int
    prefix: str
    delegation: str
    member: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    purpose: str = "api"

    def state(self, at: datetime) -> str:
        """``revoked``, ``expired`` or ``active`` at ``at``."""
        return _state(self.revoked_at, self.expires_at, at) or "active"


def new_token(
    session: Session, delegation: str, member: str, *, now: datetime, expires_days: int | None = None
) -> IssuedToken:
    """Issue a token to ``member`` of ``delegation``, creating the member (as local) if it is missing."""
    login = check_login(delegation, member, expires_days)
    holder = member_for(session, get_delegation(session, delegation), login)
    expires_at = now + timedelta(days=expires_days) if expires_days is not None else None
    return _issue(session, holder, "api", now, expires_at)


def new_session(session: Session, member_id: int, *, now: datetime) -> IssuedToken:
    """A browser's sign-in: a token of purpose ``web`` for ``member_id``, valid for :data:`SESSION_HOURS`."""
    holder = session.get(Member, member_id)
    if holder is None:
        raise NotFound(f"no member with id {member_id}")
    return _issue(session, holder, "web", now, now + timedelta(hours=SESSION_HOURS))


def end_session(session: Session, token: str, *, now: datetime) -> None:
    """Sign a browser out: its session's token is refused from ``now`` on (an unknown one is ignored)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.purpose == "web"))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        session.flush()


def _issue(session: Session, holder: Member, purpose: str, now: datetime, expires_at: datetime | None) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        member=holder,
        token_hash=_hash(token),
        prefix=token[:PREFIX_LENGTH],
        created_at=now,
        expires_at=expires_at,
        purpose=purpose,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, id=row.id, prefix=row.prefix, expires_at=expires_at)


def authenticate(session: Session, token: str, *, now: datetime) -> Account:
    """The account ``token`` speaks for at ``now``; :class:`Unauthenticated` if it is unknown, revoked or expired."""
    query = (
        select(ApiToken, Member, Delegation)
        .join(ApiToken.member)
        .join(Member.delegation)
        .where(ApiToken.token_hash == _hash(token))
    )
    found = session.execute(query).one_or_none()
    if found is None:
        raise Unauthenticated("not a valid token")
    row, member, delegation = found
    refused = _state(row.revoked_at, row.expires_at, now)
    if refused:
        raise Unauthenticated(f"this token is {refused}")
    return Account(
        member_id=member.id,
        login=member.login,
        delegation=delegation.code,
        role=delegation.role,
        token_id=row.id,
        delegation_id=delegation.id,
        expires_at=row.expires_at,
    )


def revoke_token(session: Session, token_id: int, *, now: datetime) -> None:
    """Refuse ``token_id`` from ``now`` on."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token with id {token_id}")
    if row.revoked_at is not None:
        raise Conflict(f"token {token_id} ({row.prefix}) is already revoked, since {row.revoked_at.isoformat()}")
    row.revoked_at = now
    session.flush()


def list_tokens(session: Session, *, delegation: str | None = None) -> Sequence[TokenRow]:
    """Every token, oldest first; only those of ``delegation``'s members when it is given."""
    query = (
        select(ApiToken, Member.login, Delegation.code)
        .join(ApiToken.member)
        .join(Member.delegation)
        .order_by(ApiToken.id)
    )
    if delegation is not None:
        query = query.where(Member.delegation_id == get_delegation(session, delegation).id)
    return [
        TokenRow(t.id, t.prefix, code, login, t.created_at, t.expires_at, t.revoked_at, t.purpose)
        for t, login, code in session.execute(query)
    ]


def check_login(delegation: str, member: str, expires_days: int | None) -> str:
    """The member's login, checked as a roster member's is; every problem at once."""
    record = f"token for {delegation}"
    problems: list[FieldProblem] = []
    login = member
    try:
        login = parse(MemberIn, {"login": member, "display_name": member}, record).login
    except InvalidInput as exc:
        problems += [FieldProblem(record, "member", p.problem) for p in exc.problems if p.field == "login"]
    if expires_days is not None and expires_days < 1:
        problems.append(FieldProblem(record, "expires_days", f"must be at least 1 day (got {expires_days})"))
    if problems:
        raise InvalidInput(problems)
    return login


def member_for(session: Session, delegation: Delegation, login: str) -> Member:
    """The member ``login`` of ``delegation``, created as a local member (not a roster entry) if it is missing."""
    query = select(Member).where(Member.delegation_id == delegation.id, Member.login == login)
    found = session.scalar(query)
    if found is None:
        found = Member(delegation=delegation, login=login, display_name=login, function="member", local=True)
        session.add(found)
    return found


def _state(revoked_at: datetime | None, expires_at: datetime | None, at: datetime) -> str | None:
    """Why a token is refused at ``at`` (``revoked``, ``expired``), or nothing if it is active."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= at:
        return "expired"
    return None


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
