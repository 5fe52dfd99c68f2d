"""Members' passwords for the web UI's sign-in: set one, check one.

Like tokens, passwords are local access state of one server, not records of the mechanism:
no entry makes them and rebuilds leave them out. Only a scrypt hash is kept (RFC 7914,
n = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per check, so that a stolen
table is slow to guess from). A wrong delegation, login or password gets one and the same
answer, and costs the same time, so that sign-in does not tell which logins exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from trucewatch.errors import FieldProblem, InvalidInput, Unauthenticated
from trucewatch.registry.models import Delegation, Member, MemberPassword
from trucewatch.registry.service import get_delegation
from trucewatch.registry.tokens import check_login, member_for

MIN_LENGTH = 12
MAX_LENGTH = 1024
LOG2_N, R, P = 15, 8, 1
REFUSED = "wrong delegation, member or password"


def set_password(session: Session, delegation: str, member: str, password: str, *, now: datetime) -> None:
    """Set (or replace) the password of ``member`` of ``delegation``, creating the member (as local) if missing."""
    login = check_login(delegation, member, None)
    problem = _weak(password)
    if problem:
        raise InvalidInput([FieldProblem(f"password for {member} of {delegation}", "password", problem)])
    holder = member_for(session, get_delegation(session, delegation), login)
    session.flush()
    row = session.get(MemberPassword, holder.id)
    if row is None:
        row = MemberPassword(member_id=holder.id, password_hash="", set_at=now)
        session.add(row)
    row.password_hash, row.set_at = hash_password(password), now
    session.flush()


def check_password(session: Session, delegation: str, member: str, password: str) -> int:
    """The id of the member whose password this is; :class:`Unauthenticated` otherwise."""
    query = (
        select(MemberPassword.member_id, MemberPassword.password_hash)
        .join(Member, Member.id == MemberPassword.member_id)
        .join(Delegation, Delegation.id == Member.delegation_id)
        .where(Delegation.code == delegation, Member.login == member)
    )
    found = session.execute(query).one_or_none() if len(password) <= MAX_LENGTH else None
    if found is None:
        hash_password(password[:MAX_LENGTH])  # the same cost as a real check
        raise Unauthenticated(REFUSED)
    if not password_matches(password, found.password_hash):
        raise Unauthenticated(REFUSED)
    return int(found.member_id)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, LOG2_N, R, P)
    return f"scrypt${LOG2_N}${R}${P}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    name, log2_n, r, p, salt, digest = stored.split("$")
    if name != "scrypt":
        return False
    found = _scrypt(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    return hmac.compare_digest(found, base64.b64decode(digest))


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**log2_n, r=r, p=p, maxmem=2**26, dklen=32)


def _weak(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long (got {len(password)})"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters long (got {len(password)})"
    if password.strip() != password:
        return "must not begin or end with spaces"
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
