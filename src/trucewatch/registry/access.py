"""Who may do what, and who may read which record: the one place the role and tier rules live.

DESIGN.md's rules, as tables:

- an :class:`Action` is allowed to a role or not (:data:`ALLOWED`); an anonymous caller is
  the ``public`` role and may only read what is public by nature (checkpoints, proofs, the
  delegations and their public keys);
- a record's tier says who may read it (:func:`can_read`, and :func:`readable` for queries):
  ``public`` anyone, ``shared`` every delegation, ``restricted`` its submitter and the
  guarantors. A record the viewer may not read does not exist for it: services answer
  :class:`~trucewatch.errors.NotFound`, never :class:`~trucewatch.errors.Forbidden`, and
  leave it out of lists, counts and statistics.

Adapters (API, web, CLI) call :func:`authorize` and pass the :class:`Viewer` down; they hold
no rule of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import false, or_, true

from trucewatch.errors import Forbidden, Unauthenticated
from trucewatch.ledger.kinds import Tier
from trucewatch.registry.schemas import Role

PUBLIC = "public"
"""The role of a caller who gave no credentials."""
OPERATOR_ROLE = "operator"
"""Whoever holds the database itself (the local CLI): tiers do not hide what is in the file."""


class Action(StrEnum):
    """Everything a caller can ask of trucewatch, one value per kind of request."""

    READ_DELEGATIONS = "read_delegations"
    READ_ACTORS = "read_actors"
    READ_ZONES = "read_zones"
    READ_REPORTS = "read_reports"
    READ_INCIDENTS = "read_incidents"
    READ_MEETINGS = "read_meetings"
    READ_COMMITMENTS = "read_commitments"
    READ_STATS = "read_stats"
    READ_ENTRIES = "read_entries"
    """The ledger's entries: shared payloads in clear, restricted ones as commitments."""
    READ_CHECKPOINTS = "read_checkpoints"
    """Checkpoints, cosignatures, inclusion and consistency proofs: hashes only."""
    FILE_REPORTS = "file_reports"
    FILE_ZONES = "file_zones"
    FILE_ACTORS = "file_actors"
    """Actors and their designations."""
    MANAGE_DELEGATIONS = "manage_delegations"
    MANAGE_MEETINGS = "manage_meetings"
    """Meetings, commitments and their status."""
    COSIGN_CHECKPOINTS = "cosign_checkpoints"
    DISPUTE_FUSION = "dispute_fusion"
    """Split reports out of an incident, or merge incidents (a signed decision)."""


_READ_ALL = frozenset(a for a in Action if a.value.startswith("read_"))
_PUBLIC_READS = frozenset({Action.READ_DELEGATIONS, Action.READ_CHECKPOINTS})

ALLOWED: Mapping[str, frozenset[Action]] = {
    Role.GUARANTOR: _READ_ALL | {Action.FILE_REPORTS, Action.FILE_ZONES, Action.FILE_ACTORS, Action.DISPUTE_FUSION},
    Role.PARTY: _READ_ALL | {Action.FILE_REPORTS, Action.DISPUTE_FUSION},
    Role.OBSERVER: _READ_ALL | {Action.COSIGN_CHECKPOINTS},
    Role.SECRETARIAT: _READ_ALL
    | {Action.MANAGE_DELEGATIONS, Action.MANAGE_MEETINGS, Action.FILE_ACTORS, Action.DISPUTE_FUSION},
    PUBLIC: _PUBLIC_READS,
    OPERATOR_ROLE: frozenset(Action),
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: a member of a delegation (with its role), or the public."""

    role: str
    delegation: str | None = None
    delegation_id: int | None = None
    member: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.role == PUBLIC


ANONYMOUS = Viewer(PUBLIC)
OPERATOR = Viewer(OPERATOR_ROLE)


def allowed(viewer: Viewer, action: Action) -> bool:
    return action in ALLOWED.get(viewer.role, frozenset())


def authorize(viewer: Viewer, action: Action) -> None:
    """Refuse what the viewer's role may not do: 401 for the public (sign in), 403 for a member."""
    if allowed(viewer, action):
        return
    if viewer.anonymous:
        raise Unauthenticated("sign in: this needs a member's API token (Authorization: Bearer ...)")
    raise Forbidden(f"a member of {viewer.delegation} ({viewer.role}) may not {action.value.replace('_', ' ')}")


def can_read(viewer: Viewer, tier: str, owner: str | None) -> bool:
    """Whether the viewer may know that a record of ``tier``, filed by delegation ``owner``, exists."""
    if tier == Tier.PUBLIC:
        return True
    if viewer.anonymous:
        return False
    if tier == Tier.SHARED:
        return True
    return viewer.role in (Role.GUARANTOR, OPERATOR_ROLE) or (owner is not None and owner == viewer.delegation)


def readable(viewer: Viewer, tier: Any, owner_id: Any) -> Any:
    """SQL condition matching :func:`can_read` on a table's tier and owning-delegation id columns."""
    if viewer.anonymous:
        return tier == str(Tier.PUBLIC)
    if viewer.role in (Role.GUARANTOR, OPERATOR_ROLE):
        return true()
    mine = owner_id == viewer.delegation_id if viewer.delegation_id is not None else false()
    return or_(tier != str(Tier.RESTRICTED), mine)
