"""The zones of control, versioned in time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trucewatch.store.base import Base


class Zone(Base):
    """An area and who controls it, from ``valid_from`` to ``valid_to`` (open when empty)."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str] = mapped_column(Text)
    """Polygon or MultiPolygon as GeoJSON (lon, lat; CRS84)."""
    valid_from: Mapped[date] = mapped_column(Date, index=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))

    controllers: Mapped[list[ZoneControl]] = relationship(order_by="ZoneControl.id")


class ZoneControl(Base):
    """An actor controlling a zone (several for a jointly held or contested zone)."""

    __tablename__ = "zone_control"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
