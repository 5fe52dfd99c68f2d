"""The ``incidents`` table (a report names its incident in ``reports.incident_id``), and the
attribution of reports and incidents to the map of control."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trucewatch.store.base import Base
from trucewatch.store.types import UTCDateTime


class Incident(Base):
    """One real-world event and the merged view of its member reports."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_from: Mapped[datetime] = mapped_column(UTCDateTime())
    occurred_to: Mapped[datetime] = mapped_column(UTCDateTime())
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    geo_precision: Mapped[str] = mapped_column(String(16), default="exact", server_default="exact")
    governorate: Mapped[str | None] = mapped_column(String(8), nullable=True)
    violation_type: Mapped[str] = mapped_column(String(32))


class Attribution(Base):
    """Who held the place of one report or incident on its day, by the map as it now stands."""

    __tablename__ = "attributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    """``ceasefire``, ``excluded``, ``mixed``, ``not_covered``, ``unmapped`` or ``unlocated``
    (docs/geography.md)."""
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Each zone touched: ``{"zone_id", "zone", "actors": [{"actor", "designated", "ceasefire_covered", ...}]}``."""
    front_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    """Distance from the point to the nearest front line of its day; empty when the day has none."""
    uncertain: Mapped[bool] = mapped_column(Boolean)
    """The place is known only to a town, district or governorate: every zone its area touches counts."""
    reason: Mapped[str] = mapped_column(Text)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))
    """The entry after which it was last computed (a report, a zone, a designation, ...)."""


class AttributionChange(Base):
    """A report or incident whose attribution changed because the map or a designation did."""

    __tablename__ = "attribution_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True, index=True
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True, index=True
    )
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"), index=True)
    """The entry that changed it (the first of its batch)."""
    before: Mapped[str] = mapped_column(String(16))
    after: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    """Why, in words: ``zone Wadi Barada ended on 2017-01-29; now held by syrian-government``."""


class FusionDecision(Base):
    """A delegation's dispute of a fusion: reports split out of their incident, or incidents merged."""

    __tablename__ = "fusion_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"), unique=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    action: Mapped[str] = mapped_column(String(8))
    """``split`` or ``merge``."""
    reason: Mapped[str] = mapped_column(Text)


class FusionDecisionReport(Base):
    """A report a decision names (side ``a``), or, for a split, one it was split from (side ``b``)."""

    __tablename__ = "fusion_decision_reports"

    decision_id: Mapped[int] = mapped_column(ForeignKey("fusion_decisions.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True, index=True)
    side: Mapped[str] = mapped_column(String(1))


class FusionRun(Base):
    """A full re-fusion (a ``fusion`` entry): the model it learned, which placement uses after it."""

    __tablename__ = "fusion_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"), unique=True)
    reports: Mapped[int] = mapped_column(Integer)
    incidents: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
