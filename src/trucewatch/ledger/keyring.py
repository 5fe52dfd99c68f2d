"""Who may sign what, as the log itself says (pure).

The keyring is built by reading the log: the genesis entry names the
mechanism's key; delegation entries register delegations with their first keys;
``key`` entries add keys (rotation) and ``key_revocation`` entries revoke them,
from the entry on. The store and the offline verifier both use it, so they
judge every signature by the same rules.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from trucewatch.errors import TrucewatchError
from trucewatch.ledger import notes
from trucewatch.ledger.kinds import MECHANISM, EntryKind
from trucewatch.ledger.signing import PUBLIC_KEY_SIZE, key_id, usable_public_key

SECRETARIAT = "secretariat"
WITNESS = "observer"
"""The role whose delegations witness (cosign) checkpoints."""


class KeyringError(TrucewatchError):
    """An entry that the keyring refuses: an unknown, expired or revoked key, or a key change not allowed."""


@dataclass(frozen=True, slots=True)
class KeyState:
    """One public key: whose it is, when it is valid, and whether it was revoked."""

    key_id: str
    delegation: str
    public_key: bytes
    valid_from: datetime
    valid_to: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by_entry: int | None = None

    def problem_at(self, at: datetime) -> str | None:
        """Why the key may not sign at ``at``, or None when it may."""
        if self.revoked_at is not None:
            return f"key {self.key_id} of {self.delegation} was revoked by entry {self.revoked_by_entry}"
        if at < self.valid_from:
            return f"key {self.key_id} of {self.delegation} is not valid before {self.valid_from.isoformat()}"
        if self.valid_to is not None and at >= self.valid_to:
            return f"key {self.key_id} of {self.delegation} expired at {self.valid_to.isoformat()}"
        return None


@dataclass
class Keyring:
    """Every key and delegation role the log has registered so far."""

    keys: dict[str, KeyState] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    origin: str | None = None

    def signer(self, key: str, author: str, at: datetime) -> KeyState:
        """The key ``author`` signs with at ``at``; KeyringError when it may not."""
        state = self.keys.get(key)
        if state is None:
            raise KeyringError(f"key {key} is not registered")
        if state.delegation != author:
            raise KeyringError(f"key {key} belongs to {state.delegation}, not to {author}")
        problem = state.problem_at(at)
        if problem:
            raise KeyringError(problem)
        return state

    def apply(self, index: int, kind: str, author: str, payload: Mapping[str, Any] | None, at: datetime) -> None:
        """Take in what a key-changing entry says (other kinds leave the keyring as it is)."""
        if kind == EntryKind.GENESIS:
            self._genesis(index, author, payload or {}, at)
        elif kind == EntryKind.DELEGATION and payload is not None:
            self._delegation(author, payload)
        elif kind == EntryKind.KEY and payload is not None:
            self._allowed(author, str(payload.get("delegation")), what="register a key")
            self._add(str(payload.get("delegation")), payload)
        elif kind == EntryKind.KEY_REVOCATION and payload is not None:
            self._revoke(index, author, str(payload.get("key")), at)

    def _genesis(self, index: int, author: str, payload: Mapping[str, Any], at: datetime) -> None:
        if index != 0 or author != MECHANISM:
            raise KeyringError("only entry 0, by the mechanism, is the genesis entry")
        self.origin = str(payload.get("origin"))
        self.roles[MECHANISM] = MECHANISM
        self._add(MECHANISM, {"public_key": payload.get("public_key"), "valid_from": payload.get("valid_from")})

    def _delegation(self, author: str, payload: Mapping[str, Any]) -> None:
        self._allowed(author, None, what="register a delegation")
        code = str(payload.get("code"))
        if code in self.roles:
            raise KeyringError(f"delegation {code} is already registered")
        self.roles[code] = str(payload.get("role"))
        for key in payload.get("keys") or ():
            self._add(code, key)

    def _add(self, delegation: str, key: Mapping[str, Any]) -> None:
        if delegation not in self.roles:
            raise KeyringError(f"no delegation {delegation!r} to register a key for")
        public = _public_key(key.get("public_key"))
        kid = key_id(public)
        if kid in self.keys:
            raise KeyringError(f"key {kid} is already registered (to {self.keys[kid].delegation})")
        start = _time(key.get("valid_from"), "valid_from")
        end = _time(key.get("valid_to"), "valid_to") if key.get("valid_to") else None
        self.keys[kid] = KeyState(kid, delegation, public, start, end)

    def _revoke(self, index: int, author: str, kid: str, at: datetime) -> None:
        state = self.keys.get(kid)
        if state is None:
            raise KeyringError(f"key {kid} is not registered, so it cannot be revoked")
        self._allowed(author, state.delegation, what=f"revoke key {kid}")
        if state.revoked_at is not None:
            raise KeyringError(f"key {kid} is already revoked")
        self.keys[kid] = replace(state, revoked_at=at, revoked_by_entry=index)

    def _allowed(self, author: str, delegation: str | None, *, what: str) -> None:
        """The mechanism, a secretariat delegation, or the delegation itself may change its keys."""
        if author == MECHANISM or self.roles.get(author) == SECRETARIAT or (delegation and author == delegation):
            return
        raise KeyringError(f"{author} may not {what}" + (f" of {delegation}" if delegation else ""))

    def log_verifier(self) -> notes.Verifier:
        """The note verifier of the genesis key: the log's identity, which observers pin (``--log-key``)."""
        first = next((k for k in self.keys.values() if k.delegation == MECHANISM), None)
        if self.origin is None or first is None:
            raise KeyringError("the log has no genesis entry")
        return notes.make_verifier(self.origin, first.public_key)

    def log_verifiers(self) -> list[notes.Verifier]:
        """Every unrevoked key of the mechanism (the genesis key, then rotations) may sign checkpoints."""
        if self.origin is None:
            return []
        return [
            notes.make_verifier(self.origin, k.public_key)
            for k in self.keys.values()
            if k.delegation == MECHANISM and k.revoked_at is None
        ]

    def witness_verifiers(self) -> list[notes.Verifier]:
        """A cosignature verifier for every unrevoked key of every observer delegation."""
        return [
            notes.make_verifier(k.delegation, k.public_key, notes.COSIGNATURE_V1)
            for k in self.keys.values()
            if self.roles.get(k.delegation) == WITNESS and k.revoked_at is None
        ]

    def copy(self) -> Keyring:
        return Keyring(dict(self.keys), dict(self.roles), self.origin)


def _public_key(text: Any) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except binascii.Error:
        raw = b""
    if len(raw) != PUBLIC_KEY_SIZE:
        raise KeyringError("public_key: not the base64 of a 32-byte Ed25519 public key")
    if not usable_public_key(raw):
        raise KeyringError("public_key: not a usable Ed25519 key (a small-order or invalid point)")
    return raw


def _time(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise KeyringError(f"{name}: not a date-time with a UTC offset")
    return parsed
