"""Authors sign statements with no place in the log; the log places them, once each."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.errors import Conflict, InvalidInput
from trucewatch.ledger.audit import verify_log
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import (
    TIME_TOLERANCE,
    EntryError,
    encode_statement,
    parse_line,
    parse_statement,
    place,
    sign_statements,
)
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.merkle import leaf_hash
from trucewatch.ledger.models import Entry
from trucewatch.ledger.service import file_submissions, load_checker
from trucewatch.reports.models import Report


def _statement(ref: str, at=NOW) -> bytes:  # type: ignore[no-untyped-def]
    ru = SIGNERS["RU"]
    return encode_statement("report", "RU", ru.key_id, at, payload=canonical_json(report(ref)))


def _log_lines(session: Session) -> list[bytes]:
    return list(session.scalars(select(Entry.line).order_by(Entry.idx)))


def test_a_statement_is_canonical_json_whatever_its_payload() -> None:
    statement = _statement("r-1")
    assert canonical_json(parse_statement(statement).payload) in statement
    with pytest.raises(EntryError, match="canonical"):
        parse_statement(statement.replace(b'"v":1', b'"v": 1'))


def test_a_client_signed_submission_is_placed_after_whatever_came_first(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    mine = sign_statements(SIGNERS["RU"], "report", [_statement("r-1")], NOW)
    file_submissions(
        session,
        EntryKind.REPORT,
        sign_statements(
            SIGNERS["TR"],
            "report",
            [
                encode_statement(
                    "report", "TR", SIGNERS["TR"].key_id, NOW, payload=canonical_json(report("t-1", delegation="TR"))
                )
            ],
            NOW,
        ),
    )
    file_submissions(session, EntryKind.REPORT, mine)
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    assert verify_log(_log_lines(session), []).problem is None


def test_a_sealed_batch_signs_once_for_its_members_statements(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    statements = [_statement(f"r-{i}") for i in range(5)]
    (batch,) = sign_statements(SIGNERS["RU"], "report", statements, NOW)
    assert batch.seal is not None
    assert batch.size == 6
    file_submissions(session, EntryKind.REPORT, [batch])
    parsed = [parse_line(line) for line in _log_lines(session)[-6:]]
    assert [p.signature is None for p in parsed] == [True] * 5 + [False]
    assert [p.statement_bytes for p in parsed[:5]] == statements
    assert verify_log(_log_lines(session), []).problem is None


def test_statements_signed_a_little_out_of_order_are_accepted_but_not_beyond_the_tolerance(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    later = NOW + timedelta(minutes=10)
    file_submissions(
        session, EntryKind.REPORT, sign_statements(SIGNERS["RU"], "report", [_statement("r-1", later)], later)
    )
    slightly = later - TIME_TOLERANCE + timedelta(seconds=1)
    file_submissions(
        session, EntryKind.REPORT, sign_statements(SIGNERS["RU"], "report", [_statement("r-2", slightly)], slightly)
    )
    stale = later - TIME_TOLERANCE - timedelta(seconds=1)
    with pytest.raises(InvalidInput, match="time: falls more than 300 s behind"):
        file_submissions(
            session, EntryKind.REPORT, sign_statements(SIGNERS["RU"], "report", [_statement("r-3", stale)], stale)
        )
    assert verify_log(_log_lines(session), []).problem is None


def test_a_signed_statement_replayed_elsewhere_in_the_log_is_refused_by_store_and_verifier(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    submission = sign_statements(SIGNERS["RU"], "report", [_statement("r-1")], NOW)
    file_submissions(session, EntryKind.REPORT, submission)
    size = load_checker(session).size
    with pytest.raises(Conflict, match=rf"entry {size}: the same signed statement is already entry {size - 1}"):
        file_submissions(session, EntryKind.REPORT, submission)
    good = _log_lines(session)
    copy, _ = place(len(good), leaf_hash(good[-1]), submission)
    verdict = verify_log([*good, *copy], [])
    assert verdict.problem is not None
    assert verdict.problem.index == len(good)
    assert "replay" in verdict.problem.reason


def test_a_write_that_rolled_back_leaves_the_next_write_a_true_view_of_the_log(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    before = load_checker(session).size
    savepoint = session.begin_nested()
    file_submissions(session, EntryKind.REPORT, sign_statements(SIGNERS["RU"], "report", [_statement("r-1")], NOW))
    savepoint.rollback()
    file_submissions(session, EntryKind.REPORT, sign_statements(SIGNERS["RU"], "report", [_statement("r-2")], NOW))
    assert load_checker(session).size == before + 1
    assert verify_log(_log_lines(session), []).problem is None
