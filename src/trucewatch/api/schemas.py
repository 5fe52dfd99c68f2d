"""The API's own shapes: what it answers (so the OpenAPI document is exact) and signed submissions."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Path as FastPath
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import Submission

MAX_BATCH = 1000
MAX_INT = 2**31 - 1
"""The largest id, index or size the API takes: every database stores it (SQLite and PostgreSQL integers)."""
Id = Annotated[int, FastPath(ge=0, le=MAX_INT, description="A record's id or an entry's index")]
Base64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$", max_length=100_000)]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- signed submissions -------------------------------------------------------------------------


class RestrictedPayload(Out):
    """The payload of a ``restricted`` statement, which holds only its commitment, and the commitment's salt."""

    salt: Base64 = Field(description="base64 of the 32-byte salt")
    payload: dict[str, Any]


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{what} is not base64") from exc


def _signature(value: str) -> str:
    if len(_b64(value, "sig")) != 64:
        raise ValueError("not the base64 of a 64-byte Ed25519 signature")
    return value


Signature = Annotated[Base64, AfterValidator(_signature)]


def _restricted(restricted: dict[int, RestrictedPayload]) -> dict[int, tuple[bytes, bytes]]:
    return {i: (_b64(r.salt, "salt"), canonical_json(r.payload)) for i, r in restricted.items()}


class SignedIn(Out):
    """One statement signed by its author (see docs/ledger.md): the server places it in the log."""

    statement: dict[str, Any] = Field(description="The signed statement, as a JSON object (RFC 8785 form is signed)")
    sig: Signature = Field(description="base64 Ed25519 signature over 'trucewatch/statement/v1\\n' + statement")
    restricted: RestrictedPayload | None = None

    def submission(self) -> tuple[Submission, dict[int, tuple[bytes, bytes]]]:
        restricted = _restricted({0: self.restricted} if self.restricted else {})
        return Submission((canonical_json(self.statement),), _b64(self.sig, "sig")), restricted


class SignedBatchIn(Out):
    """Up to 1,000 statements by one author, signed once through a seal over their Merkle root."""

    statements: list[dict[str, Any]] = Field(min_length=2, max_length=MAX_BATCH)
    seal: dict[str, Any] = Field(description="The seal statement: kind 'seal', payload {root, size}")
    sig: Signature = Field(description="base64 Ed25519 signature over the seal statement")
    restricted: dict[int, RestrictedPayload] = Field(
        default_factory=dict, description="Payloads of restricted statements, by their position"
    )

    def submission(self) -> tuple[Submission, dict[int, tuple[bytes, bytes]]]:
        statements = tuple(canonical_json(s) for s in self.statements)
        sub = Submission(statements, _b64(self.sig, "sig"), canonical_json(self.seal))
        return sub, _restricted(self.restricted)


class Receipt(Out):
    """What a submission did: entries stored (their log indexes), or nothing when it was stored before."""

    stored: int
    unchanged: int
    entries: list[int]
    unresolved: dict[str, int] = Field(description="Perpetrator and target names no registry actor carries")


# --- registry ------------------------------------------------------------------------------------


class KeyOut(Out):
    key_id: str
    public_key: str
    valid_from: datetime
    valid_to: datetime | None
    revoked_at: datetime | None


class MemberOut(Out):
    login: str
    display_name: str
    function: str


class DelegationOut(Out):
    code: str
    name: str
    names: dict[str, str]
    role: str
    keys: list[KeyOut]
    members: list[MemberOut] | None = Field(None, description="Shown to members of the mechanism only")


class DesignationOut(Out):
    authority: str
    reference: str
    valid_from: date
    valid_to: date | None
    source: str | None


class CeasefireOut(Out):
    status: str
    valid_from: date
    valid_to: date | None
    basis: str | None


class ActorOut(Out):
    key: str
    name: str
    names: dict[str, str]
    kind: str
    aliases: list[str]
    designations: list[DesignationOut]
    ceasefire: list[CeasefireOut]


# --- zones (GeoJSON) -------------------------------------------------------------------------------


class ZoneProperties(Out):
    name: str
    controllers: list[str]
    valid_from: date
    valid_to: date | None
    entry: int


class ZoneFeature(Out):
    type: str = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: ZoneProperties


class ZoneCollection(Out):
    type: str = "FeatureCollection"
    features: list[ZoneFeature]


class ZoneHolderOut(Out):
    """One zone holding a point on a day, and one actor controlling it (``GET /zones/at``)."""

    zone: str
    zone_id: int
    actor: str = Field(description="The actor's registry key")
    actor_kind: str
    designated: bool = Field(description="Designated (listed as a terrorist organisation) on that day")
    designated_by: list[str]
    ceasefire_status: str | None
    ceasefire_covered: bool
    contested: bool = Field(description="Zones of different controllers hold the point")
    valid_from: date
    valid_to: date | None


class PlaceOut(Out):
    """A gazetteer candidate for a place name (``GET /places``)."""

    name: str
    name_ar: str | None
    latitude: float
    longitude: float
    precision: str = Field(description="town, district or governorate")
    governorate: str | None
    governorate_pcode: str | None
    district_pcode: str | None
    id: str
    source: str
    match: str = Field(description="exact, variant or fuzzy")
    similarity: float


class PlaceLookupOut(Out):
    query: str
    status: str = Field(description="resolved, ambiguous or unknown")
    candidates: list[PlaceOut]


# --- reports and incidents ---------------------------------------------------------------------


class ZoneActorOut(Out):
    actor: str
    ceasefire_status: str | None
    ceasefire_covered: bool
    designated: bool
    excluded: bool


class ZoneTouchedOut(Out):
    zone: str
    valid_from: date
    actors: list[ZoneActorOut]


class AttributionOut(Out):
    """Who held the place on the day, by the map as it now stands (docs/geography.md)."""

    status: str = Field(description="ceasefire, excluded, mixed, not_covered, unmapped or unlocated")
    possible_violation: bool = Field(description="A zone held by an actor the ceasefire covers is touched")
    zones: list[ZoneTouchedOut]
    front_km: float | None = Field(description="Distance to the nearest front line of the day")
    uncertain: bool = Field(description="Known only to a town, district or governorate, or to a week or month")
    reason: str
    entry: int = Field(description="The entry after which it was last computed")


class AttributionChangeOut(Out):
    id: int
    report_id: int | None
    report_ref: str | None
    incident_id: int | None
    entry: int = Field(description="The entry that changed it: a zone, a designation, a place")
    before: str
    after: str
    effect: str = Field(description="started or stopped being a possible violation, or changed")
    reason: str


class ReportOut(Out):
    id: int
    ref: str
    delegation: str
    occurred_at: str
    time_precision: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    place: str | None
    location: str
    """Where the point comes from: ``reported``, ``gazetteer`` (looked up by place name), or, with no
    point, ``ambiguous`` or ``unknown``."""
    governorate: str | None
    governorate_pcode: str | None
    district_pcode: str | None
    violation_type: str
    perpetrator: str | None
    perpetrator_resolved: bool
    target: str | None
    target_resolved: bool
    casualties: dict[str, int]
    weapons: list[str]
    narrative: str | None
    language: str | None
    sources: list[str]
    evidence: list[dict[str, Any]]
    tier: str
    supersedes_id: int | None
    incident_id: int | None
    entry: int
    attribution: AttributionOut | None = Field(description="Absent only while the report is being stored")


class ReportPage(Out):
    items: list[ReportOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null after the last")


class IncidentOut(Out):
    id: int
    occurred_from: datetime
    occurred_to: datetime
    latitude: float | None
    longitude: float | None
    governorate: str | None
    violation_type: str
    reports: list[int] = Field(description="Ids of the member reports the viewer may read")
    member_refs: list[dict[str, Any]] = Field(description="Each of those reports' id, ref and delegation")
    merged: dict[str, Any] = Field(
        description="The merged view of those reports: best time and place, casualty range (low, best, high), "
        "every type, perpetrator and target alleged, and the disagreements between the accounts (docs/fusion.md)"
    )
    attribution: AttributionOut | None = Field(
        description="The incident's attribution; empty when some member reports are not yours to read"
    )


class IncidentDetail(IncidentOut):
    members: list[ReportOut]


# --- mechanism -----------------------------------------------------------------------------------


class AttendanceOut(Out):
    delegation: str
    capacity: str


class MeetingOut(Out):
    key: str
    kind: str
    title: str
    starts_on: date
    ends_on: date
    place: str
    agenda: list[str]
    outcomes: list[str]
    attendance: list[AttendanceOut]
    source: str | None


class CommitmentUpdateOut(Out):
    status: str
    on: date
    note: str | None


class CommitmentOut(Out):
    key: str
    kind: str
    title: str
    meeting: str | None
    deadline: date | None
    status: str
    parties: list[str]
    updates: list[CommitmentUpdateOut]
    source: str | None


# --- ledger --------------------------------------------------------------------------------------


class EntryOut(Out):
    index: int
    kind: str
    author: str
    key_id: str
    time: datetime
    hash: str = Field(description="RFC 6962 leaf hash of the line, hex")
    line: str = Field(description="The line exactly as stored and hashed (canonical JSON)")


class EntryPage(Out):
    items: list[EntryOut]
    next_start: int | None


class CosignatureIn(Out):
    """An observer's cosignature of a checkpoint (C2SP tlog-cosignature), made with its own key."""

    signature: Base64 = Field(
        description="base64(key id || timestamp || Ed25519 signature), as after the name in a note's signature line"
    )


class CheckpointOut(Out):
    size: int
    root: str
    note: str = Field(description="The C2SP signed note, with the mechanism's signature and cosignatures")
    witnesses: list[str]


class TreeOut(Out):
    origin: str
    size: int
    root: str


class InclusionOut(Out):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str]


class ConsistencyOut(Out):
    size1: int
    size2: int
    hashes: list[str]


# --- stats and health ----------------------------------------------------------------------------


class StatsOut(Out):
    reports: int = Field(description="Current reports the viewer may read (corrections replace what they correct)")
    by_type: dict[str, int]
    by_governorate: dict[str, int]
    by_perpetrator: dict[str, int]
    by_day: dict[str, int]


class IncidentStatsOut(Out):
    incidents: int = Field(description="Incidents with a current report the viewer may read in the period")
    by_day: dict[str, dict[str, int]] = Field(
        description="Day (of the incident's earliest readable report) to violation type to incidents"
    )
    by_type: dict[str, int] = Field(description="Incidents by the type most of their readable reports give")
    by_governorate: dict[str, int] = Field(description="Incidents by the governorate most of their reports name")


class Health(Out):
    status: str


class EvidenceOut(Out):
    sha256: str
    size: int
