"""Plain functions that make test records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from trucewatch.demo.facts import demo_facts
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.registry.schemas import ActorIn
from trucewatch.registry.service import add_actors, add_delegations


def seed_registry(session: Session, at: datetime, *, actors: bool = True) -> None:
    """The demo's nine delegations and, unless told otherwise, its actors."""
    facts = demo_facts()
    add_delegations(session, facts.delegations, author=MECHANISM, at=at)
    if actors:
        add_actors(session, facts.actors, author=MECHANISM, at=at)


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
