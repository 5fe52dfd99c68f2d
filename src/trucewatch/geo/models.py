"""The zones of control, versioned in time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text
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
    """The first day it no longer holds: set by the zone's next version, or given."""
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))

    controllers: Mapped[list[ZoneControl]] = relationship(order_by="ZoneControl.id")


class ZoneControl(Base):
    """An actor controlling a zone (several for a jointly held or contested zone)."""

    __tablename__ = "zone_control"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))


class MechanismPlace(Base):
    """A place the mechanism added to the shipped gazetteer (``trucewatch place add``)."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    """Name in English (Latin script)."""
    name_ar: Mapped[str | None] = mapped_column(String(200), nullable=True)
    names: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Other names and spellings, any script."""
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(String(16))
    """``town``, ``district`` or ``governorate``: what the point stands for."""
    governorate: Mapped[str | None] = mapped_column(String(8), nullable=True)
    district: Mapped[str | None] = mapped_column(String(8), nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))
