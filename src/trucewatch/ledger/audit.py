"""Verify a whole log, offline: what ``trucewatch verify`` does (no database, no network).

From entry 0 on, every entry passes the :class:`~trucewatch.ledger.checker.Checker`
(index, hash chain, time, key validity, signature, seals), the Merkle root of
the first N entries equals the root of every signed checkpoint of size N, each
checkpoint is signed by the log's key and consistent with the one before it
(an RFC 9162 consistency proof built from the entries and verified), every
cosignature verifies against an observer's key, and ``keys.json`` says what the
log's own key entries say. The verdict names the first bad entry and why.
Signatures are verified in threads while the main thread reads on.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from trucewatch.errors import ProofError
from trucewatch.ledger import merkle, notes
from trucewatch.ledger.checker import Checker, LogError, Recent, first_bad, signature_pool
from trucewatch.ledger.entries import EntryError, parse_line, signed_message
from trucewatch.ledger.keyring import Keyring
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.merkle import leaf_hash, root_of
from trucewatch.ledger.signing import verify

CHUNK = 4096
CACHED_LEVEL = 10
"""Tree nodes from this level up are kept while reading, to build consistency proofs cheaply."""


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: an entry's index when one entry is at fault."""

    index: int | None
    reason: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.reason}" if self.index is not None else self.reason


@dataclass
class Verdict:
    """The outcome of a verification."""

    entries: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    origin: str | None = None
    log_key: str | None = None
    problem: Problem | None = None
    root: bytes = merkle.EMPTY_ROOT
    tables: bool = False
    """The live tables were compared with a rebuild from the log (``verify --db``)."""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return f"FAILED: {self.problem}"
        return (
            f"OK: {self.entries:,} entries of {self.origin} verify (signatures, hash chain, keys), "
            f"{self.checkpoints} checkpoint(s) match the tree with {self.cosignatures} cosignature(s); "
            f"root {self.root.hex()}; log key {self.log_key}"
            + ("; every table equals a rebuild from the log" if self.tables else "")
        )


@dataclass
class _Reading:
    """What the pass over the entries gathers for the checkpoint checks."""

    roots: dict[int, bytes] = field(default_factory=dict)
    leaves: list[bytes] = field(default_factory=list)
    upper: dict[merkle.NodeKey, bytes] = field(default_factory=dict)

    def node(self, key: merkle.NodeKey) -> bytes:
        level, idx = key
        if level >= CACHED_LEVEL:
            return self.upper[key]
        return merkle.root_of(self.leaves[idx << level : (idx + 1) << level])


def verify_log(
    lines: Iterable[bytes],
    checkpoints: Sequence[bytes],
    *,
    keys: dict[str, Any] | None = None,
    log_key: str | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> Verdict:
    """Verify entry lines (without their newlines), signed checkpoints and, if given, ``keys.json``."""
    parsed = [_checkpoint(note) for note in checkpoints]
    verdict = Verdict()
    own = pool is None
    pool = pool or signature_pool()
    try:
        checker, reading = _read(lines, {c.size for c in parsed if c is not None}, verdict, pool)
    finally:
        if own:
            pool.shutdown()
    verdict.entries, verdict.root = checker.size, checker.frontier.root()
    verdict.origin = checker.keyring.origin
    if verdict.problem is None:
        verdict.problem = _log_key(checker.keyring, log_key, verdict) or _checkpoints(
            parsed, checkpoints, checker, reading, verdict
        )
    if verdict.problem is None and keys is not None:
        verdict.problem = _keys(keys, checker.keyring)
    return verdict


def _read(
    lines: Iterable[bytes], sizes: set[int], verdict: Verdict, pool: ThreadPoolExecutor
) -> tuple[Checker, _Reading]:
    checker = Checker(Keyring(), recent=Recent())
    reading = _Reading()
    futures: list[Future[int | None]] = []
    broken: Problem | None = None
    previous: bytes | None = None
    for chunk in _chunks(iter(lines)):
        tasks = []
        for position, line in enumerate(chunk):
            try:
                checked, task = checker.check_one(line)
            except LogError as exc:
                following = chunk[position + 1] if position + 1 < len(chunk) else None
                broken = _culprit(exc, (previous, line, following), checker)
                break
            previous = line
            if task is not None:
                tasks.append(task)
            reading.leaves.append(checked.hash)
            reading.upper.update((k, h) for k, h in checked.nodes if k[0] >= CACHED_LEVEL)
            if checker.size in sizes:
                reading.roots[checker.size] = checker.frontier.root()
        futures.append(pool.submit(first_bad, tasks))
        if broken is not None:
            break
    if broken is None and checker.pending_batch is not None:
        broken = Problem(checker.size, f"seal: the batch opened at entry {checker.pending_batch} is never sealed")
    bad = min((i for i in (f.result() for f in futures) if i is not None), default=None)
    if bad is not None and (broken is None or broken.index is None or bad <= broken.index):
        broken = Problem(bad, "sig: the signature does not verify: the entry was altered or not signed by its key")
    verdict.problem = broken
    return checker, reading


def _chunks(lines: Iterator[bytes]) -> Iterator[list[bytes]]:
    while chunk := list(islice(lines, CHUNK)):
        yield chunk


def _culprit(exc: LogError, around: tuple[bytes | None, bytes, bytes | None], checker: Checker) -> Problem:
    """Whose fault a broken chain at entry j is: entry j-1's when j-1 was altered, else entry j's.

    Entry j is intact when the next entry still chains to it (an altered ``prev`` in entry j
    would break the next link too); otherwise j-1 is judged by its own signature, or, for a
    batch member sealed by entry j, by the seal's root over the batch.
    """
    previous, line, following = around
    if exc.field != "prev" or exc.index == 0 or previous is None:
        return Problem(exc.index, f"{exc.field}: {exc.reason}" if exc.field else exc.reason)
    if following is not None and _prev_of(following) == leaf_hash(line):
        altered = True
    else:
        altered = _altered(previous, line, checker)
    if altered:
        return Problem(exc.index - 1, f"its bytes do not hash to what entry {exc.index} records: it was altered")
    return Problem(exc.index, f"prev: {exc.reason}")


def _altered(previous: bytes, line: bytes, checker: Checker) -> bool:
    before = parse_line(previous)
    if before.signature is not None:
        key = checker.keyring.keys.get(before.envelope.key)
        return key is None or not verify(key.public_key, signed_message(before.statement_bytes), before.signature)
    seal = parse_line(line).envelope
    members = checker.pending_members
    return seal.kind == EntryKind.SEAL and str((seal.payload or {}).get("root")) != root_of(members).hex()


def _prev_of(line: bytes) -> bytes | None:
    try:
        return parse_line(line).envelope.prev
    except EntryError:
        return None


def _checkpoint(note: bytes) -> notes.Checkpoint | None:
    try:
        return notes.Checkpoint.parse(notes.parse_note(note).text)
    except ProofError:
        return None


def _log_key(ring: Keyring, expected: str | None, verdict: Verdict) -> Problem | None:
    if ring.origin is None:
        return Problem(0, "the log has no genesis entry") if verdict.entries else None
    verdict.log_key = ring.log_verifier().vkey()
    if expected is not None and expected != verdict.log_key:
        return Problem(0, f"the log is signed by {verdict.log_key}, not by the trusted key {expected}")
    return None


def _checkpoints(
    parsed: Sequence[notes.Checkpoint | None],
    raw: Sequence[bytes],
    checker: Checker,
    reading: _Reading,
    verdict: Verdict,
) -> Problem | None:
    """Each checkpoint: signed by the log, of this log, matching the entries, consistent with the last."""
    logs = checker.keyring.log_verifiers()
    witnesses = checker.keyring.witness_verifiers()
    previous: notes.Checkpoint | None = None
    for note, checkpoint in sorted(zip(raw, parsed, strict=True), key=lambda p: p[1].size if p[1] else -1):
        problem = _one_checkpoint(note, checkpoint, logs, witnesses, checker.size, reading, verdict)
        if problem is None and checkpoint is not None and previous is not None:
            problem = _consistent(previous, checkpoint, reading)
        if problem is not None:
            return problem
        previous = checkpoint
        verdict.checkpoints += 1
    return None


def _one_checkpoint(
    note: bytes,
    checkpoint: notes.Checkpoint | None,
    logs: Sequence[notes.Verifier],
    witnesses: Sequence[notes.Verifier],
    size: int,
    reading: _Reading,
    verdict: Verdict,
) -> Problem | None:
    if checkpoint is None or not logs:
        return Problem(None, "a checkpoint is not a well-formed signed checkpoint note")
    where = f"checkpoint of size {checkpoint.size}"
    try:
        opened = notes.open_note(note, [*logs, *witnesses])
    except ProofError as exc:
        return Problem(None, f"{where}: {exc}")
    signers = {s.name for s in opened.verified}
    origin = logs[0].name
    if origin not in signers or checkpoint.origin != origin:
        return Problem(None, f"{where}: not signed by a key of the log {origin}")
    if checkpoint.size > size:
        return Problem(size, f"{where} covers more entries than the log's {size}: the log was rolled back")
    if reading.roots.get(checkpoint.size, merkle.EMPTY_ROOT) != checkpoint.root_hash:
        return Problem(None, f"{where}: its root does not match entries 0..{checkpoint.size - 1}: they were rewritten")
    verdict.cosignatures += len(signers - {origin})
    return None


def _consistent(old: notes.Checkpoint, new: notes.Checkpoint, reading: _Reading) -> Problem | None:
    if old.size == new.size or old.size == 0:
        return None
    try:
        proof = merkle.consistency_proof(old.size, new.size, lambda keys: {k: reading.node(k) for k in keys})
        merkle.verify_consistency(old.size, new.size, proof, old.root_hash, new.root_hash)
    except ProofError as exc:
        return Problem(None, f"checkpoints of sizes {old.size} and {new.size} are not consistent: {exc}")
    return None


def _keys(keys: dict[str, Any], ring: Keyring) -> Problem | None:
    """keys.json must say exactly what the log's key entries say."""
    expected = keyring_json(ring)
    for name in ("origin", "log_key"):
        if keys.get(name) != expected[name]:
            return Problem(None, f"keys.json: {name} {keys.get(name)!r} is not the log's {expected[name]!r}")
    given = {k.get("key_id"): k for k in keys.get("keys", []) if isinstance(k, dict)}
    for want in expected["keys"]:
        if given.get(want["key_id"]) != want:
            return Problem(None, f"keys.json: key {want['key_id']} of {want['delegation']} differs from the log's")
    extra = sorted(set(given) - {k["key_id"] for k in expected["keys"]}, key=str)
    if extra:
        return Problem(None, f"keys.json: key {extra[0]} is not registered in the log")
    return None


def keyring_json(ring: Keyring) -> dict[str, Any]:
    """``keys.json``: every public key the log registered, with its delegation, role and validity."""
    return {
        "origin": ring.origin,
        "log_key": ring.log_verifier().vkey() if ring.origin else None,
        "keys": [
            {
                "key_id": k.key_id,
                "delegation": k.delegation,
                "role": ring.roles.get(k.delegation),
                "public_key": base64.b64encode(k.public_key).decode(),
                "valid_from": _iso(k.valid_from),
                "valid_to": _iso(k.valid_to) if k.valid_to else None,
                "revoked_at": _iso(k.revoked_at) if k.revoked_at else None,
                "revoked_by_entry": k.revoked_by_entry,
            }
            for k in ring.keys.values()
        ],
    }


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
