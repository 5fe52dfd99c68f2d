"""Zones versioned in time, imported as GeoJSON maps, and who held a point on a day."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import seed_registry, signer
from trucewatch.errors import InvalidInput
from trucewatch.geo.models import Zone
from trucewatch.geo.service import export_zones, import_zones, list_zones, parse_feature_collection, zones_at
from trucewatch.ledger.models import Entry

WEST = [[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]
EAST = [[36.5, 35.0], [37.0, 35.0], [37.0, 35.5], [36.5, 35.5], [36.5, 35.0]]
HOLED = [WEST, [[36.2, 35.2], [36.3, 35.2], [36.3, 35.3], [36.2, 35.3], [36.2, 35.2]]]


def feature(name: str, actor: object, rings: list[list[list[float]]] | list[list[float]]) -> dict[str, object]:
    coordinates = rings if isinstance(rings[0][0], list) else [rings]
    return {
        "type": "Feature",
        "properties": {"name": name, "actor": actor},
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


def fc(*features: dict[str, object]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": list(features)}


def load(session: Session, collection: dict[str, object], day: date, *, complete: bool = False) -> object:
    items = parse_feature_collection(session, collection, valid_from=day, source="map.geojson")
    return import_zones(session, items, complete=complete, signer=signer("RU"), at=NOW)


@pytest.fixture
def mapped(session: Session) -> Session:
    seed_registry(session, NOW)
    load(session, fc(feature("West", "Jaish al-Islam", HOLED), feature("East", "Daesh", EAST)), date(2017, 1, 1))
    return session


def test_a_point_is_held_by_its_zone_with_the_actors_standing(mapped: Session) -> None:
    found = zones_at(mapped, 35.1, 36.1, date(2017, 1, 10))
    assert [(f["zone"], f["actor"]) for f in found] == [("West", "jaysh-al-islam")]
    assert set(found[0]) >= {"zone", "actor", "actor_kind", "designated", "ceasefire_covered"}


def test_a_point_in_a_hole_or_off_the_map_is_held_by_no_zone(mapped: Session) -> None:
    assert zones_at(mapped, 35.25, 36.25, date(2017, 1, 10)) == []
    assert zones_at(mapped, 36.0, 38.0, date(2017, 1, 10)) == []
    assert zones_at(mapped, 35.1, 36.1, date(2016, 12, 31)) == []


def test_a_point_on_the_boundary_belongs_to_both_sides(mapped: Session) -> None:
    found = zones_at(mapped, 35.25, 36.5, date(2017, 1, 10))
    assert sorted(f["zone"] for f in found) == ["East", "West"]
    assert all(f["contested"] for f in found)


def test_a_new_map_closes_the_versions_it_replaces_and_keeps_history(mapped: Session) -> None:
    summary = load(
        mapped, fc(feature("West", "Jaish al-Islam", WEST), feature("East", "Daesh", EAST)), date(2017, 2, 1)
    )
    assert summary.replaced == ["West"]  # type: ignore[attr-defined]
    assert summary.unchanged == ["East"]  # type: ignore[attr-defined]
    west = list_zones(mapped, name="West")
    assert [(z.valid_from, z.valid_to) for z in west] == [
        (date(2017, 1, 1), date(2017, 2, 1)),
        (date(2017, 2, 1), None),
    ]
    assert zones_at(mapped, 35.25, 36.25, date(2017, 1, 31)) == []
    assert [f["zone"] for f in zones_at(mapped, 35.25, 36.25, date(2017, 2, 1))] == ["West"]


def test_a_complete_map_ends_the_zones_it_leaves_out(mapped: Session) -> None:
    summary = load(mapped, fc(feature("West", "Jaish al-Islam", HOLED)), date(2017, 3, 1), complete=True)
    assert summary.ended == ["East"]  # type: ignore[attr-defined]
    assert zones_at(mapped, 35.1, 36.9, date(2017, 2, 28))
    assert zones_at(mapped, 35.1, 36.9, date(2017, 3, 1)) == []


def test_overlapping_zones_are_stored_and_reported_contested(mapped: Session) -> None:
    overlap = [[36.4, 35.0], [36.8, 35.0], [36.8, 35.5], [36.4, 35.5], [36.4, 35.0]]
    summary = load(mapped, fc(feature("East", "Daesh", overlap)), date(2017, 2, 1))
    assert [(a, b) for a, b, _ in summary.contested] == [("West", "East")] or [  # type: ignore[attr-defined]
        (a, b)
        for a, b, _ in summary.contested  # type: ignore[attr-defined]
    ] == [("East", "West")]
    found = zones_at(mapped, 35.1, 36.45, date(2017, 2, 2))
    assert sorted(f["zone"] for f in found) == ["East", "West"]
    exported = export_zones(mapped, date(2017, 2, 2))
    west = next(f for f in exported["features"] if f["properties"]["name"] == "West")
    assert west["properties"]["contested_with"] == ["East"]


def test_export_writes_the_map_of_any_day(mapped: Session) -> None:
    load(mapped, fc(feature("West", "Jaish al-Islam", WEST)), date(2017, 2, 1), complete=True)
    jan = export_zones(mapped, date(2017, 1, 15))
    feb = export_zones(mapped, date(2017, 2, 15))
    assert sorted(f["properties"]["name"] for f in jan["features"]) == ["East", "West"]
    assert [f["properties"]["name"] for f in feb["features"]] == ["West"]
    assert jan["features"][0]["properties"]["actor"]


@pytest.mark.parametrize(
    ("collection", "field", "problem"),
    [
        (feature("West", "Jaish al-Islam", WEST), "type", "must be a GeoJSON FeatureCollection, not 'Feature'"),
        ([1, 2], "type", "must be a GeoJSON FeatureCollection"),
        (fc(feature("West", "Nobody at all", WEST)), "properties.actor", "'Nobody at all' is no actor's name"),
        (
            fc(
                feature("Bow", "Jaish al-Islam", [[36.0, 35.0], [36.5, 35.5], [36.5, 35.0], [36.0, 35.5], [36.0, 35.0]])
            ),
            "geometry",
            "is not a valid polygon: Self-intersection",
        ),
        (
            fc(
                feature(
                    "Swapped", "Jaish al-Islam", [[35.0, 36.0], [35.5, 36.0], [35.5, 36.5], [35.0, 36.5], [35.0, 36.0]]
                )
            ),
            "geometry",
            "latitude and longitude look swapped",
        ),
        (
            fc(feature("Paris", "Jaish al-Islam", [[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]])),
            "geometry",
            "is outside Syria's box",
        ),
        (fc(feature("", "Jaish al-Islam", WEST)), "properties.name", "is required"),
        (
            fc(feature("Twice", "Jaish al-Islam", WEST), feature("Twice", "Jaish al-Islam", EAST)),
            "features",
            "two features",
        ),
    ],
)
def test_bad_maps_are_refused_naming_the_feature_and_field_and_nothing_is_stored(
    session: Session, collection: object, field: str, problem: str
) -> None:
    seed_registry(session, NOW)
    before = session.scalar(select(Entry.idx).order_by(Entry.idx.desc()))
    with pytest.raises(InvalidInput) as caught:
        load(session, collection, date(2017, 1, 1))  # type: ignore[arg-type]
    assert any(p.field == field and problem in p.problem for p in caught.value.problems), caught.value.problems
    assert session.scalars(select(Zone)).all() == []
    assert session.scalar(select(Entry.idx).order_by(Entry.idx.desc())) == before


def test_the_map_history_is_not_rewritten(mapped: Session) -> None:
    with pytest.raises(InvalidInput, match="must be after 2017-01-01"):
        load(mapped, fc(feature("West", "Jaish al-Islam", WEST)), date(2016, 12, 1))
