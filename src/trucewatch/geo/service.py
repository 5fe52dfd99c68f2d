"""Services of the map of control (zones, versioned in time) and of the mechanism's places."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import orjson
import shapely
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.admin import syria_admin_areas, syria_gazetteer
from trucewatch.geo.gazetteer import Candidate, Gazetteer, Place, Precision
from trucewatch.geo.models import MechanismPlace, Zone, ZoneControl
from trucewatch.geo.schemas import PlaceIn, ZoneIn
from trucewatch.geo.shapes import outside_box_problem
from trucewatch.geo.zonemap import ZoneMap, ZoneVersion
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Recorded, applies, intake, record
from trucewatch.registry.models import Actor, Affiliation
from trucewatch.registry.schemas import Role
from trucewatch.registry.service import ActorIndex, load_standings, require_author
from trucewatch.validation import problems_of

MAP_MAKERS = frozenset({Role.GUARANTOR, Role.SECRETARIAT})
ALLIED = frozenset({"allied_with", "member_of", "supported_by", "merged_into"})
"""Affiliations under which two actors' zones do not face each other across a front line."""

MECHANISM_PLACE_IMPORTANCE = 1e9
"""The mechanism's own places outrank the shipped ones of the same name: they were added on purpose."""

_ZONE_MAP = "trucewatch.zone_map"
_GAZETTEER = "trucewatch.gazetteer"


# --------------------------------------------------------------------------- zones: writing


def add_zones(session: Session, items: Sequence[ZoneIn], *, signer: Signer, at: datetime) -> list[Recorded]:
    _check_zones(session, signer.delegation, items)
    return record(session, EntryKind.ZONE, signer, [z.model_dump(mode="json") for z in items], at=at)


@intake(EntryKind.ZONE, ZoneIn)
def _check_zones(session: Session, author: str, items: Sequence[ZoneIn]) -> None:
    require_author(session, author, MAP_MAKERS, what="zone")
    known = set(session.scalars(select(Actor.key)))
    problems = [
        FieldProblem(f"zone {z.name}", f"controllers.{i}", f"no actor with key {key!r}")
        for z in items
        for i, key in enumerate(z.controllers)
        if key not in known
    ]
    latest = _latest_versions(session, {z.name for z in items})
    for z in items:
        before = latest.get(z.name)
        if before is not None and z.valid_from <= before[0]:
            problems.append(
                FieldProblem(
                    f"zone {z.name}",
                    "valid_from",
                    f"must be after {before[0].isoformat()}, the start of the zone's latest version "
                    "(the map's history is not rewritten)",
                )
            )
        elif z.geometry is None and (before is None or not before[1]):
            problems.append(FieldProblem(f"zone {z.name}", "geometry", "ends a zone that is not on the map"))
        latest[z.name] = (z.valid_from, z.geometry is not None and z.valid_to is None)
    if problems:
        raise InvalidInput(problems)


def _latest_versions(session: Session, names: Iterable[str]) -> dict[str, tuple[date, bool]]:
    """For each named zone: the start of its latest version and whether that version is open."""
    query = select(Zone.name, Zone.valid_from, Zone.valid_to).where(Zone.name.in_(list(names)))
    latest: dict[str, tuple[date, bool]] = {}
    for name, start, end in session.execute(query.order_by(Zone.valid_from, Zone.id)):
        latest[name] = (start, end is None)
    return latest


@applies(EntryKind.ZONE)
def _apply_zones(session: Session, entries: Sequence[Recorded]) -> None:
    session.info.pop(_ZONE_MAP, None)
    actors = dict(session.execute(select(Actor.key, Actor.id)).all())
    for entry in entries:
        z = ZoneIn.model_validate(entry.payload)
        previous = session.scalars(
            select(Zone).where(Zone.name == z.name, Zone.valid_from < z.valid_from).order_by(Zone.valid_from.desc())
        ).first()
        if previous is not None and (previous.valid_to is None or previous.valid_to > z.valid_from):
            previous.valid_to = z.valid_from
        if z.geometry is not None:
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


@dataclass(frozen=True)
class ImportSummary:
    added: list[str] = field(default_factory=list)
    """Zones new to the map."""
    replaced: list[str] = field(default_factory=list)
    """Zones whose open version the import closed and replaced."""
    unchanged: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    """Zones the import took off the map (``complete``)."""
    contested: list[tuple[str, str, float]] = field(default_factory=list)
    """Overlapping zones held by different actors on the import's first day: (zone, zone, km²)."""
    entries: list[int] = field(default_factory=list)
    """The ledger entries the import made (attribution changes name the first)."""


def parse_feature_collection(
    session: Session,
    collection: Any,
    *,
    valid_from: date,
    source: str,
    name_property: str = "name",
    actor_property: str = "actor",
) -> list[ZoneIn]:
    """A GeoJSON FeatureCollection's features as zone versions, actors named by any registry name or alias."""
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        kind = collection.get("type") if isinstance(collection, Mapping) else type(collection).__name__
        raise InvalidInput([FieldProblem(source, "type", f"must be a GeoJSON FeatureCollection, not {kind!r}")])
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput([FieldProblem(source, "features", "must be a non-empty list of features")])
    index = ActorIndex.load(session)
    keys = dict(session.execute(select(Actor.id, Actor.key)).all())
    items: list[ZoneIn] = []
    problems: list[FieldProblem] = []
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        name = props.get(name_property) if isinstance(props, Mapping) else None
        record_name = f"{source} feature {i}" + (f" ({name})" if isinstance(name, str) else "")
        if not isinstance(props, Mapping) or not isinstance(name, str) or not name.strip():
            problems.append(FieldProblem(record_name, f"properties.{name_property}", "is required: the zone's name"))
            continue
        controllers, found = _controllers(props.get(actor_property), index, keys, record_name, actor_property)
        problems += found
        data = {"name": name, "geometry": feature.get("geometry"), "controllers": controllers, "valid_from": valid_from}
        try:
            items.append(ZoneIn.model_validate(data))
        except ValidationError as exc:
            problems += problems_of(exc, record_name)
    names = [z.name for z in items]
    problems += [FieldProblem(source, "features", f"two features are named {n!r}") for n in sorted(_dupes(names))]
    if problems:
        raise InvalidInput(problems)
    return items


def _controllers(
    value: Any, index: ActorIndex, keys: Mapping[int, str], record_name: str, prop: str
) -> tuple[list[str], list[FieldProblem]]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        return [], [FieldProblem(record_name, f"properties.{prop}", "is required: the controlling actor's name(s)")]
    controllers: list[str] = []
    problems: list[FieldProblem] = []
    for n in names:
        found = index.resolve(n)
        if found.actor_id is not None:
            controllers.append(keys[found.actor_id])
        elif n in keys.values():
            controllers.append(n)
        else:
            why = (
                "names several actors" if found.status == "ambiguous" else "is no actor's name or alias in the registry"
            )
            problems.append(FieldProblem(record_name, f"properties.{prop}", f"{n!r} {why}"))
    return list(dict.fromkeys(controllers)), problems


def _dupes(names: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    return {n for n in names if n in seen or seen.add(n)}  # type: ignore[func-returns-value]


def import_zones(
    session: Session, items: Sequence[ZoneIn], *, complete: bool, signer: Signer, at: datetime
) -> ImportSummary:
    """A new map from ``valid_from``: each zone replaces its open version of the same name (when it
    changed); with ``complete``, the open zones the map leaves out end."""
    if not items:
        return ImportSummary()
    start = items[0].valid_from
    current = {z.name: z for z in list_zones(session, on=start)}
    keys = controller_keys(session, list(current.values()))
    summary = ImportSummary()
    changed: list[ZoneIn] = []
    for item in items:
        old = current.get(item.name)
        if old is not None and _same(old, item, [keys[c.actor_id] for c in old.controllers]):
            summary.unchanged.append(item.name)
            continue
        (summary.replaced if old is not None else summary.added).append(item.name)
        changed.append(item)
    if complete:
        kept = {z.name for z in items}
        for name in sorted(set(current) - kept):
            changed.append(ZoneIn(name=name, geometry=None, valid_from=start))
            summary.ended.append(name)
    if changed:
        summary.entries.extend(e.idx for e in add_zones(session, changed, signer=signer, at=at))
    summary.contested.extend(contested_zones(session, start))
    return summary


def _same(zone: Zone, item: ZoneIn, controllers: list[str]) -> bool:
    geometry = shapely.geometry.shape(orjson.loads(zone.geometry))
    return sorted(controllers) == sorted(item.controllers) and bool(
        shapely.equals(geometry, shapely.geometry.shape(item.geometry))
    )


# --------------------------------------------------------------------------- zones: reading


def list_zones(session: Session, *, on: date | None = None, name: str | None = None) -> Sequence[Zone]:
    """Zone versions, all of them or those valid on one day, with their controllers."""
    query = select(Zone).options(selectinload(Zone.controllers)).order_by(Zone.valid_from, Zone.id)
    if on is not None:
        query = query.where(Zone.valid_from <= on, (Zone.valid_to.is_(None)) | (Zone.valid_to > on))
    if name is not None:
        query = query.where(Zone.name == name)
    return session.scalars(query).all()


def controller_keys(session: Session, zones: Sequence[Zone]) -> dict[int, str]:
    """Actor id to actor key, for the actors that control ``zones``."""
    ids = {c.actor_id for z in zones for c in z.controllers}
    return dict(session.execute(select(Actor.id, Actor.key).where(Actor.id.in_(ids))).all()) if ids else {}


def load_zone_map(session: Session) -> ZoneMap:
    """Every zone version as a :class:`ZoneMap`, read once per unit of work (until the map changes)."""
    found: ZoneMap | None = session.info.get(_ZONE_MAP)
    if found is None:
        versions = [
            ZoneVersion(
                z.id,
                z.name,
                shapely.geometry.shape(orjson.loads(z.geometry)),
                z.valid_from,
                z.valid_to,
                tuple(c.actor_id for c in z.controllers),
            )
            for z in list_zones(session)
        ]
        found = session.info[_ZONE_MAP] = ZoneMap(versions)
    return found


def allies(session: Session) -> set[frozenset[int]]:
    """Pairs of actors linked by an alliance, membership or support: their zones face no front line."""
    pairs = session.execute(
        select(Affiliation.actor_id, Affiliation.other_id).where(Affiliation.relation.in_(sorted(ALLIED)))
    ).all()
    return {frozenset(p) for p in pairs}


def opposing_rule(session: Session) -> Any:
    """Whether two zone versions face each other across a front line: no actor holds both, and
    no two of their actors are allied."""
    allied = allies(session)

    def opposing(a: ZoneVersion, b: ZoneVersion) -> bool:
        if set(a.controllers) & set(b.controllers):
            return False
        return not any(frozenset((x, y)) in allied for x in a.controllers for y in b.controllers)

    return opposing


def zones_at(session: Session, latitude: float, longitude: float, day: date) -> list[dict[str, Any]]:
    """Who held a point on a day: one object per zone and controlling actor (empty when no zone holds it).

    A point outside Syria's box is refused (InvalidInput naming a swap of latitude and longitude)."""
    problem = outside_box_problem(np.array([[longitude, latitude]]))
    if problem is not None:
        raise InvalidInput([FieldProblem("point", "latitude", problem)])
    zone_map = load_zone_map(session)
    _, found = zone_map.at_points(np.array([longitude]), np.array([latitude]), np.array([day.toordinal()]))
    standings = load_standings(session)
    versions = [zone_map.versions[i] for i in found.tolist()]
    contested = len({v.controllers for v in versions}) > 1
    return [
        {
            "zone": v.name,
            "zone_id": v.id,
            "actor": standings.key(actor_id),
            "actor_kind": s.kind,
            "designated": s.designated,
            "designated_by": list(s.designated_by),
            "ceasefire_status": s.ceasefire_status,
            "ceasefire_covered": s.ceasefire_covered,
            "contested": contested,
            "valid_from": v.valid_from.isoformat(),
            "valid_to": v.valid_to.isoformat() if v.valid_to else None,
        }
        for v in versions
        for actor_id in v.controllers
        for s in (standings.on(actor_id, day),)
    ]


def contested_zones(session: Session, day: date) -> list[tuple[str, str, float]]:
    """Zones valid on ``day`` that overlap one held by other actors: (zone, zone, km² of overlap)."""
    zone_map = load_zone_map(session)
    pairs = zone_map.overlaps(zone_map.valid_on(day))
    return [(zone_map.versions[i].name, zone_map.versions[j].name, area) for i, j, area in pairs]


def export_zones(session: Session, day: date) -> dict[str, Any]:
    """The map of ``day`` as a GeoJSON FeatureCollection (actors by registry key and name)."""
    zones = list_zones(session, on=day)
    names = dict(session.execute(select(Actor.id, Actor.name)).all())
    keys = controller_keys(session, zones)
    contested: dict[str, list[str]] = defaultdict(list)
    for a, b, _ in contested_zones(session, day):
        contested[a].append(b)
        contested[b].append(a)
    features = [
        {
            "type": "Feature",
            "properties": {
                "name": z.name,
                "actor": [keys[c.actor_id] for c in z.controllers],
                "actor_names": [names[c.actor_id] for c in z.controllers],
                "valid_from": z.valid_from.isoformat(),
                "valid_to": z.valid_to.isoformat() if z.valid_to else None,
                "contested_with": sorted(contested[z.name]),
            },
            "geometry": orjson.loads(z.geometry),
        }
        for z in zones
    ]
    return {"type": "FeatureCollection", "properties": {"on": day.isoformat()}, "features": features}


# --------------------------------------------------------------------------- places


def add_places(session: Session, items: Sequence[PlaceIn], *, signer: Signer, at: datetime) -> None:
    _check_places(session, signer.delegation, items)
    record(session, EntryKind.PLACE, signer, [p.model_dump(mode="json", exclude_none=True) for p in items], at=at)


@intake(EntryKind.PLACE, PlaceIn)
def _check_places(session: Session, author: str, items: Sequence[PlaceIn]) -> None:
    require_author(session, author, MAP_MAKERS, what="place")
    keys = [p.key for p in items]
    taken = set(session.scalars(select(MechanismPlace.key).where(MechanismPlace.key.in_(keys))))
    problems = [FieldProblem(f"place {k}", "key", "is taken by another place") for k in keys if k in taken]
    problems += [FieldProblem(f"place {k}", "key", "appears twice") for k in sorted(_dupes(keys))]
    if problems:
        raise InvalidInput(problems)


@applies(EntryKind.PLACE)
def _apply_places(session: Session, entries: Sequence[Recorded]) -> None:
    session.info.pop(_GAZETTEER, None)
    items = [PlaceIn.model_validate(e.payload) for e in entries]
    governorates, districts = syria_admin_areas().locate([p.longitude for p in items], [p.latitude for p in items])
    session.add_all(
        MechanismPlace(
            key=p.key,
            name=p.name,
            name_ar=p.name_ar,
            names=list(p.names),
            latitude=p.latitude,
            longitude=p.longitude,
            precision=str(p.precision),
            governorate=g,
            district=d,
            source=p.source,
            entry_idx=e.idx,
        )
        for p, e, g, d in zip(items, entries, governorates, districts, strict=True)
    )
    session.flush()


def load_gazetteer(session: Session) -> Gazetteer:
    """The shipped gazetteer with the mechanism's own places, read once per unit of work."""
    found: Gazetteer | None = session.info.get(_GAZETTEER)
    if found is None:
        own = [
            Place(
                id=p.key,
                name=p.name,
                name_ar=p.name_ar or "",
                latitude=p.latitude,
                longitude=p.longitude,
                precision=Precision(p.precision),
                governorate=p.governorate,
                district=p.district,
                importance=MECHANISM_PLACE_IMPORTANCE,
                names=tuple(p.names),
                source="mechanism",
            )
            for p in session.scalars(select(MechanismPlace).order_by(MechanismPlace.id))
        ]
        found = session.info[_GAZETTEER] = Gazetteer(own, base=syria_gazetteer()) if own else syria_gazetteer()
    return found


def list_places(session: Session) -> Sequence[MechanismPlace]:
    return session.scalars(select(MechanismPlace).order_by(MechanismPlace.id)).all()


def describe_candidate(c: Candidate) -> dict[str, Any]:
    """A gazetteer candidate in its JSON form (``place find --json``, ``GET /places``)."""
    areas = syria_admin_areas()
    p = c.place
    return {
        "name": p.name,
        "name_ar": p.name_ar or None,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "precision": p.precision.value,
        "governorate": areas.governorate_name(p.governorate) if p.governorate else None,
        "governorate_pcode": p.governorate,
        "district_pcode": p.district,
        "id": p.id,
        "source": p.source,
        "match": c.match.value,
        "similarity": round(c.similarity, 1),
    }
