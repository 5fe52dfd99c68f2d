"""Services of meetings and commitments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Recorded, applies, intake, record
from trucewatch.mechanism.models import Attendance, Commitment, CommitmentParty, CommitmentUpdate, Meeting
from trucewatch.mechanism.schemas import CommitmentIn, CommitmentStatusIn, MeetingIn
from trucewatch.registry.models import Delegation
from trucewatch.registry.schemas import Role
from trucewatch.registry.service import require_author

SECRETARIAT = frozenset({Role.SECRETARIAT})


def list_meetings(session: Session) -> Sequence[Meeting]:
    return session.scalars(select(Meeting).options(selectinload(Meeting.attendance)).order_by(Meeting.starts_on)).all()


def list_commitments(session: Session) -> Sequence[Commitment]:
    query = select(Commitment).options(selectinload(Commitment.parties)).order_by(Commitment.id)
    return session.scalars(query).all()


def add_meetings(session: Session, items: Sequence[MeetingIn], *, signer: Signer, at: datetime) -> None:
    _check_meetings(session, signer.delegation, items)
    record(session, EntryKind.MEETING, signer, [m.model_dump(mode="json") for m in items], at=at)


@intake(EntryKind.MEETING, MeetingIn)
def _check_meetings(session: Session, author: str, items: Sequence[MeetingIn]) -> None:
    require_author(session, author, SECRETARIAT, what="meeting")
    _unique_keys(session, Meeting, [m.key for m in items], "meeting")
    codes = _delegation_ids(session)
    _known_codes(
        codes,
        [
            (f"meeting {m.key}", f"attendance.{i}.delegation", a.delegation)
            for m in items
            for i, a in enumerate(m.attendance)
        ],
    )


@applies(EntryKind.MEETING)
def _apply_meetings(session: Session, entries: Sequence[Recorded]) -> None:
    codes = _delegation_ids(session)
    for entry in entries:
        m = MeetingIn.model_validate(entry.payload)
        meeting = Meeting(
            key=m.key,
            kind=str(m.kind),
            title=m.title,
            starts_on=m.start,
            ends_on=m.end,
            place=m.place,
            agenda=list(m.agenda),
            outcomes=list(m.outcomes),
            source=m.source,
            entry_idx=entry.idx,
        )
        meeting.attendance = [
            Attendance(delegation_id=codes[a.delegation], capacity=str(a.capacity)) for a in m.attendance
        ]
        session.add(meeting)
    session.flush()


def add_commitments(session: Session, items: Sequence[CommitmentIn], *, signer: Signer, at: datetime) -> None:
    _check_commitments(session, signer.delegation, items)
    record(session, EntryKind.COMMITMENT, signer, [c.model_dump(mode="json") for c in items], at=at)


@intake(EntryKind.COMMITMENT, CommitmentIn)
def _check_commitments(session: Session, author: str, items: Sequence[CommitmentIn]) -> None:
    require_author(session, author, SECRETARIAT, what="commitment")
    _unique_keys(session, Commitment, [c.key for c in items], "commitment")
    _known_codes(
        _delegation_ids(session),
        [(f"commitment {c.key}", f"parties.{i}", code) for c in items for i, code in enumerate(c.parties)],
    )
    meetings = set(session.scalars(select(Meeting.key)))
    missing = [
        FieldProblem(f"commitment {c.key}", "agreed_at", f"no meeting with key {c.agreed_at!r}")
        for c in items
        if c.agreed_at is not None and c.agreed_at not in meetings
    ]
    if missing:
        raise InvalidInput(missing)


@applies(EntryKind.COMMITMENT)
def _apply_commitments(session: Session, entries: Sequence[Recorded]) -> None:
    codes = _delegation_ids(session)
    meetings = dict(session.execute(select(Meeting.key, Meeting.id)).all())
    for entry in entries:
        c = CommitmentIn.model_validate(entry.payload)
        commitment = Commitment(
            key=c.key,
            kind=str(c.kind),
            title=c.title,
            deadline=c.deadline,
            meeting_id=meetings[c.agreed_at] if c.agreed_at else None,
            status=str(c.status),
            source=c.source,
            entry_idx=entry.idx,
        )
        commitment.parties = [CommitmentParty(delegation_id=codes[p]) for p in c.parties]
        session.add(commitment)
    session.flush()


def update_commitment(session: Session, item: CommitmentStatusIn, *, signer: Signer, at: datetime) -> None:
    _check_updates(session, signer.delegation, [item])
    record(session, EntryKind.COMMITMENT_STATUS, signer, [item.model_dump(mode="json")], at=at)


@intake(EntryKind.COMMITMENT_STATUS, CommitmentStatusIn)
def _check_updates(session: Session, author: str, items: Sequence[CommitmentStatusIn]) -> None:
    for item in items:
        require_author(session, author, SECRETARIAT, what=f"commitment {item.commitment}")
        if session.scalar(select(Commitment.id).where(Commitment.key == item.commitment)) is None:
            raise NotFound(f"no commitment with key {item.commitment!r}")


@applies(EntryKind.COMMITMENT_STATUS)
def _apply_commitment_status(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        u = CommitmentStatusIn.model_validate(entry.payload)
        commitment = session.execute(select(Commitment).where(Commitment.key == u.commitment)).scalar_one()
        commitment.status = str(u.status)
        commitment.updates.append(CommitmentUpdate(status=str(u.status), on=u.on, note=u.note, entry_idx=entry.idx))
    session.flush()


def _delegation_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Delegation.code, Delegation.id)).all())


def _known_codes(codes: dict[str, int], refs: Sequence[tuple[str, str, str]]) -> None:
    missing = [
        FieldProblem(rec, fld, f"no delegation with code {code!r}") for rec, fld, code in refs if code not in codes
    ]
    if missing:
        raise InvalidInput(missing)


def _unique_keys(session: Session, table: type[Meeting] | type[Commitment], keys: list[str], what: str) -> None:
    taken = set(session.scalars(select(table.key).where(table.key.in_(keys))))
    dupes = taken | {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise Conflict(f"{what} key already in use: {', '.join(sorted(dupes))}")


def describe_meetings(session: Session) -> list[dict[str, Any]]:
    """Every meeting as JSON-ready data, attendance by delegation code."""
    codes = {i: c for c, i in _delegation_ids(session).items()}
    return [
        {
            "key": m.key, "kind": m.kind, "title": m.title, "starts_on": m.starts_on, "ends_on": m.ends_on,
            "place": m.place, "agenda": m.agenda, "outcomes": m.outcomes, "source": m.source,
            "attendance": [{"delegation": codes[a.delegation_id], "capacity": a.capacity} for a in m.attendance],
        }
        for m in list_meetings(session)
    ]  # fmt: skip


Described = dict[str, Any]


def meetings_around(
    session: Session, day: date, *, limit: int = 3
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The next ``limit`` meetings that end on or after ``day`` (soonest first), and the last ``limit``
    before it (latest first)."""
    meetings = describe_meetings(session)
    upcoming = [m for m in meetings if m["ends_on"] >= day]
    past = [m for m in meetings if m["ends_on"] < day]
    return upcoming[:limit], past[::-1][:limit]


def describe_commitments(session: Session) -> list[dict[str, Any]]:
    """Every commitment as JSON-ready data, with its meeting's key, its parties' codes and its status history."""
    codes = {i: c for c, i in _delegation_ids(session).items()}
    meetings = dict(session.execute(select(Meeting.id, Meeting.key)).all())
    query = select(Commitment).options(selectinload(Commitment.parties), selectinload(Commitment.updates))
    return [
        {
            "key": c.key, "kind": c.kind, "title": c.title, "deadline": c.deadline, "status": c.status,
            "meeting": meetings.get(c.meeting_id) if c.meeting_id is not None else None, "source": c.source,
            "parties": [codes[p.delegation_id] for p in c.parties],
            "updates": [{"status": u.status, "on": u.on, "note": u.note} for u in c.updates],
        }
        for c in session.scalars(query.order_by(Commitment.id))
    ]  # fmt: skip
