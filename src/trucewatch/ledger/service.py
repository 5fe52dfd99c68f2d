"""The one write path of the core: sign, check, append, apply.

Every write goes through :func:`record`, which builds one entry per payload,
has the author's key sign it (on the client's side: the signer is whatever holds
the key), and hands the lines to :func:`append`. :func:`append` is the store: it
checks every line against the log (:mod:`trucewatch.ledger.checker`), writes the
entries and the Merkle tree's new nodes, and hands each entry to the applier
registered for its kind, which alone turns it into domain rows, in the same
transaction. Because rows only ever come from entries, the tables can be rebuilt
by replaying the log (:func:`replay`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import groupby
from typing import Any, cast

import orjson
from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound, TrucewatchError
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.checker import Checked, Checker, LogError, signature_pool
from trucewatch.ledger.entries import Envelope, Signer, commitment, make_line, parse_line, signed_message
from trucewatch.ledger.keyring import Keyring
from trucewatch.ledger.kinds import KEY_KINDS, EntryKind, Tier
from trucewatch.ledger.merkle import Frontier, NodeKey, leaf_hash, root_of, subtrees
from trucewatch.ledger.models import Entry, SealedPayload, TreeNode
from trucewatch.store.engine import lock_writes


@dataclass(frozen=True, slots=True)
class Recorded:
    """An entry as appliers see it."""

    idx: int
    kind: EntryKind
    author: str
    payload: Mapping[str, Any]
    data: bytes
    """The payload's canonical JSON."""
    recorded_at: datetime
    parsed: Any = None
    """The payload as its service already validated it, when it did (saves the applier a second
    validation); a replay of the log leaves it empty and the applier parses the payload."""


@dataclass(frozen=True, slots=True)
class Sealed:
    """A restricted payload and the salt of its commitment, kept off the public log."""

    salt: bytes
    payload: bytes


Applier = Callable[[Session, Sequence[Recorded]], None]
_APPLIERS: dict[EntryKind, Applier] = {}
Eraser = Callable[[Session, Sequence[int]], None]
_ERASERS: dict[str, Eraser] = {}
_LEDGER_ONLY = frozenset({EntryKind.SEAL})


def applies(kind: EntryKind) -> Callable[[Applier], Applier]:
    """Register the function that turns entries of ``kind`` into rows."""

    def register(fn: Applier) -> Applier:
        if kind in _APPLIERS and _APPLIERS[kind] is not fn:
            raise TrucewatchError(f"two appliers registered for entry kind {kind}")
        _APPLIERS[kind] = fn
        return fn

    return register


def erases(kind: EntryKind) -> Callable[[Eraser], Eraser]:
    """Register the function that removes the rows made from entries of ``kind`` whose payload is erased."""

    def register(fn: Eraser) -> Eraser:
        _ERASERS[str(kind)] = fn
        return fn

    return register


def erase(session: Session, index: int, reason: str, *, signer: Signer, at: datetime) -> list[Recorded]:
    """Erase a restricted payload at its submitter's request: the commitment stays, the erasure is an entry."""
    lock_writes(session)
    entry = session.get(Entry, index)
    if entry is None:
        raise NotFound(f"no entry {index}")
    if entry.author != signer.delegation:
        problem = f"only its submitter, {entry.author}, may erase its payload"
        raise InvalidInput([FieldProblem(f"entry {index}", "author", problem)])
    if session.get(SealedPayload, index) is None:
        raise Conflict(f"entry {index} holds no restricted payload to erase (it is public, or already erased)")
    return record(session, EntryKind.ERASURE, signer, [{"entry": index, "reason": reason}], at=at)


@applies(EntryKind.ERASURE)
def _apply_erasures(session: Session, entries: Sequence[Recorded]) -> None:
    for e in entries:
        index = int(e.payload["entry"])
        eraser = _ERASERS.get(session.scalar(select(Entry.kind).where(Entry.idx == index)) or "")
        if eraser is not None:
            eraser(session, [index])
        session.execute(delete(SealedPayload).where(SealedPayload.entry_idx == index))


def record(
    session: Session,
    kind: EntryKind,
    signer: Signer | Sequence[Signer],
    payloads: Sequence[Mapping[str, Any]],
    *,
    at: datetime,
    encoded: Sequence[bytes] | None = None,
    parsed: Sequence[Any] | None = None,
) -> list[Recorded]:
    """Sign one entry per payload, append and apply them; the caller owns the transaction.

    ``signer`` signs every payload, or there is one signer per payload. Consecutive
    payloads by one signer form a sealed batch: one signature over a Merkle root.
    ``encoded`` holds the payloads' canonical JSON and ``parsed`` their validated
    form, when the caller already made them.
    """
    if not payloads:
        return []
    if kind not in _APPLIERS:
        raise TrucewatchError(f"no applier registered for entry kind {kind}")
    lock_writes(session)
    checker = load_checker(session)
    signers = [signer] * len(payloads) if not isinstance(signer, Sequence) else list(signer)
    datas = list(encoded) if encoded is not None else [canonical_json(p) for p in payloads]
    lines, sealed = _sign(checker, kind, signers, payloads, datas, at)
    extra = list(parsed) if parsed is not None else [None] * len(payloads)
    return _store(session, checker, lines, sealed, _Known(datas, extra))


@dataclass(frozen=True, slots=True)
class _Known:
    """What :func:`record` already knows of its payloads, so the appliers need not parse them again."""

    datas: Sequence[bytes]
    parsed: Sequence[Any]


def append(
    session: Session,
    lines: Sequence[bytes],
    sealed: Mapping[int, Sealed] | None = None,
    *,
    erased: Collection[int] = (),
) -> list[Recorded]:
    """Append lines signed elsewhere (a remote client, a log being rebuilt) and apply them.

    In a rebuild, ``erased`` names the restricted entries whose payload an erasure entry erased:
    they are kept without rows. Any other restricted entry must come with its payload.
    """
    lock_writes(session)
    return _store(session, load_checker(session), lines, dict(sealed or {}), None, erased=erased)


def append_entries(
    session: Session,
    checker: Checker,
    lines: Sequence[bytes],
    sealed: Mapping[int, Sealed] | None = None,
    *,
    erased: Collection[int] = (),
) -> list[Checked]:
    """The ledger half of an append: check the lines against ``checker`` and write entries and tree nodes.

    No applier runs: this is what the ledger benchmark times, and what :func:`append` builds on.
    """
    try:
        checked = checker.check(lines, pool=_pool())
        _match_sealed(checked, sealed or {}, erased=erased)
    except LogError as exc:
        raise InvalidInput([FieldProblem(f"entry {exc.index}", exc.field or "line", exc.reason)]) from exc
    _write(session, checked, sealed or {})
    return checked


def _sign(
    checker: Checker,
    kind: EntryKind,
    signers: Sequence[Signer],
    payloads: Sequence[Mapping[str, Any]],
    datas: Sequence[bytes],
    at: datetime,
) -> tuple[list[bytes], dict[int, Sealed]]:
    if checker.last_time is not None and at < checker.last_time:
        raise Conflict(f"the write's time {at.isoformat()} is before the log's last entry ({checker.last_time})")
    lines: list[bytes] = []
    sealed: dict[int, Sealed] = {}
    index, prev, pos = checker.size, checker.last_hash, 0
    for _, run in groupby(signers, key=id):
        count = len(list(run))
        signer = signers[pos]
        seal = index + count if count > 1 and kind not in KEY_KINDS else None
        for payload, data in zip(payloads[pos : pos + count], datas[pos : pos + count], strict=True):
            env, secret = _envelope(kind, signer, payload, data, index, prev, at, seal)
            if secret is not None:
                sealed[index] = secret
            line = make_line(env, None if seal else signer.sign(signed_message(env)))
            lines.append(line)
            index, prev = index + 1, leaf_hash(line)
        if seal is not None:
            line = _seal_line(signer, lines[-count:], seal, prev, at)
            lines.append(line)
            index, prev = index + 1, leaf_hash(line)
        pos += count
    return lines, sealed


def _envelope(
    kind: EntryKind,
    signer: Signer,
    payload: Mapping[str, Any],
    data: bytes,
    index: int,
    prev: bytes,
    at: datetime,
    seal: int | None,
) -> tuple[bytes, Sealed | None]:
    author, key = signer.delegation, signer.key_id
    if payload.get("tier") == Tier.RESTRICTED and kind not in KEY_KINDS:
        salt = secrets.token_bytes(32)
        env = Envelope(index, str(kind), author, key, at, prev, commitment=commitment(salt, data), seal=seal)
        return env.encode(), Sealed(salt, data)
    return Envelope(index, str(kind), author, key, at, prev, payload=payload, seal=seal).encode(), None


def _seal_line(signer: Signer, members: Sequence[bytes], index: int, prev: bytes, at: datetime) -> bytes:
    root = root_of([leaf_hash(m) for m in members])
    payload = {"first": index - len(members), "size": len(members), "root": root.hex()}
    env = Envelope(index, str(EntryKind.SEAL), signer.delegation, signer.key_id, at, prev, payload).encode()
    return make_line(env, signer.sign(signed_message(env)))


def _store(
    session: Session,
    checker: Checker,
    lines: Sequence[bytes],
    sealed: Mapping[int, Sealed],
    known: _Known | None,
    *,
    erased: Collection[int] = (),
) -> list[Recorded]:
    checked = append_entries(session, checker, lines, sealed, erased=erased)
    recorded = list(_recorded(checked, sealed, known))
    apply(session, recorded)
    return recorded


def _match_sealed(checked: Sequence[Checked], sealed: Mapping[int, Sealed], *, erased: Collection[int]) -> None:
    for c in checked:
        env = c.envelope
        secret = sealed.get(env.index)
        if env.commitment is None:
            if secret is not None:
                raise LogError(
                    env.index, "commitment", "a sealed payload was given for an entry that shows its payload"
                )
            continue
        if secret is None and env.index in erased:
            continue  # erased: the commitment stays, the payload and its rows are gone
        if secret is None:
            raise LogError(env.index, "commitment", "the restricted payload it commits to was not given")
        if commitment(secret.salt, secret.payload) != env.commitment:
            raise LogError(env.index, "commitment", "does not match the payload and salt given")


def _write(session: Session, checked: Sequence[Checked], sealed: Mapping[int, Sealed]) -> None:
    session.execute(
        insert(cast(Table, Entry.__table__)),
        [
            {
                "idx": c.envelope.index,
                "kind": c.envelope.kind,
                "author": c.envelope.author,
                "key_id": c.envelope.key,
                "recorded_at": c.envelope.time,
                "hash": c.hash,
                "line": c.parsed.line,
            }
            for c in checked
        ],
    )
    nodes = [{"level": level, "idx": idx, "hash": h} for c in checked for (level, idx), h in c.nodes]
    if nodes:
        session.execute(insert(cast(Table, TreeNode.__table__)), nodes)
    if sealed:
        rows = [{"entry_idx": i, "salt": s.salt, "payload": s.payload} for i, s in sealed.items()]
        session.execute(insert(cast(Table, SealedPayload.__table__)), rows)


def _recorded(checked: Sequence[Checked], sealed: Mapping[int, Sealed], known: _Known | None) -> Iterator[Recorded]:
    mine = iter(range(len(known.datas))) if known else None
    for c in checked:
        env = c.envelope
        if env.kind in _LEDGER_ONLY:
            continue
        kind = EntryKind(env.kind)
        if known is not None and mine is not None:
            i = next(mine)
            # the payload as the log holds it (canonical key order), so that a replay makes the same rows
            payload = orjson.loads(known.datas[i])
            yield Recorded(env.index, kind, env.author, payload, known.datas[i], env.time, known.parsed[i])
        elif env.payload is not None:
            yield Recorded(env.index, kind, env.author, env.payload, canonical_json(env.payload), env.time)
        elif env.index in sealed:
            data = sealed[env.index].payload
            yield Recorded(env.index, kind, env.author, orjson.loads(data), data, env.time)


def apply(session: Session, recorded: Sequence[Recorded]) -> None:
    """Hand each run of entries of one kind to its applier, in log order."""
    for kind, run in groupby(recorded, key=lambda r: r.kind):
        applier = _APPLIERS.get(kind)
        if applier is None:
            raise InvalidInput([FieldProblem(f"entry {recorded[0].idx}", "kind", f"unknown entry kind {kind!r}")])
        applier(session, list(run))


@cache
def _pool() -> ThreadPoolExecutor:
    return signature_pool()


def load_checker(session: Session) -> Checker:
    """The log's state after its last entry: size, last hash and time, the tree's right edge, the keyring."""
    last = session.execute(select(Entry.idx, Entry.hash, Entry.recorded_at).order_by(Entry.idx.desc()).limit(1)).first()
    if last is None:
        return Checker(Keyring())
    size = last[0] + 1
    keys = subtrees(0, size)
    found = nodes(session, keys)
    return Checker(load_keyring(session), size, last[1], last[2], Frontier(size, [found[k] for k in keys]))


def load_keyring(session: Session) -> Keyring:
    """The keyring, read from the log's own key entries (never from the tables, which are only a view)."""
    ring = Keyring()
    query = select(Entry.line).where(Entry.kind.in_([str(k) for k in KEY_KINDS])).order_by(Entry.idx)
    for line in session.scalars(query):
        env = parse_line(line).envelope
        ring.apply(env.index, env.kind, env.author, env.payload, env.time)
    return ring


def nodes(session: Session, keys: Collection[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of complete subtrees: leaves from the entries, the rest from the tree's nodes.

    A proof needs about 2 log2(n) of them; each is a primary-key lookup, written out as plain SQL
    with one placeholder per key (SQLite scans the table for a row-value IN, and building the
    clauses with the expression language costs more than the lookups).
    """
    leaves = [i for level, i in keys if level == 0]
    upper = [k for k in keys if k[0] > 0]
    found: dict[NodeKey, bytes] = {}
    if leaves:
        query = select(Entry.idx, Entry.hash).where(Entry.idx.in_(leaves))
        found.update(((0, i), h) for i, h in session.execute(query))
    if upper:
        where = " OR ".join(f"(level = :l{n} AND idx = :i{n})" for n in range(len(upper)))
        params = {f"l{n}": level for n, (level, _) in enumerate(upper)} | {f"i{n}": i for n, (_, i) in enumerate(upper)}
        query_text = text(f"SELECT level, idx, hash FROM tree_nodes WHERE {where}")  # noqa: S608 - placeholders only
        found.update(((level, i), h) for level, i, h in session.execute(query_text, params))
    return found


def next_index(session: Session) -> int:
    last = session.scalar(select(func.max(Entry.idx)))
    return 0 if last is None else last + 1


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Entry)) or 0
