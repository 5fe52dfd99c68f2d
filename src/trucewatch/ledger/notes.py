"""Signed notes, checkpoints and cosignatures: the C2SP text formats (pure).

* c2sp.org/signed-note: text, a blank line, then ``— <name> base64(key id || signature)`` lines.
  :func:`open_note` follows golang.org/x/mod/sumdb/note ``Open``: at most 100 signature lines,
  repeated identical unknown lines and repeated signatures by one known key are dropped, a key
  listed twice among the verifiers is ``ambiguous``, and one bad signature by a known key
  rejects the whole note. The error texts are Go's.
* c2sp.org/tlog-checkpoint: origin, tree size, base64 root hash, optional extension lines. The
  parser is as strict as the spec: no leading zeroes in the size and no empty extension lines
  (transparency-dev/formats accepts both).
* c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1`` (type 0x04): the signature is an 8-byte
  big-endian timestamp and an Ed25519 signature of ``cosignature/v1\\ntime <t>\\n`` + the
  checkpoint text. A verifier of type 0x04 given to :func:`open_note` checks such signatures.

Ed25519 itself is :mod:`trucewatch.ledger.signing`. Every refusal is a :class:`ProofError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from trucewatch.errors import ProofError
from trucewatch.ledger.signing import PUBLIC_KEY_SIZE, SEED_SIZE, SIGNATURE_SIZE, KeyPair, verify

ED25519 = 0x01
COSIGNATURE_V1 = 0x04

KEY_ID_SIZE = 4
TIMESTAMP_SIZE = 8
MAX_SIGNATURES = 100  # golang.org/x/mod/sumdb/note; the spec asks for at least 16
MAX_TIMESTAMP = 2**63 - 1
MAX_TREE_SIZE = 2**64 - 1

_SIG_PREFIX = "\u2014 "  # EM DASH, space
_MALFORMED = "malformed note"
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
# Go's unicode.IsSpace: the Unicode White_Space property.
_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    """Standard padded base64 (RFC 4648 section 4); ValueError on anything else."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None


def valid_note_name(name: str) -> bool:
    """Whether ``name`` can name a key in a signed note (and so be a log's origin)."""
    return _valid_name(name)


def _valid_name(name: str) -> bool:
    """A key name: non-empty, valid UTF-8, no Unicode space and no ``+``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return bool(name) and "+" not in name and not _SPACES.intersection(name)


def _key_label(name: str, key_id: bytes) -> str:
    return f"{name}+{key_id.hex()}"


def note_key_id(name: str, type: int, public_key: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || type || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([type]) + public_key).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True, slots=True)
class Verifier:
    """A trusted public key: name, key id, 32-byte Ed25519 key and signature type (0x01 or 0x04)."""

    name: str
    key_id: bytes
    public_key: bytes
    type: int

    def vkey(self) -> str:
        """The verifier key string ``<name>+<8 hex>+base64(type || public key)``."""
        return f"{_key_label(self.name, self.key_id)}+{_b64(bytes([self.type]) + self.public_key)}"


def make_verifier(name: str, public_key: bytes, type: int = ED25519) -> Verifier:
    """The verifier of ``public_key`` under ``name`` for signature ``type`` (key id computed)."""
    if not _valid_name(name):
        raise ProofError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
    if type not in (ED25519, COSIGNATURE_V1):
        raise ProofError(f"unknown verifier algorithm 0x{type:02x}")
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise ProofError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, not {len(public_key)}")
    return Verifier(name, note_key_id(name, type, public_key), bytes(public_key), type)


def parse_vkey(vkey: str) -> Verifier:
    """The verifier a vkey string names; the base64 part may itself hold ``+``."""
    name, _, rest = vkey.partition("+")
    id_hex, _, key_b64 = rest.partition("+")
    try:
        key = _unb64(key_b64)
    except ValueError:
        key = b""
    if not _HEX_ID.fullmatch(id_hex) or not key or not _valid_name(name):
        raise ProofError(f"malformed verifier id {vkey!r}")
    if note_key_id(name, key[0], key[1:]) != bytes.fromhex(id_hex):
        raise ProofError(f"invalid verifier hash in {vkey!r}")
    if key[0] not in (ED25519, COSIGNATURE_V1):
        raise ProofError(f"unknown verifier algorithm 0x{key[0]:02x} in {vkey!r}")
    if len(key) != 1 + PUBLIC_KEY_SIZE:
        raise ProofError(f"malformed verifier id {vkey!r}: the key is not {PUBLIC_KEY_SIZE} bytes")
    return Verifier(name, bytes.fromhex(id_hex), key[1:], key[0])


def parse_skey(skey: str) -> tuple[str, KeyPair]:
    """The name and key pair of a Go signer key ``PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)``."""
    parts = skey.split("+", 4)  # the secret never goes into a message
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise ProofError("malformed signer id")
    name, id_hex, key_b64 = parts[2:]
    try:
        key = _unb64(key_b64)
    except ValueError:
        key = b""
    if not _HEX_ID.fullmatch(id_hex) or not key or not _valid_name(name):
        raise ProofError("malformed signer id")
    if key[0] != ED25519:
        raise ProofError(f"unknown signer algorithm 0x{key[0]:02x}")
    if len(key) != 1 + SEED_SIZE:
        raise ProofError("malformed signer id: the seed is not 32 bytes")
    pair = KeyPair.from_seed(key[1:])
    if note_key_id(name, ED25519, pair.public_key) != bytes.fromhex(id_hex):
        raise ProofError(f"invalid signer hash for {name}+{id_hex}")
    return name, pair


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: the key name, its 4-byte key id and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """``— <name> base64(key id || signature)`` and a newline."""
        return f"{_SIG_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A signed note as written: its text (ending in a newline) and every signature line, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """An opened note: its text, the signatures that verified and those from unknown keys."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def _check_text(text: str) -> None:
    """Refuse text with an ASCII control character other than newline."""
    if any(ch < " " and ch != "\n" for ch in text):
        raise ProofError(_MALFORMED)


def _split(message: bytes) -> tuple[str, list[str]]:
    """The note text and its signature lines (without newlines); the text ends before the last blank line."""
    try:
        decoded = message.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofError(_MALFORMED) from None
    _check_text(decoded)
    split = decoded.rfind("\n\n")
    if split < 0:
        raise ProofError(_MALFORMED)
    text, block = decoded[: split + 1], decoded[split + 2 :]
    if not block.endswith("\n"):
        raise ProofError(_MALFORMED)
    return text, block[:-1].split("\n")


def _parse_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise ProofError(_MALFORMED)
    name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    try:
        raw = _unb64(encoded)
    except ValueError:
        raise ProofError(_MALFORMED) from None
    if not _valid_name(name) or len(raw) <= KEY_ID_SIZE:
        raise ProofError(_MALFORMED)
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def _signatures(lines: list[str]) -> Iterator[tuple[str, NoteSignature]]:
    """Each line with its signature, parsed lazily so that errors come in Go's order."""
    for count, line in enumerate(lines, start=1):
        signature = _parse_line(line)
        if count > MAX_SIGNATURES:
            raise ProofError(f"{_MALFORMED}: more than {MAX_SIGNATURES} signatures")
        yield line, signature


def parse_note(message: bytes) -> Note:
    """The text and every signature line of a signed note, nothing verified."""
    text, lines = _split(message)
    return Note(text, tuple(signature for _, signature in _signatures(lines)))


def _verifies(verifier: Verifier, text: str, signature: bytes) -> bool:
    if verifier.type == COSIGNATURE_V1:
        try:
            timestamp = _timestamp(signature)
            message = cosignature_message(text, timestamp)
        except ProofError:
            return False
        return verify(verifier.public_key, message, signature[TIMESTAMP_SIZE:])
    return verify(verifier.public_key, text.encode("utf-8"), signature)


def open_note(message: bytes, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Parse a signed note and verify it against trusted ``verifiers`` (Go ``note.Open`` semantics)."""
    text, lines = _split(message)
    known: dict[tuple[str, bytes], list[Verifier]] = {}
    for verifier in verifiers:
        known.setdefault((verifier.name, verifier.key_id), []).append(verifier)
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen_keys: set[tuple[str, bytes]] = set()
    seen_lines: set[str] = set()
    for line, sig in _signatures(lines):
        key = (sig.name, sig.key_id)
        candidates = known.get(key)
        if candidates is None:
            if line not in seen_lines:
                seen_lines.add(line)
                unverified.append(sig)
            continue
        if len(candidates) > 1:
            raise ProofError(f"ambiguous key {_key_label(*key)}")
        if key in seen_keys:
            continue
        seen_keys.add(key)
        if not _verifies(candidates[0], text, sig.signature):
            raise ProofError(f"invalid signature for key {_key_label(*key)}")
        verified.append(sig)
    if not verified:
        raise ProofError("note has no verifiable signatures")
    return OpenedNote(text, tuple(verified), tuple(unverified))


def sign_note(text: str, name: str, pair: KeyPair) -> NoteSignature:
    """An Ed25519 (type 0x01) note signature of ``text``, which must end in a newline."""
    if not _valid_name(name):
        raise ProofError(f"invalid key name {name!r}")
    if not text.endswith("\n"):
        raise ProofError(f"{_MALFORMED}: the text does not end in a newline")
    _check_text(text)
    return NoteSignature(name, note_key_id(name, ED25519, pair.public_key), pair.sign(text.encode("utf-8")))


def _bad_checkpoint(reason: str) -> ProofError:
    return ProofError(f"malformed checkpoint: {reason}")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head as a checkpoint note text: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise _bad_checkpoint("the origin must be one non-empty line")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise _bad_checkpoint(f"the tree size {self.size} is out of range")
        if not self.root_hash:
            raise _bad_checkpoint("the root hash is empty")
        if any(not line or "\n" in line for line in self.extensions):
            raise _bad_checkpoint("extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text: ``origin``, ``size``, ``base64(root)`` and each extension, each line ending in a newline."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str, *, hash_size: int | None = 32) -> Checkpoint:
        """Parse a checkpoint note text; ``hash_size=None`` accepts a root of any non-empty length."""
        if not body.endswith("\n"):
            raise _bad_checkpoint("the text does not end in a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise _bad_checkpoint("fewer than three lines")
        origin, size_line, root_line, *extensions = lines
        if not _TREE_SIZE.fullmatch(size_line):
            raise _bad_checkpoint(f"the tree size {size_line!r} is not a decimal without leading zeroes")
        try:
            root = _unb64(root_line)
        except ValueError:
            raise _bad_checkpoint(f"the root hash {root_line!r} is not base64") from None
        if hash_size is not None and len(root) != hash_size:
            raise _bad_checkpoint(f"the root hash is {len(root)} bytes, not {hash_size}")
        return cls(origin, int(size_line), root, tuple(extensions))


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ProofError(f"cosignature timestamp {timestamp} is out of range")


def _timestamp(signature: bytes) -> int:
    """The timestamp of a cosignature's signature bytes (timestamp || Ed25519 signature)."""
    if len(signature) != TIMESTAMP_SIZE + SIGNATURE_SIZE:
        raise ProofError(f"not a cosignature/v1: {len(signature)} signature bytes, not 72")
    timestamp = int.from_bytes(signature[:TIMESTAMP_SIZE], "big")
    _check_timestamp(timestamp)
    return timestamp


def cosignature_message(body: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs: ``cosignature/v1``, ``time <timestamp>``, then the checkpoint text."""
    _check_timestamp(timestamp)
    Checkpoint.parse(body, hash_size=None)
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, pair: KeyPair, timestamp: int) -> NoteSignature:
    """A cosignature/v1 of the checkpoint text ``body`` at ``timestamp`` (POSIX seconds)."""
    if not _valid_name(name):
        raise ProofError(f"invalid key name {name!r}")
    signature = pair.sign(cosignature_message(body, timestamp))
    key_id = note_key_id(name, COSIGNATURE_V1, pair.public_key)
    return NoteSignature(name, key_id, timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature)


def verify_cosignature(body: str, signature: NoteSignature, verifier: Verifier) -> int:
    """Check a cosignature/v1 of ``body`` by ``verifier``; return its timestamp."""
    label = _key_label(verifier.name, verifier.key_id)
    if verifier.type != COSIGNATURE_V1:
        raise ProofError(f"key {label} is not a cosignature/v1 (type 0x04) key")
    if (signature.name, signature.key_id) != (verifier.name, verifier.key_id):
        raise ProofError(f"the signature is by key {_key_label(signature.name, signature.key_id)}, not {label}")
    timestamp = _timestamp(signature.signature)
    if not verify(verifier.public_key, cosignature_message(body, timestamp), signature.signature[TIMESTAMP_SIZE:]):
        raise ProofError(f"invalid signature for key {label}")
    return timestamp


def cosignature_timestamp(signature_b64: str) -> int:
    """The timestamp of a cosignature given as its base64 (key id || timestamp || signature)."""
    try:
        raw = _unb64(signature_b64)
    except ValueError:
        raise ProofError("malformed cosignature: not base64") from None
    if len(raw) <= KEY_ID_SIZE:
        raise ProofError("malformed cosignature: too short")
    return _timestamp(raw[KEY_ID_SIZE:])
