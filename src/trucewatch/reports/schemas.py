"""The report as it arrives: the JSON form shared by files, the API and JSONL lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import numpy as np
from pydantic import Field, NonNegativeInt, StringConstraints, ValidationInfo, field_validator, model_validator

from trucewatch.geo.shapes import outside_box_problem
from trucewatch.ledger.kinds import Tier
from trucewatch.registry.schemas import Code
from trucewatch.reports.taxonomy import GeoPrecision, TimePrecision, ViolationType
from trucewatch.validation import Strict

Ref = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]

CASUALTY_FIELDS = (
    "killed_civilian",
    "killed_combatant",
    "killed_unknown",
    "injured_civilian",
    "injured_combatant",
    "injured_unknown",
)


class Casualties(Strict):
    """Casualty counts; an absent count is unknown, which is not zero."""

    killed_civilian: NonNegativeInt | None = None
    killed_combatant: NonNegativeInt | None = None
    killed_unknown: NonNegativeInt | None = None
    injured_civilian: NonNegativeInt | None = None
    injured_combatant: NonNegativeInt | None = None
    injured_unknown: NonNegativeInt | None = None


class Evidence(Strict):
    """A piece of evidence, known by the SHA-256 of its content."""

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    name: Short | None = None
    media_type: Short | None = None


class ReportIn(Strict):
    """One account of a possible violation. See docs/data-model.md for every field."""

    ref: Ref
    delegation: Code
    occurred_at: datetime
    time_precision: TimePrecision
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: GeoPrecision
    place: Short | None = None
    violation_type: ViolationType
    perpetrator: Short | None = None
    target: Short | None = None
    casualties: Casualties = Field(default_factory=Casualties)
    weapons: list[Short] = Field(default_factory=list)
    narrative: Text | None = None
    language: Language | None = None
    sources: list[Short] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    tier: Tier = Tier.SHARED
    supersedes: Ref | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_precisions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "time_precision" not in data and isinstance(data.get("occurred_at"), str):
            data = {**data, "time_precision": "day" if len(data["occurred_at"]) == 10 else "exact"}
        if "geo_precision" not in data and data.get("latitude") is not None:
            data = {**data, "geo_precision": "exact"}
        elif "geo_precision" not in data and data.get("place"):
            data = {**data, "geo_precision": "town"}
        return data

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        return value

    @field_validator("occurred_at")
    @classmethod
    def _aware_and_past(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("needs a UTC offset, e.g. 2017-02-03T14:00:00Z or +03:00")
        value = value.astimezone(UTC)
        now = (info.context or {}).get("now")
        if now is not None and value > now:
            raise ValueError(f"is in the future ({value.isoformat()} is after {now.isoformat()})")
        return value

    @model_validator(mode="after")
    def _where(self) -> ReportIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("longitude: latitude and longitude go together: give both or neither")
        if self.latitude is None and not self.place:
            raise ValueError("place: a report needs a place: latitude and longitude, or a place name")
        if self.latitude is not None and self.longitude is not None:
            problem = outside_box_problem(np.array([[self.longitude, self.latitude]]))
            if problem:
                raise ValueError(f"latitude: {problem}")
        if self.supersedes is not None and self.supersedes == self.ref:
            raise ValueError("supersedes: a report cannot supersede itself")
        return self
