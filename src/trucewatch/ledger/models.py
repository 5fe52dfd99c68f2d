"""The ``entries`` table: one row per write, in log order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from trucewatch.store.base import Base
from trucewatch.store.types import UTCDateTime


class Entry(Base):
    """One write of the core, as recorded: its kind, its author, its payload."""

    __tablename__ = "entries"

    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Log index, from 0, without gaps."""
    kind: Mapped[str] = mapped_column(String(32), index=True)
    """What was written: one of :class:`trucewatch.ledger.kinds.EntryKind`."""
    author: Mapped[str] = mapped_column(String(32))
    """Short code of the delegation that made the write, or ``mechanism``."""
    payload: Mapped[str] = mapped_column(Text)
    """The write's content as canonical JSON."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the mechanism recorded it (UTC)."""
