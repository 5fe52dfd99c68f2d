"""Delegations (public, with their keys), actors with their designations, and zones as GeoJSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query

from trucewatch.api.deps import Db, allow
from trucewatch.api.schemas import (
    ActorOut,
    CeasefireOut,
    DelegationOut,
    DesignationOut,
    KeyOut,
    MemberOut,
    Receipt,
    ZoneCollection,
    ZoneFeature,
    ZoneProperties,
)
from trucewatch.api.signed import Signed, file_statements
from trucewatch.geo.models import Zone
from trucewatch.geo.service import controller_keys, list_zones
from trucewatch.ledger.kinds import EntryKind
from trucewatch.registry.access import Action, Viewer
from trucewatch.registry.models import Actor, Delegation
from trucewatch.registry.service import list_actors, list_delegations

router = APIRouter(tags=["registry"])


@router.get("/delegations", summary="The delegations of the mechanism, their roles and public keys")
def delegations(db: Db, who: Annotated[Viewer, Depends(allow(Action.READ_DELEGATIONS))]) -> list[DelegationOut]:
    with db.begin() as session:
        return [_delegation(d, members=not who.anonymous) for d in list_delegations(session)]


@router.get("/actors", summary="Armed actors, their names, designations and ceasefire status")
def actors(db: Db, _: Annotated[Viewer, Depends(allow(Action.READ_ACTORS))]) -> list[ActorOut]:
    with db.begin() as session:
        return [_actor(a) for a in list_actors(session)]


@router.get("/zones", summary="Zones of control as a GeoJSON FeatureCollection, all versions or one day's")
def zones(
    db: Db,
    _: Annotated[Viewer, Depends(allow(Action.READ_ZONES))],
    on: Annotated[date | None, Query(description="Only the zones valid on this day")] = None,
) -> ZoneCollection:
    with db.begin() as session:
        found = list_zones(session, on=on)
        keys = controller_keys(session, found)
        return ZoneCollection(features=[_zone(z, keys) for z in found])


@router.post("/delegations", status_code=201, summary="Add delegations (the secretariat), signed by its key")
def add_delegations(db: Db, who: Annotated[Viewer, Depends(allow(Action.MANAGE_DELEGATIONS))], body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.DELEGATION, body)


@router.post("/actors", status_code=201, summary="Add actors to the registry, signed by your delegation's key")
def add_actors(db: Db, who: Annotated[Viewer, Depends(allow(Action.FILE_ACTORS))], body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.ACTOR, body)


@router.post("/designations", status_code=201, summary="Record an actor's designation, signed")
def add_designations(db: Db, who: Annotated[Viewer, Depends(allow(Action.FILE_ACTORS))], body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.DESIGNATION, body)


@router.post(
    "/zones",
    status_code=201,
    summary="Add zones of control: each a GeoJSON Polygon or MultiPolygon with its controllers, signed",
)
def add_zones(db: Db, who: Annotated[Viewer, Depends(allow(Action.FILE_ZONES))], body: Signed) -> Receipt:
    return file_statements(db, who, EntryKind.ZONE, body)


def _delegation(d: Delegation, *, members: bool) -> DelegationOut:
    return DelegationOut(
        code=d.code,
        name=d.name,
        names=d.names,
        role=d.role,
        keys=[
            KeyOut(key_id=k.key_id, public_key=k.public_key, valid_from=k.valid_from, valid_to=k.valid_to,
                   revoked_at=k.revoked_at)
            for k in d.keys
        ],
        members=[MemberOut(login=m.login, display_name=m.display_name, function=m.function) for m in d.members]
        if members
        else None,
    )  # fmt: skip


def _actor(a: Actor) -> ActorOut:
    return ActorOut(
        key=a.key,
        name=a.name,
        names=a.names,
        kind=a.kind,
        aliases=[n.name for n in a.aliases],
        designations=[
            DesignationOut(authority=d.authority, reference=d.reference, valid_from=d.valid_from,
                           valid_to=d.valid_to, source=d.source)
            for d in a.designations
        ],
        ceasefire=[
            CeasefireOut(status=c.status, valid_from=c.valid_from, valid_to=c.valid_to, basis=c.basis)
            for c in a.ceasefire
        ],
    )  # fmt: skip


def _zone(z: Zone, keys: dict[int, str]) -> ZoneFeature:
    properties = ZoneProperties(
        name=z.name, controllers=[keys[c.actor_id] for c in z.controllers], valid_from=z.valid_from,
        valid_to=z.valid_to, entry=z.entry_idx,
    )  # fmt: skip
    return ZoneFeature(id=z.id, geometry=orjson.loads(z.geometry), properties=properties)
