"""Input schemas of the registry."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator

from trucewatch.ledger.signing import usable_public_key
from trucewatch.validation import Strict

Code = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,7}(-[A-Z0-9]{1,8})?$")]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300)]
LanguageNames = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")], Name]


class Role(StrEnum):
    """What a delegation may do in the mechanism (DESIGN.md, "Who uses it")."""

    GUARANTOR = "guarantor"
    """Files reports, findings, zone maps, designations; reads everything."""
    PARTY = "party"
    """Files reports; reads its own and all shared and public records."""
    OBSERVER = "observer"
    """Reads shared and public records; witnesses ledger checkpoints."""
    SECRETARIAT = "secretariat"
    """Manages delegations, accounts, meetings, agendas and minutes."""


REPORTING_ROLES = frozenset({Role.GUARANTOR, Role.PARTY})


class ActorKind(StrEnum):
    """What kind of armed actor this is."""

    GOVERNMENT_FORCE = "government_force"
    FOREIGN_FORCE = "foreign_force"
    ARMED_OPPOSITION = "armed_opposition"
    JIHADIST_GROUP = "jihadist_group"
    KURDISH_FORCE = "kurdish_force"
    MILITIA = "militia"
    OTHER = "other"


class CeasefireCoverage(StrEnum):
    """An actor's standing under the ceasefire over a period."""

    SIGNATORY = "signatory"
    """Signed the ceasefire and is bound and protected by it."""
    GUARANTOR = "guarantor"
    """Forces of a guarantor state."""
    EXCLUDED = "excluded"
    """Expressly excluded (a designated terrorist organisation)."""
    NOT_COVERED = "not_covered"
    """Neither signed nor excluded."""


class Relation(StrEnum):
    MEMBER_OF = "member_of"
    ALLIED_WITH = "allied_with"
    SPLIT_FROM = "split_from"
    MERGED_INTO = "merged_into"
    SUPPORTED_BY = "supported_by"


class Period(Strict):
    """A period of validity; ``to`` is open-ended when empty."""

    valid_from: date = Field(alias="from")
    valid_to: date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"'to' ({self.valid_to}) is before 'from' ({self.valid_from})")
        return self


class MemberIn(Strict):
    login: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    display_name: Name
    function: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "member"


class KeyIn(Strict):
    """A public key registered for a delegation, valid from a time and, optionally, until one."""

    public_key: str
    """Raw Ed25519 public key, base64 (as ``trucewatch keys new`` prints it)."""
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = None

    @field_validator("public_key")
    @classmethod
    def _ed25519(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) != 32:
            raise ValueError("not the base64 of a 32-byte Ed25519 public key")
        if not usable_public_key(raw):
            raise ValueError("not a usable Ed25519 public key (a small-order or invalid point)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> KeyIn:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError(f"valid_to: ({self.valid_to}) is not after valid_from ({self.valid_from})")
        return self


class KeyRevocationIn(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    """Id of the key revoked (16 hex digits)."""
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class DelegationIn(Strict):
    code: Code
    name: LanguageNames = Field(min_length=1)
    role: Role
    members: list[MemberIn] = []
    keys: list[KeyIn] = []

    @model_validator(mode="after")
    def _english_name(self) -> DelegationIn:
        if "en" not in self.name:
            raise ValueError("name needs an English ('en') form")
        return self


class DesignationIn(Period):
    authority: Name
    reference: Annotated[str, StringConstraints(min_length=1)]
    source: str | None = None


class ActorDesignationIn(DesignationIn):
    """A designation of an actor, as a ``designation`` entry holds it."""

    actor: Key


class CeasefireIn(Period):
    status: CeasefireCoverage
    basis: str | None = None
    source: str | None = None


class AffiliationIn(Strict):
    actor: Key
    relation: Relation
    valid_from: date | None = Field(default=None, alias="from")
    valid_to: date | None = Field(default=None, alias="to")
    source: str | None = None


class ActorIn(Strict):
    key: Key
    kind: ActorKind
    names: LanguageNames = Field(min_length=1)
    aliases: list[Name] = []
    affiliations: list[AffiliationIn] = []
    designations: list[DesignationIn] = []
    ceasefire: list[CeasefireIn] = []
    source: str | None = None

    @model_validator(mode="after")
    def _english_name(self) -> ActorIn:
        if "en" not in self.names:
            raise ValueError("names needs an English ('en') form")
        return self
