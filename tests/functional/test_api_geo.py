"""Geography over HTTP: attribution in report listings, its change log by access rules, zones at a point, places."""

from datetime import date

from tests.conftest import NOW
from tests.factories import SIGNERS
from tests.functional.conftest import MARKER, Api
from trucewatch.geo.schemas import ZoneIn
from trucewatch.geo.service import add_zones
from trucewatch.store.engine import open_database

ALEPPO = [[[37.0, 36.1], [37.3, 36.1], [37.3, 36.3], [37.0, 36.3], [37.0, 36.1]]]
"""A square around Aleppo city, where the seeded reports of 2017-02-03 fall."""


def _hold(api: Api, actor: str, valid_from: str) -> None:
    db = open_database(api.settings.db)
    with db.begin() as session:
        zone = ZoneIn.model_validate(
            {"name": "Aleppo city", "geometry": {"type": "Polygon", "coordinates": ALEPPO}, "controllers": [actor],
             "valid_from": valid_from}
        )  # fmt: skip
        add_zones(session, [zone], signer=SIGNERS["RU"], at=NOW)
    db.dispose()


def test_reports_carry_their_attribution(api: Api) -> None:
    _hold(api, "syrian-government", "2017-01-01")
    one = api.client.get(f"/api/v1/reports/{api.reports['RU-shared']}", headers=api.as_("UN")).json()
    assert one["attribution"]["status"] == "ceasefire"
    assert one["attribution"]["possible_violation"] is True
    assert one["attribution"]["uncertain"] is False
    assert [z["zone"] for z in one["attribution"]["zones"]] == ["Aleppo city"]
    assert one["attribution"]["zones"][0]["actors"][0]["actor"] == "syrian-government"
    listed = api.client.get("/api/v1/reports", headers=api.as_("UN")).json()["items"]
    assert {r["attribution"]["status"] for r in listed} == {"ceasefire"}


def test_attribution_changes_follow_the_access_rules(api: Api) -> None:
    _hold(api, "syrian-government", "2017-01-01")
    _hold(api, "hts", "2017-02-01")
    everything = api.client.get("/api/v1/attribution-changes", headers=api.as_("RU")).json()
    of_reports = [c for c in everything if c["report_id"] is not None]
    assert sorted(c["report_id"] for c in of_reports) == sorted(2 * list(api.reports.values()))
    first, second = of_reports[:4], of_reports[4:]
    assert {(c["before"], c["after"], c["effect"]) for c in first} == {("unmapped", "ceasefire", "started")}
    assert {(c["before"], c["after"], c["effect"]) for c in second} == {("ceasefire", "excluded", "stopped")}
    assert all("Aleppo city by hts [excluded]" in c["reason"] for c in second)
    party = api.client.get("/api/v1/attribution-changes", headers=api.as_("SY-GOV")).json()
    assert sorted(c["report_ref"] for c in party if c["report_id"]) == 2 * ["RU-shared"] + 2 * ["SY-OPP-public"]
    hidden = {c["incident_id"] for c in everything if c["incident_id"]} - {c["incident_id"] for c in party}
    assert len(hidden) == 1  # the incident holding the restricted report: its own attribution is not shown
    own = api.client.get("/api/v1/attribution-changes", headers=api.as_("SY-OPP")).json()
    assert sorted({c["report_ref"] for c in own if c["report_id"]}) == [
        "RU-shared",
        "SY-OPP-public",
        "SY-OPP-restricted",
    ]
    assert MARKER not in str(party)
    assert api.client.get("/api/v1/attribution-changes").status_code == 401
    page = api.client.get(
        "/api/v1/attribution-changes", params={"after": everything[0]["id"], "limit": 2}, headers=api.as_("RU")
    ).json()
    assert [c["id"] for c in page] == [c["id"] for c in everything[1:3]]
    entry = second[0]["entry"]
    by_entry = api.client.get("/api/v1/attribution-changes", params={"entry": entry}, headers=api.as_("RU")).json()
    assert [c for c in by_entry if c["report_id"]] == second
    earlier = api.client.get("/api/v1/attribution-changes", params={"entry": entry - 1}, headers=api.as_("RU"))
    assert [c for c in earlier.json() if c["report_id"]] == first


def test_zones_at_a_point_and_a_day(api: Api) -> None:
    _hold(api, "syrian-government", "2017-01-01")
    _hold(api, "hts", "2017-02-01")
    at = {"latitude": 36.2, "longitude": 37.15}
    jan = api.client.get("/api/v1/zones/at", params={**at, "on": "2017-01-15"}, headers=api.as_("UN")).json()
    assert [(z["zone"], z["actor"], z["designated"], z["ceasefire_covered"]) for z in jan] == [
        ("Aleppo city", "syrian-government", False, True)
    ]
    feb = api.client.get("/api/v1/zones/at", params={**at, "on": "2017-02-15"}, headers=api.as_("UN")).json()
    # HTS, formed on 28 January 2017, was excluded from the ceasefire but not yet designated
    assert [(z["actor"], z["designated"], z["ceasefire_covered"], z["valid_from"]) for z in feb] == [
        ("hts", False, False, "2017-02-01")
    ]
    nowhere = {"latitude": 33.5, "longitude": 36.3, "on": date(2017, 2, 15).isoformat()}
    assert api.client.get("/api/v1/zones/at", params=nowhere, headers=api.as_("UN")).json() == []
    swapped = api.client.get(
        "/api/v1/zones/at", params={"latitude": 36.3, "longitude": 33.5, "on": "2017-02-15"}, headers=api.as_("UN")
    )
    assert swapped.status_code == 422
    assert "latitude and longitude look swapped" in swapped.text
    assert api.client.get("/api/v1/zones/at", params={**at, "on": "2017-02-15"}).status_code == 401


def test_places_are_looked_up_by_any_spelling(api: Api) -> None:
    found = api.client.get("/api/v1/places", params={"name": "دوما"}, headers=api.as_("TR")).json()
    assert found["status"] == "resolved"
    best = found["candidates"][0]
    assert (best["name"], best["governorate"], best["precision"]) == ("Duma", "Rural Damascus", "town")
    vague = api.client.get("/api/v1/places", params={"name": "Jdideh"}, headers=api.as_("TR")).json()
    assert vague["status"] == "ambiguous"
    assert len(vague["candidates"]) > 1
