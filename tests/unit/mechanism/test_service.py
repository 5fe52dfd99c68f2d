import pytest
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import seed_registry, signer
from trucewatch.errors import Conflict, InvalidInput, NotFound
from trucewatch.mechanism.schemas import CommitmentIn, CommitmentStatusIn, MeetingIn
from trucewatch.mechanism.service import (
    add_commitments,
    add_meetings,
    list_commitments,
    list_meetings,
    update_commitment,
)

MEETING = {
    "key": "tech-1",
    "kind": "technical",
    "title": "Joint group",
    "start": "2017-02-06",
    "end": "2017-02-06",
    "place": "Astana",
    "attendance": [{"delegation": "RU", "capacity": "guarantor"}],
}


def test_meetings_record_attendance_with_capacity(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    add_meetings(session, [MeetingIn.model_validate(MEETING)], signer=signer("KZ"), at=NOW)
    meeting = list_meetings(session)[0]
    assert [a.capacity for a in meeting.attendance] == ["guarantor"]
    with pytest.raises(Conflict):
        add_meetings(session, [MeetingIn.model_validate(MEETING)], signer=signer("KZ"), at=NOW)


def test_a_meeting_names_known_delegations(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    bad = MeetingIn.model_validate(MEETING | {"attendance": [{"delegation": "XX", "capacity": "observer"}]})
    with pytest.raises(InvalidInput, match="XX"):
        add_meetings(session, [bad], signer=signer("KZ"), at=NOW)


def test_only_the_secretariat_records_meetings(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    with pytest.raises(InvalidInput, match="may not do this"):
        add_meetings(session, [MeetingIn.model_validate(MEETING)], signer=signer("SY-GOV"), at=NOW)


def test_a_commitment_follows_its_status_updates(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    add_meetings(session, [MeetingIn.model_validate(MEETING)], signer=signer("KZ"), at=NOW)
    item = CommitmentIn.model_validate(
        {
            "key": "swap-1",
            "kind": "detainee_exchange",
            "title": "Exchange",
            "parties": ["SY-GOV", "SY-OPP"],
            "agreed_at": "tech-1",
        }
    )
    add_commitments(session, [item], signer=signer("KZ"), at=NOW)
    update = CommitmentStatusIn.model_validate({"commitment": "swap-1", "status": "fulfilled", "on": "2017-03-01"})
    update_commitment(session, update, signer=signer("KZ"), at=NOW)
    found = list_commitments(session)[0]
    assert found.status == "fulfilled"
    assert [u.status for u in found.updates] == ["fulfilled"]
    with pytest.raises(NotFound):
        update_commitment(session, update.model_copy(update={"commitment": "none"}), signer=signer("KZ"), at=NOW)


def test_a_commitment_names_a_known_meeting(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    item = CommitmentIn.model_validate(
        {"key": "c", "kind": "other", "title": "t", "parties": ["RU"], "agreed_at": "nowhere"}
    )
    with pytest.raises(InvalidInput, match="no meeting"):
        add_commitments(session, [item], signer=signer("KZ"), at=NOW)
