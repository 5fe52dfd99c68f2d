"""What a delegation signs to dispute a fusion, and what a full re-fusion records."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from trucewatch.registry.schemas import Code
from trucewatch.reports.schemas import Ref, Text
from trucewatch.validation import Strict


class DecisionAction(StrEnum):
    SPLIT = "split"
    """The reports named leave their incident and make one of their own, never again joined with
    the reports they leave."""
    MERGE = "merge"
    """The incidents of the reports named are one: they are joined, and stay joined."""


class ReportRef(Strict):
    """A report by its delegation's code and that delegation's own ref."""

    delegation: Code
    ref: Ref


class FusionDecisionIn(Strict):
    """A dispute of a fusion (docs/fusion.md#disputes): a signed ``fusion_decision`` entry."""

    action: DecisionAction
    reports: list[ReportRef] = Field(min_length=1, max_length=1000)
    reason: Text

    @model_validator(mode="after")
    def _enough(self) -> FusionDecisionIn:
        if self.action == DecisionAction.MERGE and len(self.reports) < 2:
            raise ValueError("a merge names at least two reports, one in each incident to join")
        keys = [(r.delegation, r.ref) for r in self.reports]
        if len(set(keys)) != len(keys):
            raise ValueError("a report is named twice")
        return self


class FusionIn(Strict):
    """A full re-fusion (``fusion`` entry): the model every report was fused with; replaying it
    fuses the same reports into the same incidents."""

    model: dict[str, Any]
    reports: int = Field(ge=0)
    partition_days: float = Field(gt=0)
