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

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import groupby
from typing import Any, cast
from weakref import WeakKeyDictionary

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound, TrucewatchError
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.checker import Checked, Checker, LogError, signature_pool
from trucewatch.ledger.entries import (
    Signer,
    Submission,
    commitment,
    make_statement,
    parse_line,
    place,
    sign_statements,
    statement_hash,
)
from trucewatch.ledger.intake import open_submission
from trucewatch.ledger.keyring import Keyring
from trucewatch.ledger.kinds import KEY_KINDS, EntryKind, Tier
from trucewatch.ledger.merkle import Frontier, NodeKey, subtrees
from trucewatch.ledger.models import Entry, SealedPayload, TreeNode
from trucewatch.store.engine import lock_writes
from trucewatch.validation import problems_of


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


_FOLLOWERS: dict[EntryKind, list[tuple[int, Applier]]] = {}
_BATCHED: set[EntryKind] = set()


def follows(*kinds: EntryKind, order: int, batched: bool = False) -> Callable[[Applier], Applier]:
    """Register a function that runs after the applier of ``kinds``, with the same entries: work a
    higher layer derives from them (attribution of reports to zones). Followers run by ``order``;
    ``batched`` hands them one batch at a time (see :func:`apply`)."""

    def register(fn: Applier) -> Applier:
        for kind in kinds:
            listed = _FOLLOWERS.setdefault(kind, [])
            if all(f is not fn for _, f in listed):
                listed.append((order, fn))
                listed.sort(key=lambda f: f[0])
            if batched:
                _BATCHED.add(kind)
        return fn

    return register


Intake = Callable[[Session, str, Sequence[Any]], None]
"""Checks a service makes before items of its kind, written by ``author``, are stored (roles,
references to other records, uniqueness); raises the problem it finds."""
_INTAKES: dict[EntryKind, tuple[type[BaseModel], Intake]] = {}


def intake(kind: EntryKind, model: type[BaseModel]) -> Callable[[Intake], Intake]:
    """Register how statements of ``kind`` signed elsewhere are taken in: their payload's model
    and the service's checks (:func:`file_signed` runs them)."""

    def register(fn: Intake) -> Intake:
        _INTAKES[kind] = (model, fn)
        return fn

    return register


def file_signed(
    session: Session,
    kind: EntryKind,
    submission: Submission,
    *,
    author: str,
    now: datetime,
) -> list[Recorded]:
    """Store a submission of ``kind`` that ``author`` signed elsewhere (the HTTP API), after the checks
    its service makes when it signs one itself; all or nothing. Reports have their own path
    (:func:`trucewatch.reports.service.file_signed_reports`): only they may be restricted."""
    if kind not in _INTAKES:
        raise InvalidInput([FieldProblem("statements", "kind", f"entries of kind {kind} are not taken from clients")])
    opened = open_submission(submission, {}, kind=kind, author=author, now=now)
    signed = submission.seal if submission.seal is not None else submission.statements[0]
    known = session.scalar(select(Entry.idx).where(Entry.statement_hash == statement_hash(signed)))
    if known is not None:  # before the service's checks, which may see the first copy as a conflict of its own
        raise Conflict(f"the same signed statement is already entry {known}")
    model, check = _INTAKES[kind]
    items: list[Any] = []
    problems: list[FieldProblem] = []
    for i, payload in enumerate(opened.payloads):
        try:
            items.append(model.model_validate(payload))
        except ValidationError as exc:
            problems.extend(problems_of(exc, f"statements[{i}].payload"))
    if problems:
        raise InvalidInput(problems)
    check(session, author, items)
    return file_submissions(session, kind, [submission], known=Known(opened.datas, items))


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
    """Sign one statement per payload, place them in the log, apply them; the caller owns the transaction.

    ``signer`` signs every payload, or there is one signer per payload. Consecutive
    payloads by one signer form a sealed batch: one signature over a Merkle root.
    ``encoded`` holds the payloads' canonical JSON and ``parsed`` their validated
    form, when the caller already made them.
    """
    if not payloads:
        return []
    signers = [signer] * len(payloads) if not isinstance(signer, Sequence) else list(signer)
    datas = list(encoded) if encoded is not None else [canonical_json(p) for p in payloads]
    submissions: list[Submission] = []
    sealed: dict[int, Sealed] = {}
    pos = 0
    for _, run in groupby(signers, key=id):
        count = len(list(run))
        statements = [
            _statement(kind, signers[pos], payloads[i], datas[i], at, sealed, i) for i in range(pos, pos + count)
        ]
        submissions.extend(sign_statements(signers[pos], str(kind), statements, at))
        pos += count
    extra = list(parsed) if parsed is not None else [None] * len(payloads)
    return file_submissions(session, kind, submissions, sealed, known=Known(datas, extra))


def file_submissions(
    session: Session,
    kind: EntryKind,
    submissions: Sequence[Submission],
    sealed: Mapping[int, Sealed] | None = None,
    *,
    known: Known | None = None,
) -> list[Recorded]:
    """Place signed submissions (signed here, or by a remote client) at the end of the log, then store
    and apply them. ``sealed`` holds restricted payloads by the position of their statement."""
    if kind not in _APPLIERS:
        raise TrucewatchError(f"no applier registered for entry kind {kind}")
    lock_writes(session)
    checker = _writer_checker(session)
    lines, placed = place(checker.size, checker.last_hash, submissions)
    return _store(session, checker, lines, {placed[i]: s for i, s in (sealed or {}).items()}, known)


@dataclass(frozen=True, slots=True)
class Known:
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
    """Append lines placed elsewhere (a log being rebuilt) and apply them.

    In a rebuild, ``erased`` names the restricted entries whose payload an erasure entry erased:
    they are kept without rows. Any other restricted entry must come with its payload.
    """
    lock_writes(session)
    return _store(session, _writer_checker(session), lines, dict(sealed or {}), None, erased=erased)


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
    _refuse_replays(session, checked)
    _write(session, checked, sealed or {})
    return checked


def _statement(
    kind: EntryKind,
    signer: Signer,
    payload: Mapping[str, Any],
    data: bytes,
    at: datetime,
    sealed: dict[int, Sealed],
    position: int,
) -> bytes:
    """A payload's statement; a restricted one holds a salted commitment, its payload goes to ``sealed``."""
    restricted = payload.get("tier") == Tier.RESTRICTED and kind not in KEY_KINDS
    statement, salt = make_statement(signer, str(kind), data, at, restricted=restricted)
    if salt is not None:
        sealed[position] = Sealed(salt, data)
    return statement


def _refuse_replays(session: Session, checked: Sequence[Checked]) -> None:
    """A signed statement enters the log once: a copy of one already there is a replay."""
    digests = {statement_hash(c.parsed.statement_bytes): c.envelope.index for c in checked if c.parsed.signature}
    if not digests:
        return
    found = session.execute(select(Entry.idx, Entry.statement_hash).where(Entry.statement_hash.in_(digests)))
    for idx, digest in found:
        raise Conflict(f"entry {digests[bytes(digest or b'')]}: the same signed statement is already entry {idx}")


def _store(
    session: Session,
    checker: Checker,
    lines: Sequence[bytes],
    sealed: Mapping[int, Sealed],
    known: Known | None,
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
                "statement_hash": statement_hash(c.parsed.statement_bytes) if c.parsed.signature else None,
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


def _recorded(checked: Sequence[Checked], sealed: Mapping[int, Sealed], known: Known | None) -> Iterator[Recorded]:
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
    """Hand each run of entries of one kind to its applier, then to its followers, in log order.

    A run of a kind whose followers record what each batch changed is cut at batch boundaries (a
    gap in the indexes, where the batch's seal sits), so that a rebuild, which reads many batches
    at once, makes the same rows as the writes that made them one by one."""
    for kind, run in groupby(recorded, key=lambda r: r.kind):
        applier = _APPLIERS.get(kind)
        if applier is None:
            raise InvalidInput([FieldProblem(f"entry {recorded[0].idx}", "kind", f"unknown entry kind {kind!r}")])
        entries = list(run)
        for group in _batches(entries) if kind in _BATCHED else [entries]:
            applier(session, group)
            for _, follower in _FOLLOWERS.get(kind, ()):
                follower(session, group)


def _batches(entries: list[Recorded]) -> Iterator[list[Recorded]]:
    start = 0
    for i in range(1, len(entries) + 1):
        if i == len(entries) or entries[i].idx != entries[i - 1].idx + 1:
            yield entries[start:i]
            start = i


@cache
def _pool() -> ThreadPoolExecutor:
    return signature_pool()


def load_checker(session: Session) -> Checker:
    """The log's state after its last entry: size, last hash, latest time, the tree's right edge, the keyring."""
    last = _last_entry(session)
    if last is None:
        return Checker(Keyring())
    return _read_checker(session, *last)


_WRITERS: WeakKeyDictionary[Engine, Checker] = WeakKeyDictionary()


def _writer_checker(session: Session) -> Checker:
    """:func:`load_checker` for the writer holding the lock, kept between writes to one database.

    The kept state serves while the log still ends where it left it; after a write that rolled back,
    or one from another process, the log ends elsewhere and the state is read again.
    """
    last = _last_entry(session)
    if last is None:
        return Checker(Keyring())
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    kept = _WRITERS.get(engine)
    if kept is not None and (kept.size, kept.last_hash) == last and kept.pending_batch is None:
        return kept
    checker = _WRITERS[engine] = _read_checker(session, *last)
    return checker


def _last_entry(session: Session) -> tuple[int, bytes] | None:
    """The log's size and its last entry's hash; None for an empty log."""
    last = session.execute(select(Entry.idx, Entry.hash).order_by(Entry.idx.desc()).limit(1)).first()
    return None if last is None else (last[0] + 1, last[1])


def _read_checker(session: Session, size: int, last_hash: bytes) -> Checker:
    keys = subtrees(0, size)
    found = nodes(session, keys)
    latest = session.scalar(select(func.max(Entry.recorded_at)))
    return Checker(load_keyring(session), size, last_hash, latest, Frontier(size, [found[k] for k in keys]))


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


def entry_at(session: Session, index: int | None) -> Entry:
    """Entry ``index``; NotFound when the log is shorter."""
    found = session.get(Entry, index) if index is not None else None
    if found is None:
        raise NotFound(f"no entry {index}" if index is not None else "name an entry: its index or its hash")
    return found


def entry_by_hash(session: Session, digest: bytes) -> Entry:
    found = session.scalar(select(Entry).where(Entry.hash == digest))
    if found is None:
        raise NotFound(f"no entry with hash {digest.hex()}")
    return found


def entry_range(session: Session, start: int, limit: int) -> tuple[list[Entry], bool]:
    """Up to ``limit`` entries from ``start``, and whether more follow."""
    query = select(Entry).where(Entry.idx >= start).order_by(Entry.idx).limit(limit + 1)
    rows = list(session.scalars(query))
    return rows[:limit], len(rows) > limit


def next_index(session: Session) -> int:
    last = session.scalar(select(func.max(Entry.idx)))
    return 0 if last is None else last + 1


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Entry)) or 0
