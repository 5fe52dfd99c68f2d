"""Services of the registry: delegations, actors, designations, and name lookup."""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trucewatch.errors import Conflict, FieldProblem, InvalidInput, NotFound
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import MECHANISM, EntryKind
from trucewatch.ledger.notes import valid_note_name
from trucewatch.ledger.service import Recorded, applies, intake, record
from trucewatch.ledger.signing import key_id
from trucewatch.registry.models import (
    Actor,
    ActorName,
    Affiliation,
    CeasefireStatus,
    Delegation,
    Designation,
    Member,
    SigningKey,
)
from trucewatch.registry.names import normalize_name
from trucewatch.registry.schemas import (
    ActorDesignationIn,
    ActorIn,
    DelegationIn,
    DesignationIn,
    KeyIn,
    KeyRevocationIn,
    Role,
)
from trucewatch.registry.standing import Standings

ADMIN_ROLES = frozenset({Role.SECRETARIAT})
REGISTRY_ROLES = frozenset({Role.SECRETARIAT, Role.GUARANTOR})


def require_author(session: Session, author: str, roles: Collection[Role], *, what: str) -> None:
    """Refuse a write by anyone but the mechanism itself or a delegation in ``roles``."""
    if author == MECHANISM:
        return
    delegation = get_delegation(session, author)
    if Role(delegation.role) not in roles:
        allowed = ", ".join(sorted(roles))
        raise InvalidInput(
            [FieldProblem(what, "author", f"delegation {author} ({delegation.role}) may not do this; only: {allowed}")]
        )


def get_delegation(session: Session, code: str) -> Delegation:
    found = session.scalar(select(Delegation).where(Delegation.code == code))
    if found is None:
        raise NotFound(f"no delegation with code {code!r}")
    return found


def list_delegations(session: Session) -> Sequence[Delegation]:
    query = select(Delegation).options(selectinload(Delegation.members)).order_by(Delegation.id)
    return session.scalars(query).all()


def add_delegations(session: Session, items: Sequence[DelegationIn], *, signer: Signer, at: datetime) -> None:
    _check_delegations(session, signer.delegation, items)
    record(session, EntryKind.DELEGATION, signer, [_dump(d) for d in items], at=at)


@intake(EntryKind.DELEGATION, DelegationIn)
def _check_delegations(session: Session, author: str, items: Sequence[DelegationIn]) -> None:
    require_author(session, author, ADMIN_ROLES, what="delegation")
    codes = [d.code for d in items]
    taken = set(session.scalars(select(Delegation.code).where(Delegation.code.in_(codes))))
    dupes = taken | {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise Conflict(f"delegation code already in use: {', '.join(sorted(dupes))}")
    _check_new_keys(session, [k for d in items for k in d.keys], what="delegation")


@applies(EntryKind.DELEGATION)
def _apply_delegations(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        data = DelegationIn.model_validate(entry.payload)
        delegation = Delegation(
            code=data.code, name=data.name["en"], names=dict(data.name), role=str(data.role), entry_idx=entry.idx
        )
        delegation.members = [
            Member(login=m.login, display_name=m.display_name, function=m.function) for m in data.members
        ]
        delegation.keys = [_key(k, entry.idx) for k in data.keys]
        session.add(delegation)
    session.flush()


def start_log(session: Session, *, origin: str, signer: Signer, public_key: bytes, at: datetime) -> None:
    """Write entry 0: the log's origin (its name in checkpoints) and the mechanism's public key."""
    if session.scalar(select(SigningKey.id).limit(1)) is not None or session.scalar(select(Delegation.id).limit(1)):
        raise Conflict("this log is already started: it has a genesis entry")
    if not valid_note_name(origin):
        problem = "a log's origin is one line of printable text without spaces or '+', e.g. example.org/log"
        raise InvalidInput([FieldProblem("genesis", "origin", problem)])
    if signer.delegation != MECHANISM or signer.key_id != key_id(public_key):
        raise InvalidInput([FieldProblem("genesis", "key", "the genesis entry is signed by the mechanism's own key")])
    payload = {"origin": origin, "public_key": base64.b64encode(public_key).decode(), "valid_from": _iso(at)}
    record(session, EntryKind.GENESIS, signer, [payload], at=at)


def add_key(session: Session, delegation: str, item: KeyIn, *, signer: Signer, at: datetime) -> None:
    """Register a new key of ``delegation`` (rotation); signed by it, the secretariat or the mechanism."""
    if delegation != MECHANISM:
        get_delegation(session, delegation)
    if signer.delegation not in (delegation, MECHANISM):
        require_author(session, signer.delegation, ADMIN_ROLES, what=f"key of {delegation}")
    _check_new_keys(session, [item], what=f"key of {delegation}")
    record(session, EntryKind.KEY, signer, [{"delegation": delegation, **_dump(item)}], at=at)


def revoke_key(session: Session, item: KeyRevocationIn, *, signer: Signer, at: datetime) -> None:
    """Revoke a key: nothing it signs from this entry on is accepted."""
    key = session.scalar(select(SigningKey).where(SigningKey.key_id == item.key))
    if key is None:
        raise NotFound(f"no key with id {item.key!r}")
    if key.revoked_at is not None:
        raise Conflict(f"key {item.key} is already revoked (entry {key.revoked_by_entry})")
    owner = key.delegation.code if key.delegation else MECHANISM
    if signer.delegation not in (owner, MECHANISM):
        require_author(session, signer.delegation, ADMIN_ROLES, what=f"revocation of key {item.key}")
    record(session, EntryKind.KEY_REVOCATION, signer, [_dump(item)], at=at)


def list_keys(session: Session) -> Sequence[SigningKey]:
    return session.scalars(
        select(SigningKey).options(selectinload(SigningKey.delegation)).order_by(SigningKey.id)
    ).all()


def _check_new_keys(session: Session, keys: Sequence[KeyIn], *, what: str) -> None:
    ids = [key_id(base64.b64decode(k.public_key)) for k in keys]
    taken = set(session.scalars(select(SigningKey.key_id).where(SigningKey.key_id.in_(ids))))
    dupes = sorted(taken | {i for i in ids if ids.count(i) > 1})
    if dupes:
        raise Conflict(f"{what}: key already registered: {', '.join(dupes)}")


def _key(k: KeyIn, entry_idx: int) -> SigningKey:
    return SigningKey(
        key_id=key_id(base64.b64decode(k.public_key)),
        public_key=k.public_key,
        valid_from=k.valid_from,
        valid_to=k.valid_to,
        entry_idx=entry_idx,
    )


@applies(EntryKind.GENESIS)
def _apply_genesis(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        item = KeyIn.model_validate(
            {"public_key": entry.payload["public_key"], "valid_from": entry.payload["valid_from"]}
        )
        session.add(_key(item, entry.idx))
    session.flush()


@applies(EntryKind.KEY)
def _apply_keys(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        payload = dict(entry.payload)
        code = payload.pop("delegation")
        key = _key(KeyIn.model_validate(payload), entry.idx)
        if code != MECHANISM:
            key.delegation = get_delegation(session, code)
        session.add(key)
    session.flush()


@applies(EntryKind.KEY_REVOCATION)
def _apply_revocations(session: Session, entries: Sequence[Recorded]) -> None:
    for entry in entries:
        item = KeyRevocationIn.model_validate(entry.payload)
        key = session.scalars(select(SigningKey).where(SigningKey.key_id == item.key)).one()
        key.revoked_at, key.revoked_by_entry = entry.recorded_at, entry.idx
    session.flush()


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def list_actors(session: Session) -> Sequence[Actor]:
    query = (
        select(Actor)
        .order_by(Actor.name)
        .options(
            selectinload(Actor.aliases),
            selectinload(Actor.designations),
            selectinload(Actor.ceasefire),
            selectinload(Actor.affiliations).selectinload(Affiliation.other),
        )
    )
    return session.scalars(query).all()


def add_actors(session: Session, items: Sequence[ActorIn], *, signer: Signer, at: datetime) -> None:
    _check_actors(session, signer.delegation, items)
    record(session, EntryKind.ACTOR, signer, [_dump(a) for a in items], at=at)


@intake(EntryKind.ACTOR, ActorIn)
def _check_actors(session: Session, author: str, items: Sequence[ActorIn]) -> None:
    require_author(session, author, REGISTRY_ROLES, what="actor")
    keys = [a.key for a in items]
    taken = set(session.scalars(select(Actor.key).where(Actor.key.in_(keys))))
    dupes = taken | {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise Conflict(f"actor key already in use: {', '.join(sorted(dupes))}")
    known = set(keys) | set(session.scalars(select(Actor.key)))
    missing = [
        FieldProblem(f"actor {a.key}", f"affiliations.{i}.actor", f"no actor with key {f.actor!r}")
        for a in items
        for i, f in enumerate(a.affiliations)
        if f.actor not in known
    ]
    if missing:
        raise InvalidInput(missing)


@applies(EntryKind.ACTOR)
def _apply_actors(session: Session, entries: Sequence[Recorded]) -> None:
    session.info.pop(_INDEX, None)  # names change: the unit of work's index is read again
    forget_standings(session)
    parsed = [(e, ActorIn.model_validate(e.payload)) for e in entries]
    for entry, data in parsed:
        actor = Actor(
            key=data.key,
            name=data.names["en"],
            names=dict(data.names),
            kind=str(data.kind),
            source=data.source,
            entry_idx=entry.idx,
        )
        actor.aliases = _names_of(data)
        actor.designations = [_designation(d, entry.idx) for d in data.designations]
        actor.ceasefire = [
            CeasefireStatus(
                status=str(c.status), valid_from=c.valid_from, valid_to=c.valid_to, basis=c.basis, source=c.source
            )
            for c in data.ceasefire
        ]
        session.add(actor)
    session.flush()
    ids = dict(session.execute(select(Actor.key, Actor.id)).all())
    for _entry, data in parsed:
        session.add_all(
            Affiliation(
                actor_id=ids[data.key],
                other_id=ids[f.actor],
                relation=str(f.relation),
                valid_from=f.valid_from,
                valid_to=f.valid_to,
                source=f.source,
            )
            for f in data.affiliations
        )
    session.flush()


def add_designation(session: Session, actor_key: str, item: DesignationIn, *, signer: Signer, at: datetime) -> None:
    payload = {"actor": actor_key, **_dump(item)}
    _check_designations(session, signer.delegation, [ActorDesignationIn.model_validate(payload)])
    record(session, EntryKind.DESIGNATION, signer, [payload], at=at)


@intake(EntryKind.DESIGNATION, ActorDesignationIn)
def _check_designations(session: Session, author: str, items: Sequence[ActorDesignationIn]) -> None:
    for item in items:
        require_author(session, author, REGISTRY_ROLES, what=f"designation of {item.actor}")
        _actor_by_key(session, item.actor)


@applies(EntryKind.DESIGNATION)
def _apply_designations(session: Session, entries: Sequence[Recorded]) -> None:
    forget_standings(session)
    for entry in entries:
        payload = dict(entry.payload)
        actor = _actor_by_key(session, payload.pop("actor"))
        actor.designations.append(_designation(DesignationIn.model_validate(payload), entry.idx))
    session.flush()


def _designation(d: DesignationIn, entry_idx: int) -> Designation:
    return Designation(
        authority=d.authority,
        reference=d.reference,
        valid_from=d.valid_from,
        valid_to=d.valid_to,
        source=d.source,
        entry_idx=entry_idx,
    )


def _actor_by_key(session: Session, key: str) -> Actor:
    actor = session.scalar(select(Actor).where(Actor.key == key))
    if actor is None:
        raise NotFound(f"no actor with key {key!r}")
    return actor


def _names_of(data: ActorIn) -> list[ActorName]:
    seen: dict[str, ActorName] = {}
    pairs = [(n, lang) for lang, n in data.names.items()] + [(a, None) for a in data.aliases]
    for name, lang in pairs:
        if name not in seen:
            seen[name] = ActorName(name=name, normalized=normalize_name(name), language=lang)
    return list(seen.values())


def _dump(item: Any) -> dict[str, Any]:
    return item.model_dump(mode="json", by_alias=True)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Resolution:
    """What a name as written resolves to in the registry."""

    actor_id: int | None
    status: str
    """``resolved``, ``unresolved`` (no actor has that name) or ``ambiguous`` (several do)."""


_INDEX = "trucewatch.actor_index"


class ActorIndex:
    """Every name and alias of every actor, for resolving names as sources write them."""

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        by_name: dict[str, set[int]] = defaultdict(set)
        for normalized, actor_id in pairs:
            by_name[normalized].add(actor_id)
        self._by_name = dict(by_name)
        self._cache: dict[str, Resolution] = {}

    @classmethod
    def load(cls, session: Session) -> ActorIndex:
        """The registry's names as this unit of work sees them, read once per unit of work."""
        found: ActorIndex | None = session.info.get(_INDEX)
        if found is None:
            found = session.info[_INDEX] = cls(session.execute(select(ActorName.normalized, ActorName.actor_id)).all())
        return found

    def resolve(self, name: str | None) -> Resolution:
        if not name:
            return Resolution(None, "none")
        found = self._cache.get(name)
        if found is None:
            ids = self._by_name.get(normalize_name(name), set())
            if len(ids) == 1:
                found = Resolution(next(iter(ids)), "resolved")
            else:
                found = Resolution(None, "ambiguous" if ids else "unresolved")
            self._cache[name] = found
        return found


_STANDINGS = "trucewatch.standings"


def load_standings(session: Session) -> Standings:
    """Every actor's designations and ceasefire statuses, read once per unit of work."""
    found: Standings | None = session.info.get(_STANDINGS)
    if found is None:
        found = session.info[_STANDINGS] = Standings(
            session.execute(select(Actor.id, Actor.key, Actor.kind)).all(),
            session.execute(
                select(
                    CeasefireStatus.actor_id,
                    CeasefireStatus.status,
                    CeasefireStatus.valid_from,
                    CeasefireStatus.valid_to,
                ).order_by(CeasefireStatus.valid_from, CeasefireStatus.id)
            ).all(),
            session.execute(
                select(
                    Designation.actor_id, Designation.authority, Designation.valid_from, Designation.valid_to
                ).order_by(Designation.valid_from, Designation.id)
            ).all(),
        )
    return found


def forget_standings(session: Session) -> None:
    """Drop what :func:`load_standings` read: actors or designations changed in this unit of work."""
    session.info.pop(_STANDINGS, None)
