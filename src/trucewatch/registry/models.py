"""Tables of the registry."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trucewatch.store.base import Base
from trucewatch.store.types import UTCDateTime


class Delegation(Base):
    """A participant of the mechanism: a state, the UN, a party to the conflict."""

    __tablename__ = "delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    """Short code, e.g. ``RU`` or ``SY-OPP``."""
    name: Mapped[str] = mapped_column(String(200))
    """Name in English."""
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Name by language code (``ru``, ``ar``, ...)."""
    role: Mapped[str] = mapped_column(String(16))
    """``guarantor``, ``party``, ``observer`` or ``secretariat``."""
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))
    """The ledger entry that created it."""

    members: Mapped[list[Member]] = relationship(back_populates="delegation", order_by="Member.id")
    keys: Mapped[list[SigningKey]] = relationship(back_populates="delegation", order_by="SigningKey.id")


class Member(Base):
    """A person who works for a delegation."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("delegation_id", "login"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"), index=True)
    login: Mapped[str] = mapped_column(String(64))
    """Account name, unique within the delegation."""
    display_name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(64))
    """What the member does: ``head_of_delegation``, ``analyst``, ..."""
    local: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """True for a member this server created for an access token (``trucewatch token new``), not a
    ``delegation`` entry of the log: local access state, left out of ``trucewatch verify --db``."""

    delegation: Mapped[Delegation] = relationship(back_populates="members")


class ApiToken(Base):
    """A member's access token to this server's HTTP API: local access state, not a record of the mechanism.

    Only the SHA-256 of the token is kept; the token itself is shown once, when it is made.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    """SHA-256 of the token's text, by which a request's token is looked up."""
    prefix: Mapped[str] = mapped_column(String(8))
    """The token's first 8 characters (``tw_AbCd1``), so that an operator can tell tokens apart."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """From this time on the token is refused; never, when empty."""
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """From this time on the token is refused (``trucewatch token revoke``)."""
    purpose: Mapped[str] = mapped_column(String(8), default="api", server_default="api")
    """``api``: made by ``trucewatch token new``; ``web``: a browser's sign-in, held in its session cookie."""

    member: Mapped[Member] = relationship()


class MemberPassword(Base):
    """A member's password for the web UI's sign-in, as a scrypt hash: local access state, not a record
    of the mechanism (``trucewatch member password``)."""

    __tablename__ = "member_passwords"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    """``scrypt$<log2 n>$<r>$<p>$<base64 salt>$<base64 hash>``."""
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SigningKey(Base):
    """An Ed25519 public key a delegation (or, with no delegation, the mechanism) signs entries with."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"), index=True, nullable=True)
    """The delegation holding the key; empty for the mechanism's own key (checkpoints, genesis)."""
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(128))
    """Raw public key, base64."""
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    """Time of the revocation entry, from which nothing the key signs is accepted."""
    revoked_by_entry: Mapped[int | None] = mapped_column(ForeignKey("entries.idx"), nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))
    """The entry that registered the key."""

    delegation: Mapped[Delegation | None] = relationship(back_populates="keys")


class Actor(Base):
    """An armed group, force or state."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """Stable short key, e.g. ``isil``."""
    name: Mapped[str] = mapped_column(String(200))
    """Name in English."""
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Name by language code."""
    kind: Mapped[str] = mapped_column(String(32))
    """One of :class:`trucewatch.registry.schemas.ActorKind`."""
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))

    aliases: Mapped[list[ActorName]] = relationship(back_populates="actor", order_by="ActorName.id")
    designations: Mapped[list[Designation]] = relationship(order_by="Designation.valid_from")
    ceasefire: Mapped[list[CeasefireStatus]] = relationship(order_by="CeasefireStatus.valid_from")
    affiliations: Mapped[list[Affiliation]] = relationship(
        foreign_keys="Affiliation.actor_id", order_by="Affiliation.id"
    )


class ActorName(Base):
    """Every name and alias of an actor, with its normalised form for lookup."""

    __tablename__ = "actor_names"
    __table_args__ = (UniqueConstraint("actor_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    """As written."""
    normalized: Mapped[str] = mapped_column(String(300), index=True)
    """Folded for lookup (:func:`trucewatch.registry.names.normalize_name`)."""
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class Affiliation(Base):
    """A relation between two actors over a period (member of, allied with, ...)."""

    __tablename__ = "actor_affiliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    relation: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)

    other: Mapped[Actor] = relationship(foreign_keys=[other_id])


class Designation(Base):
    """An authority's listing of an actor (e.g. as a terrorist organisation), over a period."""

    __tablename__ = "designations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    entry_idx: Mapped[int] = mapped_column(ForeignKey("entries.idx"))


class CeasefireStatus(Base):
    """Whether the ceasefire covered an actor over a period, and on what basis."""

    __tablename__ = "ceasefire_statuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    """``signatory``, ``guarantor``, ``excluded`` or ``not_covered``."""
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
