"""Input schemas of meetings and commitments."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from trucewatch.registry.schemas import Code, Key
from trucewatch.validation import Strict

Line = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class MeetingKind(StrEnum):
    HIGH_LEVEL = "high_level"
    """Heads of delegation (e.g. the Astana international meetings)."""
    TECHNICAL = "technical"
    """Experts of the joint group."""


class Capacity(StrEnum):
    GUARANTOR = "guarantor"
    PARTY = "party"
    OBSERVER = "observer"
    HOST = "host"
    MEDIATOR = "mediator"


class CommitmentKind(StrEnum):
    CEASEFIRE_MECHANISM = "ceasefire_mechanism"
    DETAINEE_EXCHANGE = "detainee_exchange"
    HUMANITARIAN_ACCESS = "humanitarian_access"
    LOCAL_TRUCE = "local_truce"
    OTHER = "other"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"
    LAPSED = "lapsed"


class AttendanceIn(Strict):
    delegation: Code
    capacity: Capacity


class MeetingIn(Strict):
    key: Key
    kind: MeetingKind
    title: Line
    start: date
    end: date
    place: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    attendance: list[AttendanceIn] = []
    agenda: list[Line] = []
    outcomes: list[Line] = []
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MeetingIn:
        if self.end < self.start:
            raise ValueError(f"end: the meeting ends ({self.end}) before it starts ({self.start})")
        return self


class CommitmentIn(Strict):
    key: Key
    kind: CommitmentKind
    title: Line
    parties: list[Code] = Field(min_length=1)
    agreed_at: Key | None = None
    """Key of the meeting where it was agreed."""
    deadline: date | None = None
    status: CommitmentStatus = CommitmentStatus.OPEN
    source: str | None = None


class CommitmentStatusIn(Strict):
    commitment: Key
    status: CommitmentStatus
    on: date
    note: str | None = None
