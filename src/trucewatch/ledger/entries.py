"""The entry format, byte for byte (pure).

What an author signs is a *statement*, a canonical JSON object (RFC 8785)::

    {"author": "RU", "key": "59b23bf990f85fff", "kind": "report", "payload": {...},
     "time": "2017-03-01T10:00:00.000000Z", "v": 1}

``payload`` is replaced by ``commitment`` (hex SHA-256 of salt || canonical payload)
for a restricted record. The signature is over ``trucewatch/statement/v1`` + LF +
the statement bytes. The statement says nothing of its place in the log, so
delegations in different capitals can sign at the same time: the log gives the
place, in the *entry*::

    {"index": 17, "prev": "<64 hex>", "statement": {...}}

``prev`` is the hash of the previous entry (zeros for the first), and a member of a
sealed batch also carries ``seal``: the index of the entry that signs for it. The
line stored, exported and hashed into the Merkle tree is::

    {"entry":<entry bytes>,"sig":"<base64 Ed25519 signature>"}

itself canonical JSON, without ``sig`` for a sealed batch member. An entry's hash
is the RFC 6962 leaf hash of its line; the mechanism's signed checkpoints, which
observers cosign, fix the order. docs/ledger.md is the full description.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

from trucewatch.errors import TrucewatchError
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.kinds import KEY_KINDS, EntryKind
from trucewatch.ledger.merkle import HASH_SIZE, leaf_hash, root_of

VERSION = 1
ZERO_HASH = bytes(HASH_SIZE)
SIGNED_PREFIX = b"trucewatch/statement/v1\n"
TIME_TOLERANCE = timedelta(minutes=5)
"""How far an entry's time may fall behind the latest time before it: signers' clocks and the
order in which their statements reach the log differ by that much at most."""
SALT_SIZE = 32
_HEAD = b'{"entry":'
_SIG = b',"sig":"'
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_STATEMENT_FIELDS = frozenset({"v", "kind", "author", "key", "time", "payload", "commitment"})
_ENTRY_FIELDS = frozenset({"index", "prev", "seal", "statement"})
_STATEMENT_KEY = b'"statement":'


class EntryError(TrucewatchError):
    """An entry line that is not well formed: says what is wrong (the caller adds which entry)."""


class Author(Protocol):
    """Who states: a delegation and the id of the key it signs with."""

    @property
    def delegation(self) -> str: ...

    @property
    def key_id(self) -> str: ...


class Signer(Author, Protocol):
    """Whoever signs entries: a delegation's key, held by the client."""

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


def encode_statement(
    kind: str,
    author: str,
    key: str,
    at: datetime,
    *,
    payload: bytes | None = None,
    commitment: bytes | None = None,
) -> bytes:
    """A statement's canonical bytes, around a payload already in canonical JSON (or a commitment).

    The keys are ASCII and written in sorted order, so splicing the canonical parts is canonical.
    """
    if (payload is None) == (commitment is None):
        raise EntryError("a statement holds exactly one of payload and commitment")
    body = b'"commitment":"' + commitment.hex().encode() + b'"' if commitment is not None else b""
    head = b'{"author":' + canonical_json(author) + b"," + (body + b"," if body else b"")
    tail = b'"time":"' + format_time(at).encode() + b'","v":' + str(VERSION).encode() + b"}"
    middle = b'"key":' + canonical_json(key) + b',"kind":' + canonical_json(kind) + b","
    return head + middle + (b'"payload":' + payload + b"," if payload is not None else b"") + tail


def make_statement(
    signer: Author, kind: str, data: bytes, at: datetime, *, restricted: bool
) -> tuple[bytes, bytes | None]:
    """``signer``'s statement of a payload (canonical bytes) and, for a restricted one, the salt of the
    commitment it holds instead of the payload (None for a payload shown in the log)."""
    if not restricted:
        return encode_statement(kind, signer.delegation, signer.key_id, at, payload=data), None
    salt = secrets.token_bytes(SALT_SIZE)
    return encode_statement(kind, signer.delegation, signer.key_id, at, commitment=commitment(salt, data)), salt


def encode_entry(index: int, prev: bytes, statement: bytes, seal: int | None = None) -> bytes:
    """The entry's canonical bytes: the log's place for a statement (``statement`` sorts last)."""
    sealed = b',"seal":' + str(seal).encode() if seal is not None else b""
    return (
        b'{"index":'
        + str(index).encode()
        + b',"prev":"'
        + prev.hex().encode()
        + b'"'
        + sealed
        + (b"," + _STATEMENT_KEY + statement + b"}")
    )


@dataclass(frozen=True, slots=True)
class Envelope:
    """An entry, its statement's fields and its place in the log, flattened."""

    index: int
    kind: str
    author: str
    key: str
    time: datetime
    prev: bytes
    payload: Mapping[str, Any] | None = None
    commitment: bytes | None = None
    seal: int | None = None

    def statement(self) -> bytes:
        data = canonical_json(self.payload) if self.payload is not None else None
        return encode_statement(self.kind, self.author, self.key, self.time, payload=data, commitment=self.commitment)

    def encode(self) -> bytes:
        return encode_entry(self.index, self.prev, self.statement(), self.seal)


def statement_hash(statement: bytes) -> bytes:
    """What tells signed statements apart: the SHA-256 of their bytes."""
    return hashlib.sha256(statement).digest()


def signed_message(statement: bytes) -> bytes:
    return SIGNED_PREFIX + statement


def signed_line(envelope: Envelope, signer: Signer) -> bytes:
    """The line of an envelope placed by hand, signed by ``signer`` (tests, tools)."""
    return make_line(envelope.encode(), signer.sign(signed_message(envelope.statement())))


def make_line(entry: bytes, signature: bytes | None) -> bytes:
    """The line for an entry: canonical JSON because ``entry`` sorts before ``sig``."""
    if signature is None:
        return _HEAD + entry + b"}"
    return _HEAD + entry + _SIG + base64.b64encode(signature) + b'"}'


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """A line taken apart: the exact entry and statement bytes, the envelope and the signature."""

    line: bytes
    entry_bytes: bytes
    statement_bytes: bytes
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
    envelope = _envelope(outer["entry"])
    statement = body[body.find(_STATEMENT_KEY) + len(_STATEMENT_KEY) : -1]
    return ParsedLine(line, body, statement, envelope, signature)


def parse_statement(data: bytes) -> Envelope:
    """A statement sent to be placed in the log, as an envelope with no place yet (index 0, no prev).

    Refuses anything but canonical JSON, so that the bytes signed are the bytes parsed.
    """
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise EntryError(f"not JSON: {exc}") from exc
    if canonical_json(obj) != data:
        raise EntryError("the statement is not in canonical form (RFC 8785)")
    return _statement(obj, 0, ZERO_HASH, None)


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
    extra = set(obj) - _ENTRY_FIELDS
    if extra:
        raise EntryError(f"entry: unknown field(s) {', '.join(sorted(extra))}")
    return _statement(
        obj.get("statement"),
        _int(obj, "index"),
        bytes.fromhex(_matching(obj, "prev", _HEX64, "64 hex digits")),
        _int(obj, "seal") if "seal" in obj else None,
    )


def _statement(obj: Any, index: int, prev: bytes, seal: int | None) -> Envelope:
    if not isinstance(obj, dict):
        raise EntryError("statement: not a JSON object")
    extra = set(obj) - _STATEMENT_FIELDS
    if extra:
        raise EntryError(f"statement: unknown field(s) {', '.join(sorted(extra))}")
    if obj.get("v") != VERSION:
        raise EntryError(f"v: version {obj.get('v')!r} is not {VERSION}")
    if ("payload" in obj) == ("commitment" in obj):
        raise EntryError("statement: holds exactly one of payload and commitment")
    payload = obj.get("payload")
    if "payload" in obj and not isinstance(payload, dict):
        raise EntryError("payload: not a JSON object")
    return Envelope(
        index=index,
        kind=_text(obj, "kind"),
        author=_text(obj, "author"),
        key=_matching(obj, "key", _KEY_ID, "16 hex digits"),
        time=parse_time(obj.get("time")),  # type: ignore[arg-type]
        prev=prev,
        payload=payload,
        commitment=bytes.fromhex(_matching(obj, "commitment", _HEX64, "64 hex digits"))
        if "commitment" in obj
        else None,
        seal=seal,
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


@dataclass(frozen=True, slots=True)
class Submission:
    """Statements by one author, signed and ready for the log to place.

    One signed statement, or a sealed batch: ``statements`` are its unsigned members and
    ``seal`` the statement of kind ``seal`` that ``signature`` signs, whose payload holds
    the RFC 6962 root over the members' statements.
    """

    statements: tuple[bytes, ...]
    signature: bytes
    seal: bytes | None = None

    @property
    def size(self) -> int:
        """How many entries the submission takes in the log."""
        return len(self.statements) + (1 if self.seal is not None else 0)


def seal_payload(members: Sequence[bytes]) -> dict[str, Any]:
    return {"root": root_of([leaf_hash(m) for m in members]).hex(), "size": len(members)}


def sign_statements(signer: Signer, kind: str, statements: Sequence[bytes], at: datetime) -> list[Submission]:
    """Sign statements: several of a kind that may be batched become one sealed batch, one signature."""
    if len(statements) > 1 and kind not in KEY_KINDS:
        payload = canonical_json(seal_payload(statements))
        seal = encode_statement(str(EntryKind.SEAL), signer.delegation, signer.key_id, at, payload=payload)
        return [Submission(tuple(statements), signer.sign(signed_message(seal)), seal)]
    return [Submission((s,), signer.sign(signed_message(s))) for s in statements]


def place(index: int, prev: bytes, submissions: Sequence[Submission]) -> tuple[list[bytes], list[int]]:
    """The lines that put ``submissions`` in the log from ``index`` on, after an entry hashing to ``prev``.

    Also returns the index each statement (not seal) got, in the order given.
    """
    lines: list[bytes] = []
    placed: list[int] = []
    for sub in submissions:
        seal = index + len(sub.statements) if sub.seal is not None else None
        for statement in sub.statements:
            line = make_line(encode_entry(index, prev, statement, seal), None if seal is not None else sub.signature)
            lines.append(line)
            placed.append(index)
            index, prev = index + 1, leaf_hash(line)
        if sub.seal is not None:
            line = make_line(encode_entry(index, prev, sub.seal), sub.signature)
            lines.append(line)
            index, prev = index + 1, leaf_hash(line)
    return lines, placed
