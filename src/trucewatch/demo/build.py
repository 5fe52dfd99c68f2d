"""Build the demo mechanism into an empty database."""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import trucewatch.incidents.decisions  # noqa: F401 - registers fusion and attribution, which follow every write
from trucewatch.demo.accounts import account, correction, reporters_for
from trucewatch.demo.facts import demo_facts, ucdp_events
from trucewatch.demo.zones import demo_maps
from trucewatch.errors import Conflict
from trucewatch.geo.service import import_zones
from trucewatch.incidents.fusing import fuse_all
from trucewatch.ledger.checkpoints import cosign_checkpoint, sign_checkpoint
from trucewatch.ledger.keyring import WITNESS
from trucewatch.ledger.kinds import MECHANISM
from trucewatch.ledger.service import count_entries
from trucewatch.ledger.signing import DelegationKey, KeyPair
from trucewatch.mechanism.service import add_commitments, add_meetings
from trucewatch.registry.models import ActorName
from trucewatch.registry.passwords import set_password
from trucewatch.registry.schemas import DelegationIn, KeyIn
from trucewatch.registry.service import ActorIndex, add_actors, add_delegations, start_log
from trucewatch.reports.files import Read
from trucewatch.reports.imports import import_reports

SECRETARIAT = "KZ"
CORRECTION_RATE = 0.02
ORIGIN = "demo.trucewatch.invalid/astana-2017"
"""The demo log's origin (``.invalid``: a name that can never be a real host)."""
KEYS_VALID_FROM = datetime(2017, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DemoKeys:
    """The demo's keys, derived from the seed: not secret, only reproducible."""

    mechanism: DelegationKey
    delegations: dict[str, DelegationKey]

    @classmethod
    def derive(cls, seed: int, codes: Sequence[str]) -> DemoKeys:
        def key(code: str) -> DelegationKey:
            digest = hashlib.sha256(f"trucewatch demo key/{seed}/{code}".encode()).digest()
            return DelegationKey(code, KeyPair.from_seed(digest))

        return cls(key(MECHANISM), {code: key(code) for code in codes})

    def all(self) -> list[DelegationKey]:
        return [self.mechanism, *self.delegations.values()]


@dataclass(frozen=True)
class DemoSummary:
    delegations: int
    actors: int
    meetings: int
    commitments: int
    events: int
    reports: int
    corrections: int
    keys: DemoKeys
    checkpoint_size: int
    cosigned_by: tuple[str, ...]
    maps: int = 0
    """Days on which the demo's map of control changes."""
    incidents: int = 0
    """Incidents the reports were fused into (a full re-fusion, its model learned from them)."""
    accounts: tuple[DemoAccount, ...] = ()
    """One web sign-in per delegation, its password made for this build."""


@dataclass(frozen=True)
class DemoAccount:
    role: str
    delegation: str
    login: str
    password: str = field(repr=False)


DEMO_LOGIN = "demo"


def demo_accounts(session: Session, delegations: Sequence[DelegationIn], *, now: datetime) -> tuple[DemoAccount, ...]:
    """A member ``demo`` in every delegation, with a new random password (local access state, not entries)."""
    made = []
    for d in delegations:
        password = secrets.token_urlsafe(12)
        set_password(session, d.code, DEMO_LOGIN, password, now=now)
        made.append(DemoAccount(str(d.role), d.code, DEMO_LOGIN, password))
    return tuple(made)


def build_demo(
    session: Session,
    *,
    seed: int,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Delegations, actors, meetings and commitments of early 2017, then reports of real events."""
    if count_entries(session):
        raise Conflict("the database is not empty: the demo is built into a new database")
    facts = demo_facts()
    keys = DemoKeys.derive(seed, [d.code for d in facts.delegations])
    start_log(session, origin=ORIGIN, signer=keys.mechanism, public_key=keys.mechanism.public_key, at=now)
    add_delegations(
        session, [with_key(d, keys.delegations[d.code]) for d in facts.delegations], signer=keys.mechanism, at=now
    )
    add_actors(session, facts.actors, signer=keys.mechanism, at=now)
    maps = demo_maps()
    for _, items in maps:
        import_zones(session, items, complete=True, signer=keys.delegations[SECRETARIAT], at=now)
    add_meetings(session, facts.meetings, signer=keys.delegations[SECRETARIAT], at=now)
    add_commitments(session, facts.commitments, signer=keys.delegations[SECRETARIAT], at=now)
    reports = list(demo_reports(session, seed))
    import_reports(session, _by_delegation(reports), signers=keys.delegations, now=now, progress=progress)
    corrections = sum(1 for r in reports if isinstance(r, tuple) and "supersedes" in r[1])
    fused = fuse_all(session, signer=keys.mechanism, at=now)
    checkpoint = sign_checkpoint(session, signer=keys.mechanism, at=now)
    witnesses = tuple(d.code for d in facts.delegations if d.role == WITNESS)
    for code in witnesses:
        cosign_checkpoint(session, witness=keys.delegations[code], at=now)
    return DemoSummary(
        len(facts.delegations),
        len(facts.actors),
        len(facts.meetings),
        len(facts.commitments),
        len(ucdp_events()),
        len(reports),
        corrections,
        keys,
        checkpoint.size,
        witnesses,
        len(maps),
        fused["incidents"],
        demo_accounts(session, facts.delegations, now=now),
    )


def _by_delegation(reports: list[Read]) -> list[Read]:
    """Each delegation files its reports together, in their order (one sealed batch per 2,000: placed
    into incidents batch by batch); a correction comes after the report it corrects."""
    return sorted(reports, key=lambda r: str(r[1].get("delegation")) if isinstance(r, tuple) else "")


def with_key(delegation: DelegationIn, key: DelegationKey) -> DelegationIn:
    public = KeyIn(public_key=base64.b64encode(key.public_key).decode(), valid_from=KEYS_VALID_FROM)
    return delegation.model_copy(update={"keys": [public]})


def demo_reports(session: Session, seed: int) -> Iterator[Read]:
    """Every delegation's reports of every event, deterministic for ``seed``."""
    rng = random.Random(seed)
    namer = _namer(session)
    serial: dict[str, int] = defaultdict(int)
    for event in ucdp_events():
        for reporter in reporters_for(event, rng):
            serial[reporter.code] += 1
            ref = f"{reporter.code}-{event.day.year}-{serial[reporter.code]:05d}"
            report = account(event, reporter, rng, namer, ref)
            yield f"demo event {event.ucdp_id}", report
            if rng.random() < CORRECTION_RATE:
                yield f"demo event {event.ucdp_id}", correction(report, rng, ref + "-c1")


def _namer(session: Session) -> Callable[[str, random.Random], str]:
    """Names as delegations write them: UCDP's own, or another alias of the same actor."""
    index = ActorIndex.load(session)
    aliases: dict[int, list[str]] = defaultdict(list)
    for actor_id, alias in session.execute(select(ActorName.actor_id, ActorName.name).order_by(ActorName.id)):
        aliases[actor_id].append(alias)

    def name(side: str, rng: random.Random) -> str:
        actor_id = index.resolve(side).actor_id
        if actor_id is None or rng.random() < 0.55:
            return side
        return rng.choice(aliases[actor_id])

    return name
