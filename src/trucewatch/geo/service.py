"""Services of zones. The time-versioned map and attribution arrive with the geography issue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.models import Zone, ZoneControl
from trucewatch.geo.schemas import ZoneIn
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Recorded, applies, intake, record
from trucewatch.registry.models import Actor
from trucewatch.registry.schemas import Role
from trucewatch.registry.service import require_author

MAP_MAKERS = frozenset({Role.GUARANTOR, Role.SECRETARIAT})


def add_zones(session: Session, items: Sequence[ZoneIn], *, signer: Signer, at: datetime) -> None:
    _check_zones(session, signer.delegation, items)
    record(session, EntryKind.ZONE, signer, [z.model_dump(mode="json") for z in items], at=at)


@intake(EntryKind.ZONE, ZoneIn)
def _check_zones(session: Session, author: str, items: Sequence[ZoneIn]) -> None:
    require_author(session, author, MAP_MAKERS, what="zone")
    known = set(session.scalars(select(Actor.key)))
    missing = [
        FieldProblem(f"zone {z.name}", f"controllers.{i}", f"no actor with key {key!r}")
        for z in items
        for i, key in enumerate(z.controllers)
        if key not in known
    ]
    if missing:
        raise InvalidInput(missing)


@applies(EntryKind.ZONE)
def _apply_zones(session: Session, entries: Sequence[Recorded]) -> None:
    actors = dict(session.execute(select(Actor.key, Actor.id)).all())
    for entry in entries:
        z = ZoneIn.model_validate(entry.payload)
        zone = Zone(
            name=z.name,
            geometry=orjson.dumps(z.geometry).decode(),
            valid_from=z.valid_from,
            valid_to=z.valid_to,
            entry_idx=entry.idx,
        )
        zone.controllers = [ZoneControl(actor_id=actors[key]) for key in z.controllers]
        session.add(zone)
    session.flush()


def list_zones(session: Session, *, on: date | None = None) -> Sequence[Zone]:
    """Zone versions, all of them or those valid on one day, with their controllers."""
    query = select(Zone).options(selectinload(Zone.controllers)).order_by(Zone.valid_from, Zone.id)
    if on is not None:
        query = query.where(Zone.valid_from <= on, (Zone.valid_to.is_(None)) | (Zone.valid_to > on))
    return session.scalars(query).all()


def controller_keys(session: Session, zones: Sequence[Zone]) -> dict[int, str]:
    """Actor id to actor key, for the actors that control ``zones``."""
    ids = {c.actor_id for z in zones for c in z.controllers}
    return dict(session.execute(select(Actor.id, Actor.key).where(Actor.id.in_(ids))).all()) if ids else {}
