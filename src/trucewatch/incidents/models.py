"""The ``incidents`` table; a report names its incident in ``reports.incident_id``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String
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
    governorate: Mapped[str | None] = mapped_column(String(8), nullable=True)
    violation_type: Mapped[str] = mapped_column(String(32))
