"""The one write path of the core.

Every write goes through :func:`record`: it appends one entry per payload to the
``entries`` table and hands the entries to the applier registered for their
kind, which alone turns them into domain rows, in the same transaction. Because
rows only ever come from entries, the tables can be rebuilt by replaying the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from trucewatch.errors import TrucewatchError
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.models import Entry
from trucewatch.store.engine import lock_writes


@dataclass(frozen=True, slots=True)
class Recorded:
    """An entry as appliers see it."""

    idx: int
    kind: EntryKind
    author: str
    payload: Mapping[str, Any]
    data: bytes
    """The payload's canonical JSON, as stored."""
    recorded_at: datetime
    parsed: Any = None
    """The payload as its service already validated it, when it did (saves the applier a second
    validation); a replay of the log leaves it empty and the applier parses the payload."""


Applier = Callable[[Session, Sequence[Recorded]], None]
_APPLIERS: dict[EntryKind, Applier] = {}


def applies(kind: EntryKind) -> Callable[[Applier], Applier]:
    """Register the function that turns entries of ``kind`` into rows."""

    def register(fn: Applier) -> Applier:
        if kind in _APPLIERS and _APPLIERS[kind] is not fn:
            raise TrucewatchError(f"two appliers registered for entry kind {kind}")
        _APPLIERS[kind] = fn
        return fn

    return register


def record(
    session: Session,
    kind: EntryKind,
    author: str | Sequence[str],
    payloads: Sequence[Mapping[str, Any]],
    *,
    at: datetime,
    encoded: Sequence[bytes] | None = None,
    parsed: Sequence[Any] | None = None,
) -> list[Recorded]:
    """Append one entry per payload and apply them; the caller owns the transaction.

    ``author`` is the author of every payload, or one author per payload. ``encoded``
    holds the payloads' canonical JSON and ``parsed`` their validated form, when the
    caller already made them.
    """
    if not payloads:
        return []
    applier = _APPLIERS.get(kind)
    if applier is None:
        raise TrucewatchError(f"no applier registered for entry kind {kind}")
    lock_writes(session)
    start = next_index(session)
    datas = encoded if encoded is not None else [canonical_json(p) for p in payloads]
    models = parsed if parsed is not None else [None] * len(payloads)
    authors = [author] * len(payloads) if isinstance(author, str) else author
    entries = [
        Recorded(start + i, kind, a, p, d, at, m)
        for i, (a, p, d, m) in enumerate(zip(authors, payloads, datas, models, strict=True))
    ]
    session.execute(
        insert(cast(Table, Entry.__table__)),
        [
            {"idx": e.idx, "kind": str(kind), "author": e.author, "payload": e.data.decode(), "recorded_at": at}
            for e in entries
        ],
    )
    applier(session, entries)
    return entries


def next_index(session: Session) -> int:
    last = session.scalar(select(func.max(Entry.idx)))
    return 0 if last is None else last + 1


def count_entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Entry)) or 0
