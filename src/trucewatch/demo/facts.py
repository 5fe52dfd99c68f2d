"""The demo's facts, shipped as package data (see data/CREDITS.md)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from trucewatch.mechanism.schemas import CommitmentIn, MeetingIn
from trucewatch.registry.schemas import ActorIn, DelegationIn


@dataclass(frozen=True)
class UcdpEvent:
    """The facts of one UCDP GED event (no source text)."""

    ucdp_id: int
    day: date
    date_prec: int
    latitude: float
    longitude: float
    where_prec: int
    place: str
    type_of_violence: int
    side_a: str
    side_b: str
    deaths_a: int
    deaths_b: int
    deaths_civilians: int
    deaths_unknown: int
    violation_type: str


@dataclass(frozen=True)
class DemoFacts:
    delegations: list[DelegationIn]
    actors: list[ActorIn]
    meetings: list[MeetingIn]
    commitments: list[CommitmentIn]


@cache
def demo_facts() -> DemoFacts:
    raw: dict[str, Any] = json.loads(_read("demo_facts.json"))
    return DemoFacts(
        delegations=[DelegationIn.model_validate(d) for d in raw["delegations"]],
        actors=[ActorIn.model_validate(a) for a in raw["actors"]],
        meetings=[MeetingIn.model_validate(m) for m in raw["meetings"]],
        commitments=[CommitmentIn.model_validate(c) for c in raw["commitments"]],
    )


@cache
def ucdp_events() -> tuple[UcdpEvent, ...]:
    """UCDP GED events in Syria, January to March 2017, in date order."""
    rows = csv.DictReader(io.StringIO(_read("ucdp_syria_2017q1.csv")))
    return tuple(_event(row) for row in rows)


def _event(row: dict[str, str]) -> UcdpEvent:
    return UcdpEvent(
        ucdp_id=int(row["ucdp_id"]),
        day=date.fromisoformat(row["date_start"]),
        date_prec=int(row["date_prec"]),
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        where_prec=int(row["where_prec"]),
        place=row["where_coordinates"],
        type_of_violence=int(row["type_of_violence"]),
        side_a=row["side_a"],
        side_b=row["side_b"],
        deaths_a=int(row["deaths_a"]),
        deaths_b=int(row["deaths_b"]),
        deaths_civilians=int(row["deaths_civilians"]),
        deaths_unknown=int(row["deaths_unknown"]),
        violation_type=row["violation_type"],
    )


def _read(name: str) -> str:
    return (files("trucewatch") / "data" / name).read_text(encoding="utf-8")
