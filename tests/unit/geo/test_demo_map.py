"""The demo's map of control, January–March 2017, on real geography: known towns in the right zones."""

from datetime import date

import pytest
import shapely

from trucewatch.demo.zones import demo_maps
from trucewatch.geo.admin import syria_gazetteer


def holders(town: str, day: date) -> dict[str, list[str]]:
    """Zone name to its actors, for every zone of ``day``'s map that holds ``town``."""
    place = syria_gazetteer().find(town).place
    assert place is not None, town
    point = shapely.Point(place.longitude, place.latitude)
    _, items = [m for m in demo_maps() if m[0] <= day][-1]
    return {z.name: z.controllers for z in items if shapely.geometry.shape(z.geometry).intersects(point)}


@pytest.mark.parametrize(
    ("town", "day", "zone", "actor"),
    [
        ("Idlib", date(2017, 1, 10), "Idlib", "jabhat-fateh-al-sham"),
        ("Saraqib", date(2017, 2, 10), "Idlib", "hts"),
        ("Maarrat al-Numan", date(2017, 2, 10), "Idlib", "ahrar-al-sham"),
        ("Douma", date(2017, 1, 10), "Eastern Ghouta", "jaysh-al-islam"),
        ("Madaya", date(2017, 1, 10), "Madaya", None),
        ("Rastan", date(2017, 1, 10), "Northern Homs", None),
        ("Raqqa", date(2017, 3, 10), "ISIL", "isil"),
        ("Mayadin", date(2017, 3, 10), "ISIL", "isil"),
        ("Manbij", date(2017, 1, 10), "Manbij", "sdf"),
        ("Qamishli", date(2017, 1, 10), "SDF", "sdf"),
        ("Azaz", date(2017, 1, 10), "Euphrates Shield", "turkish-forces"),
        ("Jarablus", date(2017, 1, 10), "Euphrates Shield", "turkish-forces"),
        ("Afrin", date(2017, 1, 10), "Afrin", "ypg"),
        ("Nawa, Daraa", date(2017, 1, 10), "Daraa and Quneitra", None),
        ("Damascus", date(2017, 1, 10), "Government-held", "syrian-government"),
        ("Latakia", date(2017, 1, 10), "Government-held", "syrian-government"),
        ("Hama", date(2017, 1, 10), "Government-held", "syrian-government"),
        ("Aleppo", date(2017, 3, 10), "Government-held", "syrian-government"),
    ],
)
def test_known_towns_fall_in_their_zones(town: str, day: date, zone: str, actor: str | None) -> None:
    found = holders(town, day)
    names = [n for n in found if n.startswith(zone) or zone in n]
    assert names, f"{town} on {day}: {sorted(found)}"
    if actor is not None:
        assert any(actor in found[n] for n in names), found


@pytest.mark.parametrize(
    ("town", "before", "after", "zone_before", "zone_after"),
    [
        ("Ain al-Fijah", date(2017, 1, 20), date(2017, 2, 5), "Wadi Barada", "Government-held"),
        ("al-Bab", date(2017, 2, 1), date(2017, 3, 1), "ISIL", "Euphrates Shield"),
        ("Palmyra", date(2017, 2, 20), date(2017, 3, 10), "ISIL", "Government-held"),
    ],
)
def test_the_documented_control_changes_of_early_2017(
    town: str, before: date, after: date, zone_before: str, zone_after: str
) -> None:
    assert any(n.startswith(zone_before) for n in holders(town, before)), holders(town, before)
    after_zones = holders(town, after)
    assert any(n.startswith(zone_after) for n in after_zones), after_zones
    assert not any(n.startswith(zone_before) for n in after_zones)


def test_every_days_map_is_valid_and_within_syria() -> None:
    for day, items in demo_maps():
        for z in items:
            shape = shapely.geometry.shape(z.geometry)
            assert shape.is_valid, (day, z.name)
            assert not shape.is_empty, (day, z.name)
