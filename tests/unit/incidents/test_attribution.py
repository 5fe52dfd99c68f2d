"""Attribution of reports to the map: zones, standing, uncertainty, fronts, and what changes it."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import SIGNERS, report, seed_registry, signer
from tests.unit.geo.test_zones import EAST, WEST, fc, feature, load
from trucewatch.geo.schemas import PlaceIn
from trucewatch.geo.service import add_places
from trucewatch.incidents.models import Attribution, AttributionChange
from trucewatch.registry.schemas import DesignationIn
from trucewatch.registry.service import add_designation
from trucewatch.reports.models import Report
from trucewatch.reports.service import submit_reports

IN_WEST = {"latitude": 35.25, "longitude": 36.2}
NEAR_LINE = {"latitude": 35.25, "longitude": 36.49}


@pytest.fixture
def mapped(session: Session) -> Session:
    """West held by Jaysh al-Islam (a signatory), East by ISIL (excluded), from 2017-01-01."""
    seed_registry(session, NOW)
    load(session, fc(feature("West", "Jaish al-Islam", WEST), feature("East", "Daesh", EAST)), date(2017, 1, 1))
    return session


def file(session: Session, ref: str, day: str, **where: object) -> Attribution:
    r = report(ref, occurred_at=f"{day}T10:00:00Z", **where)
    done = submit_reports(session, [(ref, r)], signers=SIGNERS, now=NOW)
    assert done.stored == 1
    return attribution(session, ref)


def attribution(session: Session, ref: str) -> Attribution:
    report_id = session.scalar(select(Report.id).where(Report.ref == ref))
    found = session.scalar(select(Attribution).where(Attribution.report_id == report_id))
    assert found is not None
    session.refresh(found)
    return found


def test_a_report_in_a_signatory_area_is_under_the_ceasefire(mapped: Session) -> None:
    found = file(mapped, "w-1", "2017-01-10", **IN_WEST)
    assert found.status == "ceasefire"
    assert [z["zone"] for z in found.zones] == ["West"]
    assert found.zones[0]["actors"][0]["actor"] == "jaysh-al-islam"
    assert not found.uncertain
    assert found.front_km == pytest.approx(26.4, abs=1.5)  # 0.29 degrees of longitude at 35.25 N


def test_a_report_in_an_excluded_groups_area_is_not_a_violation(mapped: Session) -> None:
    found = file(mapped, "e-1", "2017-01-10", latitude=35.25, longitude=36.8)
    assert found.status == "excluded"
    assert found.zones[0]["actors"][0]["excluded"] is True


def test_a_report_off_the_map_is_unmapped(mapped: Session) -> None:
    assert file(mapped, "o-1", "2017-01-10", latitude=33.5, longitude=36.3).status == "unmapped"


def test_a_town_precision_report_near_the_front_is_attributed_to_both_sides(mapped: Session) -> None:
    exact = file(mapped, "x-1", "2017-01-10", **NEAR_LINE)
    town = file(mapped, "t-1", "2017-01-10", geo_precision="town", **NEAR_LINE)
    assert [z["zone"] for z in exact.zones] == ["West"]
    assert exact.front_km is not None
    assert exact.front_km < 1.0
    assert sorted(z["zone"] for z in town.zones) == ["East", "West"]
    assert town.status == "mixed"
    assert town.uncertain


def test_a_district_precision_report_touches_every_zone_of_its_district(mapped: Session) -> None:
    found = file(mapped, "d-1", "2017-01-10", geo_precision="district", latitude=35.25, longitude=36.49)
    assert len(found.zones) >= 1
    assert found.uncertain


def test_a_control_change_on_day_d_flips_only_the_reports_from_d_on(mapped: Session) -> None:
    before = file(mapped, "b-1", "2017-01-31", **IN_WEST)
    after = file(mapped, "a-1", "2017-02-02", **IN_WEST)
    assert before.status == after.status == "ceasefire"
    load(mapped, fc(feature("West", "Daesh", WEST)), date(2017, 2, 1))
    assert attribution(mapped, "b-1").status == "ceasefire"
    assert attribution(mapped, "a-1").status == "excluded"
    changes = mapped.scalars(select(AttributionChange).where(AttributionChange.report_id.is_not(None))).all()
    assert [(c.before, c.after) for c in changes] == [("ceasefire", "excluded")]
    of_incidents = mapped.scalars(select(AttributionChange).where(AttributionChange.incident_id.is_not(None))).all()
    assert [(c.before, c.after) for c in of_incidents] == [("ceasefire", "excluded")]  # a-1's incident
    assert "map changed from 2017-02-01" in changes[0].reason
    assert "West by isil" in changes[0].reason


def test_a_designation_changes_the_standing_of_the_areas_its_actor_holds(mapped: Session) -> None:
    file(mapped, "j-1", "2017-03-02", **IN_WEST)
    item = DesignationIn.model_validate(
        {"authority": "Test Council", "reference": "List 1", "from": "2017-03-01", "to": None}
    )
    add_designation(mapped, "jaysh-al-islam", item, signer=signer("KZ"), at=NOW)
    found = attribution(mapped, "j-1")
    assert found.zones[0]["actors"][0]["designated"] is True
    # a designated signatory stays covered: the ceasefire status decides, the designation is shown
    assert found.status == "ceasefire"


def test_a_report_naming_an_unknown_place_is_located_when_the_place_is_added(mapped: Session) -> None:
    found = file(mapped, "p-1", "2017-01-10", latitude=None, longitude=None, geo_precision="town", place="Tall Xyzzy")
    assert found.status == "unlocated"
    add_places(
        mapped,
        [PlaceIn(key="tall-xyzzy", name="Tall Xyzzy", latitude=35.25, longitude=36.2)],
        signer=signer("RU"),
        at=NOW,
    )
    row = mapped.scalar(select(Report).where(Report.ref == "p-1"))
    assert row is not None
    mapped.refresh(row)
    assert (row.latitude, row.longitude, row.location, row.geo_precision) == (35.25, 36.2, "gazetteer", "town")
    assert attribution(mapped, "p-1").status in ("ceasefire", "mixed")
    change = mapped.scalars(select(AttributionChange)).one()
    assert change.before == "unlocated"
    assert "tall-xyzzy" in change.reason


def test_a_report_naming_a_known_place_gets_its_point_and_precision(mapped: Session) -> None:
    file(mapped, "n-1", "2017-01-10", latitude=None, longitude=None, geo_precision="exact", place="Douma")
    row = mapped.scalar(select(Report).where(Report.ref == "n-1"))
    assert row is not None
    assert (row.location, row.geo_precision, row.governorate) == ("gazetteer", "town", "SY03")
    file(mapped, "n-2", "2017-01-10", latitude=None, longitude=None, geo_precision="town", place="Jdideh")
    ambiguous = mapped.scalar(select(Report).where(Report.ref == "n-2"))
    assert ambiguous is not None
    assert (ambiguous.location, ambiguous.latitude) == ("ambiguous", None)
