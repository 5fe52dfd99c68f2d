"""The ``reports`` table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trucewatch.store.base import Base
from trucewatch.store.types import UTCDateTime


class Report(Base):
    """One account of a possible violation, from one delegation or source. Never edited."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("delegation_id", "ref"),
        Index("ix_reports_occurred_at_id", "occurred_at", "id"),
        Index("ix_reports_time_precision_occurred_at", "time_precision", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"), index=True)
    ref: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    time_precision: Mapped[str] = mapped_column(String(8))
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    geo_precision: Mapped[str] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(300), nullable=True)
    location: Mapped[str] = mapped_column(String(16), default="reported", server_default="reported")
    """Where the point comes from: ``reported`` (the report gave it), ``gazetteer`` (its place name,
    looked up), or, with no point, ``ambiguous`` or ``unknown`` (the name found several places, or none)."""
    governorate: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    """P-code of the governorate holding the point (point in polygon), e.g. ``SY02``."""
    district: Mapped[str | None] = mapped_column(String(8), nullable=True)
    """P-code of the district holding the point, e.g. ``SY0200``."""
    violation_type: Mapped[str] = mapped_column(String(32), index=True)
    perpetrator: Mapped[str | None] = mapped_column(String(300), nullable=True)
    perpetrator_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), nullable=True, index=True)
    target: Mapped[str | None] = mapped_column(String(300), nullable=True)
    target_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), nullable=True)
    killed_civilian: Mapped[int | None] = mapped_column(Integer, nullable=True)
    killed_combatant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    killed_unknown: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured_civilian: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured_combatant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    injured_unknown: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weapons: Mapped[list[str]] = mapped_column(JSON)
    narrative: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str | None] = mapped_column(String(35), nullable=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    tier: Mapped[str] = mapped_column(String(16))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), nullable=True, unique=True)
    """The report this one corrects; a report is superseded at most once."""
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True, index=True)
    """The incident the report was fused into (docs/fusion.md)."""
    place_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """How fusion compares the place name: the gazetteer's place it names (``@`` and its id) or its
    skeleton; worked out when the report is placed."""
    sketch: Mapped[bytes | None] = mapped_column(LargeBinary(64), nullable=True)
    """The narrative's MinHash sketch (16 unsigned 32-bit values, little-endian), worked out when the
    report is placed."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the report's canonical JSON: re-importing the same report adds nothing."""
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
