import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import actor, seed_registry, signer
from trucewatch.errors import InvalidInput
from trucewatch.geo.models import Zone
from trucewatch.geo.schemas import ZoneIn
from trucewatch.geo.service import add_zones
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.registry.service import add_actors
from trucewatch.validation import parse

SQUARE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]]}


def test_a_zone_is_stored_with_its_controllers(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    add_actors(session, [actor()], signer=signer(MECHANISM), at=NOW)
    zone = ZoneIn.model_validate(
        {"name": "Pocket", "geometry": SQUARE, "controllers": ["test-group"], "valid_from": "2017-01-01"}
    )
    add_zones(session, [zone], signer=signer("RU"), at=NOW)
    stored = session.scalars(select(Zone)).one()
    assert len(stored.controllers) == 1
    assert stored.valid_to is None


def test_a_zone_names_known_actors(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    zone = ZoneIn.model_validate(
        {"name": "Pocket", "geometry": SQUARE, "controllers": ["nobody"], "valid_from": "2017-01-01"}
    )
    with pytest.raises(InvalidInput, match="no actor with key 'nobody'"):
        add_zones(session, [zone], signer=signer("RU"), at=NOW)


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        ({"type": "Point", "coordinates": [36, 35]}, "must be a GeoJSON Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[36, 35], [37, 36], [37, 35], [36, 36], [36, 35]]]},
            "not a valid polygon",
        ),
        ({"type": "Polygon", "coordinates": "nonsense"}, "not valid GeoJSON"),
    ],
)
def test_a_bad_polygon_is_refused_naming_the_geometry(geometry: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(ZoneIn, {"name": "z", "geometry": geometry, "controllers": ["a"], "valid_from": "2017-01-01"}, "zone z")
    assert caught.value.problems[0].field == "geometry"
    assert problem in caught.value.problems[0].problem
