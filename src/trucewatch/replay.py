"""The tables are a view of the log: rebuild them from it, and catch any table edited behind its back.

:func:`rebuild` replays every entry of one database into a fresh one through the
store's own checks and the same appliers; :func:`verify_database` verifies the
log (as ``trucewatch verify`` does on an export), the sealed payloads against
their commitments, and then compares every table with a rebuild: a row edited,
added or deleted directly in a table shows up as a difference.

Local access state of one server is not a record of the mechanism, no entry makes
it, and so it is neither rebuilt nor compared: the ``api_tokens`` and ``member_passwords`` tables, and the
members that ``trucewatch token new`` created for tokens (``members.local``). Those
members are left out of the id ranks too, so that a roster member added after them
still matches its rebuild.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Integer, Select, Table, false, insert, select
from sqlalchemy.orm import Session

import trucewatch.geo.service
import trucewatch.incidents.attribution
import trucewatch.incidents.decisions
import trucewatch.incidents.fusing
import trucewatch.mechanism.service
import trucewatch.registry.service
import trucewatch.reports.service
from trucewatch.errors import Conflict, TrucewatchError
from trucewatch.ledger.audit import Problem, Verdict, verify_log
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.checkpoints import published
from trucewatch.ledger.entries import commitment, parse_line
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.models import Checkpoint, Cosignature, Entry, SealedPayload
from trucewatch.ledger.service import Sealed, append, count_entries
from trucewatch.migrations.tables import metadata
from trucewatch.store.engine import open_database
from trucewatch.store.migrate import upgrade

APPLIERS = (
    trucewatch.registry.service,
    trucewatch.geo.service,
    trucewatch.reports.service,
    trucewatch.incidents.attribution,
    trucewatch.incidents.fusing,
    trucewatch.incidents.decisions,
    trucewatch.mechanism.service,
)
"""The modules whose appliers a replay needs (importing them registers them)."""
SKIPPED = frozenset({"alembic_version", "api_tokens", "member_passwords"})
"""Tables no entry makes: Alembic's own, and this server's access tokens and passwords."""
LOCAL_ROWS = {"members": "local"}
"""Tables that also hold rows of this server alone, by the boolean column that marks them."""


def rebuild(
    source: Session, target: Session, *, chunk: int = 2000, progress: Callable[[int], None] | None = None
) -> int:
    """Replay ``source``'s log into the empty database of ``target``; returns the number of entries."""
    if count_entries(target):
        raise Conflict("the database to rebuild into is not empty")
    sealed = {
        i: Sealed(s, p)
        for i, s, p in source.execute(select(SealedPayload.entry_idx, SealedPayload.salt, SealedPayload.payload))
    }
    erased = _erased(source)
    done = 0
    for lines in _chunks(source, chunk):
        first = done
        append(target, lines, {i: sealed[i] for i in range(first, first + len(lines)) if i in sealed}, erased=erased)
        done += len(lines)
        if progress is not None:
            progress(len(lines))
    _copy(source, target, Checkpoint)
    _copy(source, target, Cosignature)
    return done


def _erased(source: Session) -> set[int]:
    """Entries whose restricted payload an erasure entry of the log erased."""
    query = select(Entry.line).where(Entry.kind == str(EntryKind.ERASURE))
    return {int((parse_line(line).envelope.payload or {})["entry"]) for line in source.scalars(query)}


def _chunks(source: Session, size: int) -> Iterator[list[bytes]]:
    """Lines in log order, cut only after a signed line, so that no sealed batch is split."""
    buf: list[bytes] = []
    for line in source.scalars(select(Entry.line).order_by(Entry.idx).execution_options(yield_per=size)):
        buf.append(line)
        if len(buf) >= size and line.endswith(b'"}'):
            yield buf
            buf = []
    if buf:
        yield buf


def _copy(source: Session, target: Session, model: Any) -> None:
    table = cast(Table, model.__table__)
    rows = [dict(r._mapping) for r in source.execute(select(table))]
    if rows:
        target.execute(insert(table), rows)


def verify_database(session: Session, *, log_key: str | None = None) -> Verdict:
    """Verify the live log, its sealed payloads, and that every table equals a rebuild from the log."""
    lines = session.scalars(select(Entry.line).order_by(Entry.idx).execution_options(yield_per=10_000))
    verdict = verify_log(lines, [p.note.encode() for p in published(session)], log_key=log_key)
    if verdict.ok:
        verdict.problem = _sealed(session) or _against_rebuild(session)
        verdict.tables = verdict.problem is None
    return verdict


def _sealed(session: Session) -> Problem | None:
    query = select(SealedPayload.entry_idx, SealedPayload.salt, SealedPayload.payload, Entry.line).join(Entry)
    for idx, salt, payload, line in session.execute(query.order_by(SealedPayload.entry_idx)):
        if parse_line(line).envelope.commitment != commitment(salt, payload):
            return Problem(idx, "its sealed payload does not match the commitment in the log: it was altered")
    return None


def _against_rebuild(session: Session) -> Problem | None:
    with tempfile.TemporaryDirectory(prefix="trucewatch-rebuild-") as folder:
        fresh = open_database(f"sqlite:///{Path(folder) / 'rebuilt.db'}")
        try:
            upgrade(fresh)
            with fresh.begin() as target:
                try:
                    rebuild(session, target)
                except TrucewatchError as exc:
                    return Problem(None, f"the tables cannot be rebuilt from the log: {exc}")
                return difference(snapshot(session), snapshot(target))
        finally:
            fresh.dispose()


Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def snapshot(session: Session) -> Snapshot:
    """Every table's rows that the log makes, by primary key, with generated ids replaced by their rank (a replay
    may skip sequence numbers that a live database used up on rolled-back writes), and references mapped the same
    way. This server's local access state (``SKIPPED``, ``LOCAL_ROWS``) is left out."""
    tables = [t for t in metadata.sorted_tables if t.name not in SKIPPED]
    ranks = {t.name: _ranks(session, t) for t in tables if _generated_id(t)}
    return {t.name: _rows(session, t, ranks) for t in tables}


def _generated_id(table: Table) -> bool:
    pk = list(table.primary_key.columns)
    return (
        len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement is not False and not pk[0].foreign_keys
    )


def _ranks(session: Session, table: Table) -> dict[int, int]:
    column = next(iter(table.primary_key.columns))
    query = _recorded(table, select(column)).order_by(column)
    return {value: rank for rank, value in enumerate(session.scalars(query), start=1)}


def _recorded(table: Table, query: Select[Any]) -> Select[Any]:
    """``query`` limited to the rows of ``table`` that the log makes (not this server's local rows)."""
    flag = LOCAL_ROWS.get(table.name)
    return query if flag is None else query.where(table.c[flag] == false())


def _rows(
    session: Session, table: Table, ranks: Mapping[str, Mapping[int, int]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    mapped: dict[str, Mapping[int, int]] = {}
    for column in table.columns:
        targets = [fk.column.table.name for fk in column.foreign_keys] or ([table.name] if column.primary_key else [])
        if targets and targets[0] in ranks:
            mapped[column.name] = ranks[targets[0]]
    pk = [c.name for c in table.primary_key.columns]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in session.execute(_recorded(table, select(table))):
        values = {
            k: _plain(mapped[k].get(v, v) if k in mapped and v is not None else v) for k, v in row._mapping.items()
        }
        out[tuple(values[k] for k in pk)] = values
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return canonical_json(value).decode()
    return value


def difference(live: Snapshot, rebuilt: Snapshot) -> Problem | None:
    """The first row where the live tables and the rebuild disagree."""
    for name in sorted(set(live) | set(rebuilt)):
        mine, theirs = live.get(name, {}), rebuilt.get(name, {})
        for key in sorted(set(mine) | set(theirs), key=repr):
            problem = _row_problem(mine.get(key), theirs.get(key))
            if problem:
                return Problem(
                    None, f"table {name}, row {_key(key)}: {problem}: the table was edited behind the log's back"
                )
    return None


def _row_problem(live: dict[str, Any] | None, rebuilt: dict[str, Any] | None) -> str | None:
    if live is None:
        return "is missing from the table but the log makes it"
    if rebuilt is None:
        return "is in the table but no entry of the log makes it"
    for column in sorted(live):
        if live[column] != rebuilt.get(column):
            return f"{column} is {live[column]!r} in the table, {rebuilt.get(column)!r} from the log"
    return None


def _key(key: Sequence[Any]) -> str:
    return ", ".join(str(k) for k in key)
