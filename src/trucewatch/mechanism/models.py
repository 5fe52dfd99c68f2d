"""Tables of meetings and commitments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trucewatch.store.base import Base


class Meeting(Base):
    """A consultation of the mechanism, technical or high-level."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[list[str]] = mapped_column(JSON)
    outcomes: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))

    attendance: Mapped[list[Attendance]] = relationship(order_by="Attendance.id")


class Attendance(Base):
    """A delegation present at a meeting, and in what capacity."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "delegation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    capacity: Mapped[str] = mapped_column(String(16))


class Commitment(Base):
    """A confidence-building measure agreed at a meeting."""

    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), nullable=True, index=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    """Current status: the latest of its status entries."""
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))

    parties: Mapped[list[CommitmentParty]] = relationship(order_by="CommitmentParty.id")
    updates: Mapped[list[CommitmentUpdate]] = relationship(order_by="CommitmentUpdate.id")


class CommitmentParty(Base):
    __tablename__ = "commitment_parties"
    __table_args__ = (UniqueConstraint("commitment_id", "delegation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))


class CommitmentUpdate(Base):
    """One change of a commitment's status, with its note; the history is kept whole."""

    __tablename__ = "commitment_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))
