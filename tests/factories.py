"""Plain functions that make test records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from trucewatch.demo.build import ORIGIN, DemoKeys, with_key
from trucewatch.demo.facts import demo_facts
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.signing import DelegationKey
from trucewatch.registry.schemas import ActorIn
from trucewatch.registry.service import add_actors, add_delegations, start_log

KEYS = DemoKeys.derive(1, [d.code for d in demo_facts().delegations])
SIGNERS = KEYS.delegations
"""Every test delegation's signer, by code (deterministic keys: tests need no secrets)."""


def signer(code: str) -> DelegationKey:
    """The test signer of a delegation, or of the mechanism."""
    return KEYS.mechanism if code == MECHANISM else KEYS.delegations[code]


def start(session: Session, at: datetime) -> None:
    """Entry 0: the test log's genesis, signed by the mechanism's key."""
    start_log(session, origin=ORIGIN, signer=KEYS.mechanism, public_key=KEYS.mechanism.public_key, at=at)


def seed_registry(session: Session, at: datetime, *, actors: bool = True) -> None:
    """The genesis entry, the demo's nine delegations with their keys and, unless told otherwise, its actors."""
    facts = demo_facts()
    start(session, at)
    delegations = [with_key(d, KEYS.delegations[d.code]) for d in facts.delegations]
    add_delegations(session, delegations, signer=KEYS.mechanism, at=at)
    if actors:
        add_actors(session, facts.actors, signer=KEYS.mechanism, at=at)


def actor(key: str = "test-group", **overrides: Any) -> ActorIn:
    data: dict[str, Any] = {"key": key, "kind": "armed_opposition", "names": {"en": key.title()}} | overrides
    return ActorIn.model_validate(data)


def report(ref: str = "r-1", **overrides: Any) -> dict[str, Any]:
    """A valid report in its JSON form: a shelling in eastern Aleppo."""
    base: dict[str, Any] = {
        "ref": ref,
        "delegation": "RU",
        "occurred_at": "2017-02-03T10:15:00Z",
        "time_precision": "exact",
        "latitude": 36.2021,
        "longitude": 37.1343,
        "geo_precision": "exact",
        "place": "Aleppo",
        "violation_type": "shelling",
        "perpetrator": "Jabhat Fateh al-Sham",
        "target": "Government of Syria",
        "casualties": {"killed_civilian": 2, "injured_civilian": 5},
        "weapons": ["mortars"],
        "narrative": "Mortar shells hit a residential quarter.",
        "language": "en",
        "sources": ["field report"],
        "tier": "shared",
    }
    return base | overrides
