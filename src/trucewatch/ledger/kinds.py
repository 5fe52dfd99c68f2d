"""The kinds of entry: every kind of write the core knows."""

from __future__ import annotations

from enum import StrEnum

MECHANISM = "mechanism"
"""Author of writes made by the mechanism itself (bootstrap, secretariat tooling)."""


class EntryKind(StrEnum):
    """Every kind of write; each has exactly one applier that turns it into rows."""

    GENESIS = "genesis"
    """Entry 0: the mechanism's origin (the log's name) and its public key."""
    KEY = "key"
    """A delegation's new public key, valid for a period (rotation)."""
    KEY_REVOCATION = "key_revocation"
    """A key is revoked: nothing it signs from this entry on is accepted."""
    SEAL = "seal"
    """Signs for the batch of entries just before it, by a Merkle root over them."""
    ERASURE = "erasure"
    """A restricted payload is erased at its submitter's request; its commitment stays."""

    DELEGATION = "delegation"
    """A delegation joins the mechanism, with its members."""
    ACTOR = "actor"
    """An armed actor enters the registry, with names, aliases and history."""
    DESIGNATION = "designation"
    """An authority designates (or de-lists) an actor from a date."""
    ZONE = "zone"
    """A version of an area of control, valid from a date (it closes the zone's version before it)."""
    PLACE = "place"
    """A place the mechanism adds to the gazetteer."""
    REPORT = "report"
    """An account of a possible violation, or a correction superseding one."""
    MEETING = "meeting"
    """A meeting of the mechanism: dates, place, attendance, agenda, outcomes."""
    COMMITMENT = "commitment"
    """A confidence-building measure agreed at a meeting."""
    COMMITMENT_STATUS = "commitment_status"
    """A change in a commitment's status."""
    FUSION = "fusion"
    """A full re-fusion of the reports into incidents, with the model it learned."""
    FUSION_DECISION = "fusion_decision"
    """A delegation's dispute of a fusion: reports split out of their incident, or incidents merged."""


KEY_KINDS = frozenset({EntryKind.GENESIS, EntryKind.DELEGATION, EntryKind.KEY, EntryKind.KEY_REVOCATION})
"""Kinds that change who may sign: their payloads are never sealed, and the keyring reads them."""


class Tier(StrEnum):
    """Who may read a record (DESIGN.md). Enforced on reads by the access-control issue; the signed
    ledger will keep restricted payloads as salted commitments."""

    RESTRICTED = "restricted"
    """Its submitter and the guarantors."""
    SHARED = "shared"
    """Every delegation."""
    PUBLIC = "public"
    """Anyone."""
