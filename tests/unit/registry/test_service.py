import pytest
from sqlalchemy.orm import Session

from tests.conftest import NOW
from tests.factories import actor, seed_registry, signer
from trucewatch.errors import Conflict, InvalidInput, NotFound
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.registry.schemas import DelegationIn, DesignationIn
from trucewatch.registry.service import (
    ActorIndex,
    add_actors,
    add_delegations,
    add_designation,
    list_actors,
    list_delegations,
)


def test_the_demo_registry_has_nine_delegations_in_their_roles(session: Session) -> None:
    seed_registry(session, NOW)
    roles = {d.code: d.role for d in list_delegations(session)}
    assert roles == {
        "RU": "guarantor",
        "TR": "guarantor",
        "IR": "guarantor",
        "SY-GOV": "party",
        "SY-OPP": "party",
        "UN": "observer",
        "US": "observer",
        "JO": "observer",
        "KZ": "secretariat",
    }


def test_a_delegation_code_is_used_once(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    again = DelegationIn.model_validate({"code": "RU", "name": {"en": "Again"}, "role": "party"})
    with pytest.raises(Conflict, match="RU"):
        add_delegations(session, [again], signer=signer(MECHANISM), at=NOW)


def test_only_the_secretariat_adds_delegations(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    new = DelegationIn.model_validate({"code": "EG", "name": {"en": "Egypt"}, "role": "observer"})
    with pytest.raises(InvalidInput, match="may not do this"):
        add_delegations(session, [new], signer=signer("SY-OPP"), at=NOW)
    add_delegations(session, [new], signer=signer("KZ"), at=NOW)


def test_an_affiliation_must_name_a_known_actor(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    with pytest.raises(InvalidInput) as caught:
        add_actors(
            session,
            [actor(affiliations=[{"actor": "nobody", "relation": "allied_with"}])],
            signer=signer(MECHANISM),
            at=NOW,
        )
    assert caught.value.problems[0].field == "affiliations.0.actor"


def test_designations_are_kept_as_history(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    add_actors(session, [actor()], signer=signer(MECHANISM), at=NOW)
    listing = DesignationIn.model_validate({"authority": "Guarantors", "reference": "Joint list", "from": "2017-02-01"})
    add_designation(session, "test-group", listing, signer=signer("RU"), at=NOW)
    found = next(a for a in list_actors(session) if a.key == "test-group")
    assert [(d.authority, str(d.valid_from)) for d in found.designations] == [("Guarantors", "2017-02-01")]
    with pytest.raises(NotFound):
        add_designation(session, "nobody", listing, signer=signer("RU"), at=NOW)


def test_excluded_groups_of_the_demo_are_designated(session: Session) -> None:
    seed_registry(session, NOW)
    by_key = {a.key: a for a in list_actors(session)}
    isil = next(a for a in by_key.values() if "IS" in [n.name for n in a.aliases])
    assert isil.designations
    assert "excluded" in [c.status for c in isil.ceasefire]


def test_names_resolve_and_shared_names_are_ambiguous(session: Session) -> None:
    seed_registry(session, NOW, actors=False)
    add_actors(
        session,
        [actor("one", aliases=["The Front"]), actor("two", aliases=["the front"])],
        signer=signer(MECHANISM),
        at=NOW,
    )
    index = ActorIndex.load(session)
    assert index.resolve("One").status == "resolved"
    assert index.resolve("THE FRONT").status == "ambiguous"
    assert index.resolve("Nobody").status == "unresolved"
