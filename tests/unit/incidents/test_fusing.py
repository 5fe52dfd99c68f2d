"""Fusion in the database: placement as reports are stored, full re-fusion, disputes, the merged view."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import KEYS, SIGNERS, report, seed_registry
from trucewatch.errors import InvalidInput
from trucewatch.incidents.decisions import decide
from trucewatch.incidents.fusing import fuse_all
from trucewatch.incidents.models import FusionDecision, FusionRun, Incident
from trucewatch.incidents.schemas import FusionDecisionIn
from trucewatch.incidents.service import IncidentFilter, describe_incidents, list_incidents
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports

DOUMA = {"latitude": 33.5711, "longitude": 36.4017, "place": "Douma"}


@pytest.fixture
def seeded(session: Session) -> Session:
    seed_registry(session, NOW)
    return session


def file(session: Session, *reports: dict[str, Any]) -> None:
    done = submit_reports(session, [(r["ref"], r) for r in reports], signers=SIGNERS, now=NOW)
    assert done.stored == len(reports)


def incident_of(session: Session, ref: str) -> int | None:
    return session.scalar(select(Report.incident_id).where(Report.ref == ref))


def shelling(ref: str, delegation: str, **changes: Any) -> dict[str, Any]:
    base = report(ref, delegation=delegation, occurred_at="2017-02-03T10:00:00Z", **DOUMA, perpetrator="Jaysh al-Islam",
                  target="Syrian Arab Army", narrative="Mortar shells hit Douma.")  # fmt: skip
    return base | changes


def test_accounts_of_one_shelling_make_one_incident_with_their_disagreements(seeded: Session) -> None:
    file(seeded, shelling("ru-1", "RU", casualties={"killed_civilian": 3}))
    file(seeded, shelling("tr-1", "TR", occurred_at="2017-02-03T11:00:00Z", casualties={"killed_civilian": 0},
                          latitude=33.58, longitude=36.41, narrative="Shelling of Douma with mortars."))  # fmt: skip
    file(seeded, shelling("ir-1", "IR", occurred_at="2017-02-03T09:30:00Z", casualties={"killed_civilian": 2},
                          violation_type="armed_clash", place="Duma"))  # fmt: skip
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "tr-1") == incident_of(seeded, "ir-1") is not None
    (found,) = describe_incidents(seeded, list_incidents(seeded, IncidentFilter()))
    assert sorted((m["delegation"], m["ref"]) for m in found["member_refs"]) == [("IR", "ir-1"), ("RU", "ru-1"),
                                                                                  ("TR", "tr-1")]  # fmt: skip
    merged = found["merged"]
    assert merged["killed"] == {"low": 0, "best": 2, "high": 3, "accounts": 3}
    killed = next(d for d in merged["disagreements"] if d["field"] == "killed")
    assert killed["says"] == {"IR": 2, "RU": 3, "TR": 0}
    assert {v["value"] for v in merged["violation_types"]} == {"shelling", "armed_clash"}
    assert merged["location"]["geo_precision"] == "exact"


def test_two_events_in_one_town_on_one_day_of_other_types_are_two_incidents(seeded: Session) -> None:
    """Types two accounts of one event may give (shelling, air strike) can join; these cannot."""
    file(seeded, shelling("ru-1", "RU"), shelling("tr-1", "TR", occurred_at="2017-02-03T10:20:00Z"))
    file(seeded, shelling("ru-2", "RU", occurred_at="2017-02-03T13:00:00Z", violation_type="abduction_detention",
                          narrative="Armed men abducted two aid workers."))  # fmt: skip
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "tr-1")
    assert incident_of(seeded, "ru-2") not in (None, incident_of(seeded, "ru-1"))


def test_a_chain_does_not_join_the_ends_that_contradict_each_other(seeded: Session) -> None:
    file(seeded, shelling("a", "RU", occurred_at="2017-02-03T00:00:00Z", latitude=33.40))
    file(seeded, shelling("c", "TR", occurred_at="2017-02-04T20:00:00Z", latitude=33.70))
    file(seeded, shelling("b", "IR", occurred_at="2017-02-03T00:00:00Z", time_precision="day",
                          geo_precision="town", latitude=33.55))  # fmt: skip
    assert incident_of(seeded, "a") != incident_of(seeded, "c")


def test_a_report_with_only_a_governorate_and_a_month_is_kept_when_nothing_stands_out(seeded: Session) -> None:
    file(seeded, shelling("ru-1", "RU"), shelling("ru-2", "RU", occurred_at="2017-02-20T10:00:00Z", place="Harasta",
                                                 latitude=33.56, longitude=36.37))  # fmt: skip
    vague = report("tr-9", delegation="TR", occurred_at="2017-02-01T00:00:00Z", time_precision="month",
                   latitude=None, longitude=None, geo_precision="governorate", place="Rural Damascus",
                   perpetrator=None, casualties={}, narrative="Shelling in Rif Dimashq this month.")  # fmt: skip
    file(seeded, vague)
    placed = incident_of(seeded, "tr-9")
    assert placed is not None
    assert placed not in (incident_of(seeded, "ru-1"), incident_of(seeded, "ru-2"))  # two candidates: no guess


def test_a_correction_takes_the_place_of_the_report_it_corrects(seeded: Session) -> None:
    file(seeded, shelling("ru-1", "RU"), shelling("tr-1", "TR"))
    file(seeded, shelling("ru-1b", "RU", supersedes="ru-1", casualties={"killed_civilian": 4}))
    old = seeded.scalar(select(Report).where(Report.ref == "ru-1"))
    assert old is not None
    assert old.incident_id is None
    assert incident_of(seeded, "ru-1b") == incident_of(seeded, "tr-1")


def decision(action: str, *refs: tuple[str, str]) -> FusionDecisionIn:
    return FusionDecisionIn.model_validate({"action": action, "reason": "seen on the ground",
                                            "reports": [{"delegation": d, "ref": r} for d, r in refs]})  # fmt: skip


def test_a_split_is_signed_applied_and_kept_by_a_full_refusion(seeded: Session) -> None:
    file(seeded, shelling("ru-1", "RU"), shelling("tr-1", "TR"), shelling("ir-1", "IR"))
    before = incident_of(seeded, "ru-1")
    entry = decide(seeded, decision("split", ("TR", "tr-1")), signer=SIGNERS["TR"], at=NOW)
    assert seeded.scalar(select(FusionDecision.action).where(FusionDecision.entry_idx == entry.idx)) == "split"
    assert incident_of(seeded, "tr-1") != before
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "ir-1") == before
    done = fuse_all(seeded, signer=KEYS.mechanism, at=NOW)
    assert done["reports"] == 3
    assert seeded.scalar(select(FusionRun.incidents)) == 2
    assert incident_of(seeded, "tr-1") != incident_of(seeded, "ru-1")
    assert incident_of(seeded, "ru-1") == before  # the incident that kept most of its reports keeps its id


def test_a_merge_joins_incidents_and_a_full_refusion_keeps_them_joined(seeded: Session) -> None:
    file(seeded, shelling("ru-1", "RU"))
    file(seeded, shelling("tr-1", "TR", occurred_at="2017-02-05T10:00:00Z", violation_type="air_strike"))
    assert incident_of(seeded, "ru-1") != incident_of(seeded, "tr-1")
    decide(seeded, decision("merge", ("RU", "ru-1"), ("TR", "tr-1")), signer=SIGNERS["RU"], at=NOW)
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "tr-1")
    fuse_all(seeded, signer=KEYS.mechanism, at=NOW)
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "tr-1")
    assert len(seeded.scalars(select(Incident.id)).all()) == 1


@pytest.mark.parametrize(
    ("item", "signer", "problem"),
    [
        (decision("split", ("TR", "nope")), "TR", "no current report 'nope'"),
        (decision("merge", ("RU", "ru-1"), ("TR", "tr-1")), "RU", "already in one incident"),
        (decision("split", ("RU", "ru-1"), ("TR", "tr-1")), "RU", "leave some of the incident's reports"),
        (decision("split", ("RU", "ru-1")), "UN", "may not do this"),
    ],
)
def test_a_decision_that_cannot_apply_is_refused_and_changes_nothing(
    seeded: Session, item: FusionDecisionIn, signer: str, problem: str
) -> None:
    file(seeded, shelling("ru-1", "RU"), shelling("tr-1", "TR"))
    before = incident_of(seeded, "ru-1")
    with pytest.raises(InvalidInput, match=problem):
        decide(seeded, item, signer=SIGNERS[signer], at=NOW)
    assert incident_of(seeded, "ru-1") == incident_of(seeded, "tr-1") == before
    assert seeded.scalars(select(FusionDecision)).all() == []


def test_a_merge_names_two_reports() -> None:
    with pytest.raises(ValueError, match="at least two reports"):
        decision("merge", ("RU", "ru-1"))
