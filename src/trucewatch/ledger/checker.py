"""The rules every entry must pass, in log order (pure).

One :class:`Checker` serves the store (each append is checked before it is
written) and the offline verifier (an export is checked from entry 0): the
index follows on, ``prev`` is the previous entry's hash, time never falls more
than :data:`TIME_TOLERANCE` behind the latest time before it, no signed statement
appears twice, the key belongs to the author and is valid at the entry's time, the
signature verifies, and a sealed batch is closed by a seal entry whose Merkle root
covers exactly its members' statements. Signatures are checked last and in parallel: libsodium
releases the GIL, so threads use every core.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from trucewatch.errors import TrucewatchError
from trucewatch.ledger.entries import (
    TIME_TOLERANCE,
    ZERO_HASH,
    EntryError,
    Envelope,
    ParsedLine,
    parse_line,
    signed_message,
    statement_hash,
)
from trucewatch.ledger.keyring import Keyring, KeyringError
from trucewatch.ledger.kinds import KEY_KINDS, EntryKind
from trucewatch.ledger.merkle import Frontier, NodeKey, leaf_hash, root_of
from trucewatch.ledger.signing import verify

_KINDS = frozenset(str(k) for k in EntryKind)
PARALLEL_FROM = 64
"""Below this many signatures, verifying them in threads costs more than it saves."""
SIGNATURE_CHUNK = 256
"""Signatures handed to a verifying thread at a time, while the main thread reads on."""


class LogError(TrucewatchError):
    """The first entry that breaks a rule: its index, the field at fault, and what is wrong."""

    def __init__(self, index: int, field: str, reason: str) -> None:
        self.index = index
        self.field = field
        self.reason = reason
        super().__init__(f"entry {index}: {field}: {reason}" if field else f"entry {index}: {reason}")


@dataclass(frozen=True, slots=True)
class Checked:
    """An entry that passed: its parts, its hash and the tree nodes it completes."""

    parsed: ParsedLine
    hash: bytes
    nodes: list[tuple[NodeKey, bytes]]

    @property
    def envelope(self) -> Envelope:
        return self.parsed.envelope


@dataclass(frozen=True, slots=True)
class _Task:
    index: int
    public_key: bytes
    message: bytes
    signature: bytes


@dataclass
class _Batch:
    first: int
    author: str
    key: str
    seal: int
    hashes: list[bytes] = field(default_factory=list)


@dataclass
class Recent:
    """The signed statements a copy of which could still be appended (time within the tolerance)."""

    seen: dict[bytes, int] = field(default_factory=dict)
    order: deque[tuple[datetime, bytes]] = field(default_factory=deque)

    def add(self, index: int, digest: bytes, at: datetime) -> None:
        first = self.seen.get(digest)
        if first is not None:
            raise LogError(index, "sig", f"the same signed statement is already entry {first}: a replay")
        self.seen[digest] = index
        self.order.append((at, digest))

    def forget(self, digests: Iterable[bytes]) -> None:
        for digest in digests:
            self.seen.pop(digest, None)

    def prune(self, latest: datetime) -> None:
        """Drop what can no longer be replayed: a copy would fall too far behind ``latest``."""
        while self.order and self.order[0][0] < latest - TIME_TOLERANCE:
            self.seen.pop(self.order.popleft()[1], None)


@dataclass
class Checker:
    """State of the log after its last checked entry.

    ``recent`` catches a signed statement appended twice; the store leaves it empty, as its
    database refuses a statement it holds already, at any distance.
    """

    keyring: Keyring
    size: int = 0
    last_hash: bytes = ZERO_HASH
    latest_time: datetime | None = None
    frontier: Frontier = field(default_factory=Frontier)
    recent: Recent | None = None
    _batch: _Batch | None = None

    @property
    def pending_batch(self) -> int | None:
        """The first member of a batch not sealed yet, if any."""
        return self._batch.first if self._batch else None

    @property
    def pending_members(self) -> list[bytes]:
        """The statement hashes of the batch not sealed yet (empty when none is open)."""
        return list(self._batch.hashes) if self._batch else []

    def check(self, lines: Iterable[bytes], *, pool: ThreadPoolExecutor | None = None) -> list[Checked]:
        """Check lines that follow on from the state; all or nothing (the state moves only on success)."""
        saved = (self.size, self.last_hash, self.latest_time, self.frontier.size, self.frontier.hashes, self._batch)
        ring = self.keyring.copy()
        done: list[Checked] = []
        try:
            done, pending = self._check_all(lines, pool, done)
            if self._batch is not None:
                raise LogError(self.size, "seal", f"the batch from entry {self._batch.first} is not sealed")
            failed = min((i for i in (p() for p in pending) if i is not None), default=None)
            if failed is not None:
                raise LogError(failed, "sig", self._bad_signature(done, failed))
        except BaseException:
            self.size, self.last_hash, self.latest_time, fsize, fhashes, self._batch = saved
            self.frontier, self.keyring = Frontier(fsize, fhashes), ring
            if self.recent is not None:
                self.recent.forget(statement_hash(c.parsed.statement_bytes) for c in done if c.parsed.signature)
            raise
        return done

    def _check_all(
        self, lines: Iterable[bytes], pool: ThreadPoolExecutor | None, done: list[Checked]
    ) -> tuple[list[Checked], list[Callable[[], int | None]]]:
        """Check lines in order into ``done``; signatures are verified in ``pool`` while reading goes on."""
        tasks: list[_Task] = []
        pending: list[Callable[[], int | None]] = []
        for line in lines:
            checked, task = self.check_one(line)
            done.append(checked)
            if task is not None:
                tasks.append(task)
            if pool is not None and len(tasks) >= SIGNATURE_CHUNK:
                pending.append(pool.submit(first_bad, tasks).result)
                tasks = []
        if tasks:
            pending.append(
                pool.submit(first_bad, tasks).result if pool and len(tasks) >= PARALLEL_FROM else _now(tasks)
            )
        return done, pending

    def check_one(self, line: bytes) -> tuple[Checked, _Task | None]:
        """Check one line's structure and chain; returns its signature check for later."""
        index = self.size
        try:
            parsed = parse_line(line)
        except EntryError as exc:
            raise LogError(index, "", str(exc)) from exc
        env = parsed.envelope
        self._chain(index, env)
        task = self._authority(index, parsed)
        digest = leaf_hash(line)
        self._batched(index, env, parsed)
        if env.kind in KEY_KINDS and env.kind != EntryKind.GENESIS:
            self._keys(index, env)
        if self.recent is not None:
            if parsed.signature is not None:
                self.recent.add(index, statement_hash(parsed.statement_bytes), env.time)
            self.recent.prune(max(env.time, self.latest_time or env.time))
        nodes = self.frontier.append(digest)
        latest = env.time if self.latest_time is None else max(self.latest_time, env.time)
        self.size, self.last_hash, self.latest_time = index + 1, digest, latest
        return Checked(parsed, digest, nodes), task

    def _chain(self, index: int, env: Envelope) -> None:
        if env.index != index:
            raise LogError(index, "index", f"says {env.index}: entries are missing, repeated or out of order")
        if env.prev != self.last_hash:
            raise LogError(index, "prev", "is not the hash of the previous entry: the chain is broken")
        if self.latest_time is not None and env.time < self.latest_time - TIME_TOLERANCE:
            limit = int(TIME_TOLERANCE.total_seconds())
            problem = f"falls more than {limit} s behind the latest time before it, {self.latest_time.isoformat()}"
            raise LogError(index, "time", problem)
        if env.kind not in _KINDS:
            raise LogError(index, "kind", f"{env.kind!r} is not a kind of entry")
        if env.kind in KEY_KINDS and env.payload is None:
            raise LogError(index, "commitment", f"a {env.kind} entry must show its payload")

    def _authority(self, index: int, parsed: ParsedLine) -> _Task | None:
        env = parsed.envelope
        if env.kind == EntryKind.GENESIS:
            self._keys(index, env)
        try:
            state = self.keyring.signer(env.key, env.author, env.time)
        except KeyringError as exc:
            raise LogError(index, "key", str(exc)) from exc
        if parsed.signature is None:
            return None
        return _Task(index, state.public_key, signed_message(parsed.statement_bytes), parsed.signature)

    def _keys(self, index: int, env: Envelope) -> None:
        try:
            self.keyring.apply(index, env.kind, env.author, env.payload, env.time)
        except KeyringError as exc:
            raise LogError(index, "payload", str(exc)) from exc

    def _batched(self, index: int, env: Envelope, parsed: ParsedLine) -> None:
        batch, signature = self._batch, parsed.signature
        if signature is None:
            if env.kind in KEY_KINDS or env.kind == EntryKind.SEAL:
                raise LogError(index, "sig", f"a {env.kind} entry is signed on its own, never in a batch")
            if env.seal is None or env.seal <= index:
                raise LogError(index, "sig", "missing, and the entry names no later seal that signs for it")
            if batch is None:
                batch = self._batch = _Batch(index, env.author, env.key, env.seal)
            if (env.author, env.key, env.seal) != (batch.author, batch.key, batch.seal):
                raise LogError(index, "seal", f"does not belong to the batch opened at entry {batch.first}")
            batch.hashes.append(leaf_hash(parsed.statement_bytes))
            return
        if env.seal is not None:
            raise LogError(index, "seal", "a signed entry is not a batch member")
        if batch is not None:
            self._close(index, env, batch)
        elif env.kind == EntryKind.SEAL:
            raise LogError(index, "seal", "there is no batch before it to seal")

    def _close(self, index: int, env: Envelope, batch: _Batch) -> None:
        if index != batch.seal or env.kind != EntryKind.SEAL:
            raise LogError(
                index, "seal", f"the batch opened at entry {batch.first} is to be sealed by entry {batch.seal}"
            )
        if (env.author, env.key) != (batch.author, batch.key):
            raise LogError(index, "key", f"the seal is not signed by the key of the batch opened at {batch.first}")
        payload = env.payload or {}
        expected = {"root": root_of(batch.hashes).hex(), "size": len(batch.hashes)}
        if dict(payload) != expected:
            raise LogError(index, "payload", f"the seal does not match its batch (expected {expected})")
        self._batch = None

    def _bad_signature(self, done: Sequence[Checked], index: int) -> str:
        env = done[index - done[0].envelope.index].envelope
        return f"does not verify against key {env.key} of {env.author}"


def _now(tasks: Sequence[_Task]) -> Callable[[], int | None]:
    bad = first_bad(tasks)
    return lambda: bad


def first_bad(tasks: Sequence[_Task]) -> int | None:
    """The lowest index among ``tasks`` whose signature fails, or None."""
    for t in tasks:
        if not verify(t.public_key, t.message, t.signature):
            return t.index
    return None


def workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def signature_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="verify")
