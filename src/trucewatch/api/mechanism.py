"""Meetings and the commitments agreed at them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import CommitmentOut, MeetingOut, Receipt
from trucewatch.api.signed import Signed, file_statements
from trucewatch.ledger.kinds import EntryKind
from trucewatch.mechanism.service import describe_commitments, describe_meetings
from trucewatch.registry.access import Action, Viewer

router = APIRouter(tags=["mechanism"])
Secretariat = Annotated[Viewer, Depends(allow(Action.MANAGE_MEETINGS))]


@router.get("/meetings", summary="Meetings of the mechanism, oldest first")
def meetings(db: Db, _: Annotated[Viewer, Depends(allow(Action.READ_MEETINGS))]) -> list[MeetingOut]:
    with db.begin() as session:
        found = describe_meetings(session)
    return [MeetingOut.model_validate(m) for m in found]


@router.get("/commitments", summary="Confidence-building measures, with their status history")
def commitments(db: Db, _: Annotated[Viewer, Depends(allow(Action.READ_COMMITMENTS))]) -> list[CommitmentOut]:
    with db.begin() as session:
        found = describe_commitments(session)
    return [CommitmentOut.model_validate(c) for c in found]


@router.post("/meetings", status_code=201, summary="Record meetings (the secretariat), signed")
def add_meetings(db: Db, who: Secretariat, body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.MEETING, body)


@router.post("/commitments", status_code=201, summary="Record commitments agreed at meetings (the secretariat), signed")
def add_commitments(db: Db, who: Secretariat, body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.COMMITMENT, body)


@router.post("/commitment-updates", status_code=201, summary="Record a change in a commitment's status, signed")
def update_commitments(db: Db, who: Secretariat, body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.COMMITMENT_STATUS, body)
