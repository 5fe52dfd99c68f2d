from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.ledger.models import Entry
from trucewatch.registry.models import Actor, Delegation
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports


def test_every_write_is_an_entry_in_gapless_log_order(session: Session) -> None:
    seed_registry(session, NOW)
    submit_reports(session, [("a", report()), ("b", report("r-2"))], signers=SIGNERS, now=NOW)
    entries = session.execute(select(Entry.idx, Entry.kind).order_by(Entry.idx)).all()
    assert [idx for idx, _ in entries] == list(range(len(entries)))
    kinds = [kind for _, kind in entries]
    assert kinds.count("delegation") == 9
    assert kinds.count("report") == 2


def test_every_row_points_at_the_entry_that_made_it(session: Session) -> None:
    seed_registry(session, NOW)
    submit_reports(session, [("a", report())], signers=SIGNERS, now=NOW)
    for model in (Delegation, Actor, Report):
        for row in session.scalars(select(model)):
            entry = session.get(Entry, row.entry_idx)
            assert entry is not None
            assert entry.kind == model.__tablename__.rstrip("s")


def test_an_entry_holds_the_canonical_payload(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    submit_reports(session, [("a", report())], signers=SIGNERS, now=NOW)
    line = session.scalars(select(Entry.line).where(Entry.kind == "report")).one()
    assert line.startswith(b'{"entry":{"index":')
    assert b'"statement":{"author":"RU","key":' in line
    payload = line.split(b'"payload":')[1]
    assert payload.startswith(b'{"casualties":{"injured_civilian":5,"killed_civilian":2},"delegation":"RU"')
    assert b" " not in payload.split(b'"narrative"')[0]
