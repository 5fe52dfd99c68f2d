"""The API's report writer: a group filed in one transaction, or each of its submissions alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.api.client import signed_reports
from trucewatch.api.schemas import SignedBatchIn, SignedIn
from trucewatch.api.writer import ReportWriter, _Job
from trucewatch.errors import InvalidInput
from trucewatch.ledger.models import Entry
from trucewatch.reports.models import Report
from trucewatch.reports.service import SignedReports, open_signed_reports
from trucewatch.store.engine import Database


def _opened(code: str, *refs: str, narrative: str = "Shelling.") -> SignedReports:
    now = datetime.now(UTC)
    body = signed_reports(SIGNERS[code], [report(ref, delegation=code, narrative=narrative) for ref in refs], at=now)
    model = SignedIn if len(refs) == 1 else SignedBatchIn
    submission, restricted = model.model_validate(body).submission()
    return open_signed_reports(submission, restricted, author=code, now=now)


@pytest.fixture
def writer(database: Database) -> ReportWriter:
    with database.begin() as session:
        seed_registry(session, NOW)
    return ReportWriter(database)


def _count(database: Database, model: type[Entry] | type[Report]) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_group_is_filed_in_one_transaction_in_the_order_it_came(writer: ReportWriter, database: Database) -> None:
    before = _count(database, Entry)
    jobs = [_Job(_opened("RU", "a")), _Job(_opened("TR", "b", "c")), _Job(_opened("SY-GOV", "d"))]
    writer._write(jobs)
    entries = [job.done.result().entries for job in jobs]
    assert entries == [[before], [before + 1, before + 2], [before + 4]]  # the batch's seal is entry before + 3
    assert _count(database, Report) == 4


def test_when_one_submission_fails_the_others_are_filed_alone_and_it_gets_its_own_error(
    writer: ReportWriter, database: Database
) -> None:
    first = _Job(_opened("RU", "same-ref"))
    clash = _Job(_opened("RU", "same-ref", narrative="Another account under the same ref."))
    resent = _Job(_opened("TR", "t-1"))
    again = _Job(resent.submission)
    writer._write([first, clash, resent, again])
    assert first.done.result().stored == 1
    with pytest.raises(InvalidInput, match="already filed a different report as 'same-ref'"):
        clash.done.result()
    assert resent.done.result().stored == 1
    assert (again.done.result().stored, again.done.result().unchanged) == (0, 1)  # the same signed report, sent twice
    assert _count(database, Report) == 2


def test_the_writer_thread_answers_every_request_and_stops(writer: ReportWriter, database: Database) -> None:
    futures = [writer.submit(_opened(code, f"{code}-{i}")) for i in range(5) for code in ("RU", "SY-OPP")]
    assert sum(f.result(timeout=30).stored for f in futures) == 10
    writer.close()
    assert _count(database, Report) == 10
