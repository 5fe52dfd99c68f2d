"""The entry format, byte for byte (pure).

An entry is a canonical JSON object (RFC 8785), the *envelope*::

    {"author": "RUS", "index": 17, "key": "59b23bf990f85fff", "kind": "report",
     "payload": {...}, "prev": "<64 hex>", "time": "2017-03-01T10:00:00.000000Z", "v": 1}

``payload`` is replaced by ``commitment`` (hex SHA-256 of salt || canonical payload)
for a restricted record, and a member of a sealed batch carries ``seal``: the index
of the entry that signs for it. ``prev`` is the hash of the previous entry (zeros
for the first). The line stored, exported and hashed into the Merkle tree is::

    {"entry":<envelope bytes>,"sig":"<base64 Ed25519 signature>"}

itself canonical JSON, without ``sig`` for a sealed batch member. The signature is
over ``trucewatch/entry/v1`` + LF + the envelope bytes. An entry's hash is the RFC
6962 leaf hash of its line. docs/ledger.md is the full description.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson

from trucewatch.errors import TrucewatchError
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.merkle import HASH_SIZE

VERSION = 1
ZERO_HASH = bytes(HASH_SIZE)
SIGNED_PREFIX = b"trucewatch/entry/v1\n"
SALT_SIZE = 32
_HEAD = b'{"entry":'
_SIG = b',"sig":"'
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_FIELDS = frozenset({"v", "index", "kind", "author", "key", "time", "prev", "payload", "commitment", "seal"})


class EntryError(TrucewatchError):
    """An entry line that is not well formed: says what is wrong (the caller adds which entry)."""


class Signer(Protocol):
    """Whoever signs entries: a delegation's key, held by the client."""

    @property
    def delegation(self) -> str: ...

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise EntryError("an entry's time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise EntryError(f"time {text!r} is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return datetime.fromisoformat(text)  # the pattern above admits only the one form, ending in Z (UTC)


def commitment(salt: bytes, payload: bytes) -> bytes:
    """The salted commitment to a restricted payload: SHA-256(salt || canonical payload)."""
    return hashlib.sha256(salt + payload).digest()


@dataclass(frozen=True, slots=True)
class Envelope:
    """What an author signs."""

    index: int
    kind: str
    author: str
    key: str
    time: datetime
    prev: bytes
    payload: Mapping[str, Any] | None = None
    commitment: bytes | None = None
    seal: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "v": VERSION,
            "index": self.index,
            "kind": self.kind,
            "author": self.author,
            "key": self.key,
            "time": format_time(self.time),
            "prev": self.prev.hex(),
        }
        if self.commitment is not None:
            out["commitment"] = self.commitment.hex()
        else:
            out["payload"] = self.payload
        if self.seal is not None:
            out["seal"] = self.seal
        return out

    def encode(self) -> bytes:
        return canonical_json(self.to_json())


def signed_message(envelope: bytes) -> bytes:
    return SIGNED_PREFIX + envelope


def make_line(envelope: bytes, signature: bytes | None) -> bytes:
    """The line for an envelope: canonical JSON because ``entry`` sorts before ``sig``."""
    if signature is None:
        return _HEAD + envelope + b"}"
    return _HEAD + envelope + _SIG + base64.b64encode(signature) + b'"}'


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """A line taken apart: the exact envelope bytes, the envelope and the signature."""

    line: bytes
    envelope_bytes: bytes
    envelope: Envelope
    signature: bytes | None


def parse_line(line: bytes) -> ParsedLine:
    """Take a line apart, refusing anything but the one canonical form."""
    try:
        outer = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise EntryError(f"not JSON: {exc}") from exc
    if not isinstance(outer, dict) or not set(outer) <= {"entry", "sig"} or "entry" not in outer:
        raise EntryError('a line is {"entry": ..., "sig": ...} and nothing else')
    sig_text = outer.get("sig")
    signature = _signature(sig_text) if "sig" in outer else None
    body = line[len(_HEAD) : (line.rfind(_SIG) if signature is not None else len(line) - 1)]
    if not line.startswith(_HEAD) or make_line(body, signature) != line or canonical_json(outer["entry"]) != body:
        raise EntryError("the line is not in canonical form (RFC 8785)")
    return ParsedLine(line, body, _envelope(outer["entry"]), signature)


def _signature(text: Any) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except binascii.Error:
        raw = b""
    if len(raw) != 64:
        raise EntryError("sig: not the base64 of a 64-byte Ed25519 signature")
    return raw


def _envelope(obj: Any) -> Envelope:
    if not isinstance(obj, dict):
        raise EntryError("entry: not a JSON object")
    extra = set(obj) - _FIELDS
    if extra:
        raise EntryError(f"entry: unknown field(s) {', '.join(sorted(extra))}")
    if obj.get("v") != VERSION:
        raise EntryError(f"v: version {obj.get('v')!r} is not {VERSION}")
    if ("payload" in obj) == ("commitment" in obj):
        raise EntryError("entry: holds exactly one of payload and commitment")
    payload = obj.get("payload")
    if "payload" in obj and not isinstance(payload, dict):
        raise EntryError("payload: not a JSON object")
    return Envelope(
        index=_int(obj, "index"),
        kind=_text(obj, "kind"),
        author=_text(obj, "author"),
        key=_matching(obj, "key", _KEY_ID, "16 hex digits"),
        time=parse_time(obj.get("time")),  # type: ignore[arg-type]
        prev=bytes.fromhex(_matching(obj, "prev", _HEX64, "64 hex digits")),
        payload=payload,
        commitment=bytes.fromhex(_matching(obj, "commitment", _HEX64, "64 hex digits"))
        if "commitment" in obj
        else None,
        seal=_int(obj, "seal") if "seal" in obj else None,
    )


def _int(obj: Mapping[str, Any], name: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise EntryError(f"{name}: not a non-negative integer")
    return value


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise EntryError(f"{name}: not a non-empty string")
    return value


def _matching(obj: Mapping[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise EntryError(f"{name}: not {what}")
    return value
