"""Counting violations as events: the accounts of one event fused into an incident count once."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry
from trucewatch.analytics.stats import incident_stats
from trucewatch.registry.access import Viewer
from trucewatch.reports.service import submit_reports

DOUMA = {"latitude": 33.5711, "longitude": 36.4017, "place": "Douma"}


def shelling(ref: str, delegation: str, **changes: Any) -> tuple[str, dict[str, Any]]:
    base = report(ref, delegation=delegation, occurred_at="2017-02-03T10:00:00Z", **DOUMA, perpetrator="Jaysh al-Islam",
                  target="Syrian Arab Army", narrative="Mortar shells hit Douma.")  # fmt: skip
    return ref, base | changes


def test_accounts_of_one_event_count_once_under_the_type_most_give(session: Session) -> None:
    seed_registry(session, NOW)
    filed = [
        shelling("ru-1", "RU"),
        shelling("tr-1", "TR", occurred_at="2017-02-03T09:40:00Z"),
        shelling("ir-1", "IR", violation_type="armed_clash", place="Duma"),
        shelling(
            "ru-2",
            "RU",
            occurred_at="2017-02-04T15:00:00Z",
            violation_type="abduction_detention",
            narrative="Armed men abducted two aid workers.",
        ),
    ]
    for ref, data in filed:
        assert submit_reports(session, [(ref, data)], signers=SIGNERS, now=NOW).stored == 1
    figures = incident_stats(session)
    assert figures == {
        "incidents": 2,
        "by_day": {"2017-02-03": {"shelling": 1}, "2017-02-04": {"abduction_detention": 1}},
        "by_type": {"abduction_detention": 1, "shelling": 1},
        "by_governorate": {"Rural Damascus": 2},
    }
    later = incident_stats(session, since=datetime(2017, 2, 4, tzinfo=UTC))
    assert later["by_day"] == {"2017-02-04": {"abduction_detention": 1}}


def test_a_restricted_account_counts_only_for_its_readers(session: Session) -> None:
    seed_registry(session, NOW)
    ref, data = shelling("sy-1", "SY-OPP", tier="restricted")
    submit_reports(session, [(ref, data)], signers=SIGNERS, now=NOW)
    assert incident_stats(session)["incidents"] == 1
    outsider = Viewer(role="observer", delegation="UN")
    assert incident_stats(session, viewer=outsider) == {
        "incidents": 0,
        "by_day": {},
        "by_type": {},
        "by_governorate": {},
    }
