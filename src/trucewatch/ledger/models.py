"""The ledger's tables: entries in log order, the Merkle tree's nodes, sealed payloads, checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trucewatch.store.base import Base
from trucewatch.store.types import UTCDateTime


class Entry(Base):
    """One signed write, exactly as it was appended: the log itself."""

    __tablename__ = "entries"

    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Log index, from 0, without gaps."""
    kind: Mapped[str] = mapped_column(String(32), index=True)
    """What was written: one of :class:`trucewatch.ledger.kinds.EntryKind`."""
    author: Mapped[str] = mapped_column(String(32))
    """Short code of the delegation that signed the entry, or ``mechanism``."""
    key_id: Mapped[str] = mapped_column(String(16))
    """The signing key's id (16 hex digits)."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    """The entry's time, as signed (UTC)."""
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    """The entry's RFC 6962 leaf hash: SHA-256(0x00 || line)."""
    statement_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, nullable=True)
    """SHA-256 of the signed statement, for a signed entry: a statement enters the log once."""
    line: Mapped[bytes] = mapped_column(LargeBinary)
    """The exact bytes signed and hashed: canonical JSON, see docs/ledger.md."""


class TreeNode(Base):
    """The hash of one complete subtree of the log's Merkle tree above the leaves."""

    __tablename__ = "tree_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Height above the leaves, from 1 (a subtree of 2**level entries)."""
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Position among the subtrees of that level: it covers entries [idx * 2**level, (idx + 1) * 2**level)."""
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class SealedPayload(Base):
    """The payload of a restricted entry, kept off the public log; erased on its submitter's request."""

    __tablename__ = "sealed_payloads"

    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"), primary_key=True, autoincrement=False)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    """Canonical JSON; SHA-256(salt || payload) is the commitment in the entry."""


class Checkpoint(Base):
    """A tree head signed by the mechanism (a C2SP tlog-checkpoint signed note)."""

    __tablename__ = "checkpoints"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)
    """The signed note: checkpoint body, blank line, the mechanism's signature line."""


class Cosignature(Base):
    """A witness's C2SP tlog-cosignature on a checkpoint."""

    __tablename__ = "cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_size", "witness"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_size: Mapped[int] = mapped_column(ForeignKey("checkpoints.size"), index=True)
    witness: Mapped[str] = mapped_column(String(32))
    """Code of the observer delegation that cosigned."""
    key_id: Mapped[str] = mapped_column(String(16))
    """The witness's signing key id."""
    timestamp: Mapped[int] = mapped_column(Integer)
    """Seconds since the epoch, as cosigned."""
    line: Mapped[str] = mapped_column(Text)
    """The signature line, ready to append to the note."""
