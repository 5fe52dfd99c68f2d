"""Fusion in the database: each new report placed as it is stored; every report re-fused on demand.

* :func:`place_reports` (a follower of ``report`` entries) places new reports: it reads the
  current reports near them in time and space, scores the pairs with the latest model, and lets
  each new report join the stored incident it matches (never merging two stored incidents) or
  open a new one. A correction takes the place of the report it supersedes.
* :func:`fuse_all` re-fuses every current report (``trucewatch fuse --full``): it learns the
  model by EM, records a ``fusion`` entry holding it, and the entry's applier fuses with it, so
  that replaying the log makes the same incidents. Delegations' decisions (``decisions``) bind it.

Incident ids are kept where a re-fused incident holds most of an old one's reports; incidents left
without reports are removed with their attribution (they were a view, the reports remain).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from trucewatch.geo.service import load_gazetteer
from trucewatch.incidents.attribution import attribute_incidents
from trucewatch.incidents.batch import FLOOR, PARTITION_DAYS, Run, fuse, learn, partitions, serial
from trucewatch.incidents.clustering import cluster, place_coarse
from trucewatch.incidents.columns import Accounts, actor_code, place_keys, to_reports
from trucewatch.incidents.fusion import TIME_HALF_SPAN_S, WINDOW_HOURS, Reports, compare, pairs_with, paused_gc
from trucewatch.incidents.merged import PLACE_ORDER
from trucewatch.incidents.models import Attribution, AttributionChange, FusionRun, Incident
from trucewatch.incidents.schemas import FusionIn
from trucewatch.incidents.scoring import Model
from trucewatch.incidents.sketch import EMPTY, SKETCH, sketches
from trucewatch.ledger.entries import Signer
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.models import Entry
from trucewatch.ledger.service import Recorded, applies, count_entries, follows, record
from trucewatch.registry.models import Delegation
from trucewatch.registry.schemas import Role
from trucewatch.registry.service import require_author
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_before
from trucewatch.reports.taxonomy import ViolationType, confusable_matrix

TYPES = tuple(str(t) for t in ViolationType)
COMPATIBLE = confusable_matrix(TYPES)
NEAR_DEG = 0.6
"""How far around new reports (in degrees) placement reads the stored ones placed to a town or better:
more than the blocking reach between two of them (25 km beyond radii of up to 5 km: 0.4 degree of
longitude at Syria's northern edge). Those placed to a district or more loosely are read wherever they are."""
_RUN = "trucewatch.fusion_run"
_PLACES = "trucewatch.place_keys"
_LISTS = [f for f in Accounts.__dataclass_fields__ if f != "sketch"]


@cache
def default_model() -> Model:
    """The model shipped with trucewatch (EM on the labelled generator; scripts/calibrate_fusion.py),
    used until a full re-fusion learns one from the mechanism's own reports."""
    return Model.from_json(json.loads((files("trucewatch") / "data" / "fusion_model.json").read_text(encoding="utf-8")))


def current_model(session: Session) -> Model:
    found = session.scalar(select(FusionRun.model).order_by(FusionRun.id.desc()).limit(1))
    return Model.from_json(found) if found is not None else default_model()


# --------------------------------------------------------------------------- reading


def _columns() -> tuple[Any, ...]:
    return (
        Report.id, Report.occurred_at, Report.time_precision, Report.latitude, Report.longitude, Report.geo_precision,
        Report.governorate, Report.violation_type, Report.perpetrator_actor_id, Report.perpetrator,
        Report.target_actor_id, Report.target, Report.killed_civilian, Report.killed_combatant, Report.killed_unknown,
        Report.place, Delegation.code, Report.narrative, Report.place_key, Report.sketch, Report.weapons,
        Report.incident_id,
    )  # fmt: skip


def read_accounts(session: Session, before: int, *where: ColumnElement[bool]) -> tuple[Accounts, list[int | None]]:
    """The reports current before entry ``before`` matching ``where``, as fusion reads them, and each
    one's incident (as of that entry, so that a replay of the log reads what the write read)."""
    query = select(*_columns()).join(Delegation, Report.delegation_id == Delegation.id)
    query = query.where(current_before(), *where)
    rows = session.execute(query.order_by(Report.id), {"before": before}).all()
    return coded(session, as_accounts(rows)), [r[-1] for r in rows]


def coded(session: Session, accounts: Accounts) -> Accounts:
    """The accounts with every place key and sketch: those stored, the others worked out (and kept)."""
    keys = list(accounts.place_key or [None] * len(accounts))
    sketch = accounts.sketch if accounts.sketch is not None else np.full((len(accounts), SKETCH), EMPTY, np.uint32)
    missing = [k for k in range(len(accounts)) if (keys[k] is None and accounts.place[k]) or sketch[k, 0] == EMPTY]
    if missing:
        names = [accounts.place[k] for k in missing]
        found = place_keys(names, load_gazetteer(session), session.info.setdefault(_PLACES, {}))
        fresh = sketches([accounts.narrative[k] for k in missing])
        for n, k in enumerate(missing):
            keys[k] = found[n]
        sketch[missing] = fresh
    return replace(accounts, place_key=keys, sketch=sketch)


def as_accounts(rows: Sequence[Sequence[Any]]) -> Accounts:
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(_columns())
    killed = [None if all(k is None for k in ks) else sum(k or 0 for k in ks) for ks in zip(*cols[12:15], strict=True)]
    return Accounts(
        id=cols[0],
        start=[at.replace(tzinfo=UTC).timestamp() if at.tzinfo is None else at.timestamp() for at in cols[1]],
        time_precision=cols[2],
        latitude=cols[3],
        longitude=cols[4],
        geo_precision=cols[5],
        governorate=cols[6],
        violation_type=cols[7],
        perpetrator=[actor_code(i, n) for i, n in zip(cols[8], cols[9], strict=True)],
        target=[actor_code(i, n) for i, n in zip(cols[10], cols[11], strict=True)],
        killed=killed,
        place=cols[15],
        delegation=cols[16],
        narrative=cols[17],
        place_key=cols[18],
        sketch=np.array(
            [np.frombuffer(b, dtype="<u4") if b else np.full(SKETCH, EMPTY, np.uint32) for b in cols[19]], np.uint32
        ).reshape(len(rows), SKETCH),
        weapons=cols[20],
    )


# --------------------------------------------------------------------------- placing new reports


@follows(EntryKind.REPORT, order=15)
def _new_reports(session: Session, entries: Sequence[Recorded]) -> None:
    """Each report signed alone is placed alone, a sealed batch together (in log order): a replay of
    the log, which reads many entries at once, places them as their writes did."""
    idxs = [e.idx for e in entries]
    alone = set(session.scalars(select(Entry.idx).where(Entry.idx.in_(idxs), Entry.statement_hash.is_not(None))))
    found = session.execute(select(Report.entry_idx, Report.id, Report.supersedes_id).where(Report.entry_idx.in_(idxs)))
    ids, corrections = {}, set()
    for idx, report_id, supersedes in found:
        ids[idx] = report_id
        if supersedes is not None:
            corrections.add(report_id)
    batch = [ids[i] for i in idxs if i not in alone and i in ids]
    for idx in idxs:
        if idx in alone and idx in ids:
            place_reports(session, [ids[idx]], entry_idx=idx, corrections=ids[idx] in corrections)
    if batch:
        place_reports(session, batch, entry_idx=idxs[-1], corrections=bool(corrections.intersection(batch)))


def place_reports(session: Session, ids: Sequence[int], *, entry_idx: int, corrections: bool = True) -> None:
    """Place new reports into stored incidents or new ones (see the module's docstring). Without
    ``corrections`` (none of them supersedes a report) the reports corrected are not looked for."""
    replaced = _leave_superseded(session, ids) if corrections else set()
    new, _ = read_accounts(session, entry_idx + 1, Report.id.in_(ids))
    if not len(new):
        refresh_incidents(session, replaced, entry_idx=entry_idx)
        return
    found = [read_accounts(session, entry_idx + 1, where, Report.id.not_in(ids)) for where in _around(new)]
    both = _joined([new, *(a for a, _ in found)])
    stored = [s for _, held in found for s in held]
    reports = to_reports(both, TYPES)
    held = np.array([-1] * len(new) + [-1 if s is None else s for s in stored], dtype=np.int64)
    labels = _placed(reports, held, current_model(session), len(new))
    touched = _write_placement(session, new, labels[: len(new)])
    refresh_incidents(session, touched | replaced, entry_idx=entry_idx)


def _joined(parts: Sequence[Accounts]) -> Accounts:
    lists: dict[str, Any] = {f: [v for a in parts for v in getattr(a, f)] for f in _LISTS}
    sketch = np.concatenate([a.sketch for a in parts if a.sketch is not None])
    return Accounts(**lists, sketch=sketch)


def _placed(reports: Reports, held: NDArray[np.int64], model: Model, k: int) -> NDArray[np.int64]:
    pairs = pairs_with(reports, np.arange(k))
    weights = model.score(compare(reports, pairs, COMPATIBLE))
    keep = weights > FLOOR
    labels = cluster(reports, pairs[keep], weights[keep], COMPATIBLE, stored=held)
    movable = np.zeros(len(reports), dtype=bool)
    movable[:k] = True
    labels = place_coarse(reports, labels, model, COMPATIBLE, movable=movable)
    incident_of = {int(label): int(h) for label, h in zip(labels.tolist(), held.tolist(), strict=True) if h >= 0}
    return np.array([incident_of.get(int(label), -1 - int(label)) for label in labels], dtype=np.int64)


def _around(new: Accounts) -> list[ColumnElement[bool]]:
    """Stored reports that may be one event with a new one: near in time, or dated to the week or month
    and within a month (two conditions, each read by its own index), and near in space or vague in place."""
    spans = [TIME_HALF_SPAN_S[p] for p in new.time_precision]
    slow = ("week", "month")
    near = timedelta(seconds=2 * max(spans) + 2 * TIME_HALF_SPAN_S["day"] + WINDOW_HOURS * 3600)
    wide = near + timedelta(seconds=2 * TIME_HALF_SPAN_S["month"])
    first = datetime.fromtimestamp(min(new.start), UTC)
    last = datetime.fromtimestamp(max(new.start), UTC)
    close = Report.occurred_at.between(first - near, last + near)
    slow_ones = and_(Report.time_precision.in_(slow), Report.occurred_at.between(first - wide, last + wide), ~close)
    lats = [x for x in new.latitude if x is not None]
    lons = [x for x in new.longitude if x is not None]
    if len(lats) < len(new) or max(new.geo_precision, key=PLACE_ORDER.index) in PLACE_ORDER[3:]:
        return [close, slow_ones]
    box = and_(
        Report.latitude.between(min(lats) - NEAR_DEG, max(lats) + NEAR_DEG),
        Report.longitude.between(min(lons) - NEAR_DEG, max(lons) + NEAR_DEG),
    )
    where = or_(box, Report.latitude.is_(None), Report.geo_precision.in_(PLACE_ORDER[3:]))
    return [and_(close, where), and_(slow_ones, where)]


def _write_placement(session: Session, new: Accounts, labels: NDArray[np.int64]) -> set[int]:
    """Store each new report's incident (a stored one, label >= 0, or a new one per new label) with its
    place key and narrative sketch: placing its neighbours later reads them."""
    made: dict[int, int] = {}
    rows = []
    keys = new.place_key or [None] * len(new)
    sketch = new.sketch if new.sketch is not None else np.empty((0, SKETCH), np.uint32)
    for report_id, label, key, row in zip(new.id, labels.tolist(), keys, sketch, strict=True):
        if label < 0 and label not in made:
            made[label] = new_incident(session)
        rows.append({"id": report_id, "incident_id": made.get(label, label), "place_key": key,
                     "sketch": row.astype("<u4").tobytes()})  # fmt: skip
    session.execute(update(Report), rows)
    return {r["incident_id"] for r in rows}


def _leave_superseded(session: Session, ids: Sequence[int]) -> set[int]:
    """Reports the new ones correct leave their incidents; those incidents, to refresh."""
    old = session.execute(
        select(Report.id, Report.incident_id).where(
            Report.id.in_(select(Report.supersedes_id).where(Report.id.in_(ids))), Report.incident_id.is_not(None)
        )
    ).all()
    if old:
        session.execute(update(Report).where(Report.id.in_([r for r, _ in old])).values(incident_id=None))
    return {i for _, i in old if i is not None}


def new_incident(session: Session) -> int:
    """A new, empty incident's id; :func:`refresh_incidents` fills in its summary."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    made = insert(Incident).values(occurred_from=epoch, occurred_to=epoch, violation_type="other")
    return int(session.execute(made.returning(Incident.id)).scalar_one())


# --------------------------------------------------------------------------- incident summaries


def refresh_incidents(session: Session, incident_ids: set[int], *, entry_idx: int) -> None:
    """Recompute the stored summary of each incident (all its members: the operator's view, used to
    filter and attribute); remove those left without reports; attribute the others."""
    if not incident_ids:
        return
    ids = sorted(incident_ids)
    members: dict[int, list[Any]] = defaultdict(list)
    query = select(Report.incident_id, Report.occurred_at, Report.time_precision, Report.latitude, Report.longitude,
                   Report.geo_precision, Report.governorate, Report.violation_type)  # fmt: skip
    for chunk in _chunks(ids):
        found = session.execute(query.where(Report.incident_id.in_(chunk), current_before()), {"before": entry_idx + 1})
        for row in found:
            members[row[0] or 0].append(row)
    empty = [i for i in ids if not members[i]]
    if empty:
        _remove(session, empty)
    rows = [_summary(i, members[i]) for i in ids if members[i]]
    stored = _stored_summaries(session, [r["id"] for r in rows])
    changed = [r for r in rows if stored.get(r["id"]) != r]
    if changed:
        session.execute(update(Incident), changed)
        moved = [r["id"] for r in changed if _where_when(r) != _where_when(stored.get(r["id"]))]
        if moved:  # an attribution depends on the place and the days only
            attribute_incidents(session, moved, entry_idx=entry_idx)


def _stored_summaries(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    columns = [Incident.id, *(getattr(Incident, f) for f in _SUMMARY)]
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(*columns).where(Incident.id.in_(chunk))):
            found[row[0]] = {"id": row[0], **dict(zip(_SUMMARY, row[1:], strict=True))}
    return found


_SUMMARY = ("occurred_from", "occurred_to", "latitude", "longitude", "geo_precision", "governorate", "violation_type")


def _where_when(summary: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """What an incident's attribution depends on: its place and its days."""
    if summary is None:
        return None
    return (summary["latitude"], summary["longitude"], summary["geo_precision"], summary["governorate"],
            summary["occurred_from"].date(), summary["occurred_to"].date())  # fmt: skip


def _summary(incident_id: int, rows: list[Any]) -> dict[str, Any]:
    starts = [r[1] for r in rows]
    ends = [r[1] + timedelta(seconds=2 * TIME_HALF_SPAN_S[r[2]]) for r in rows]
    placed = [r for r in rows if r[3] is not None]
    finest = min((PLACE_ORDER.index(r[5]) for r in placed), default=None)
    best = [r for r in placed if PLACE_ORDER.index(r[5]) == finest]
    governorates = Counter(r[6] for r in rows if r[6])
    return {
        "id": incident_id,
        "occurred_from": min(starts),
        "occurred_to": max(ends),
        "latitude": sum(r[3] for r in best) / len(best) if best else None,
        "longitude": sum(r[4] for r in best) / len(best) if best else None,
        "geo_precision": PLACE_ORDER[finest] if finest is not None else "country",
        "governorate": min(governorates, key=lambda g: (-governorates[g], g)) if governorates else None,
        "violation_type": Counter(sorted(r[7] for r in rows)).most_common(1)[0][0],
    }


def _remove(session: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(ids):
        session.execute(delete(AttributionChange).where(AttributionChange.incident_id.in_(chunk)))
        session.execute(delete(Attribution).where(Attribution.incident_id.in_(chunk)))
        session.execute(update(Report).where(Report.incident_id.in_(chunk)).values(incident_id=None))
        session.execute(delete(Incident).where(Incident.id.in_(chunk)))


def _chunks(ids: Sequence[int], size: int = 5000) -> list[Sequence[int]]:
    return [ids[k : k + size] for k in range(0, len(ids), size)]


# --------------------------------------------------------------------------- full re-fusion


def fuse_all(
    session: Session,
    *,
    signer: Signer,
    at: datetime,
    run: Run = serial,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Learn the model from every current report, record it as a ``fusion`` entry, fuse with it."""
    require_author(session, signer.delegation, (Role.SECRETARIAT,), what="fusion")
    progress("reading the reports")
    reports, stored = _read_all(session, count_entries(session))
    progress("learning the model")
    learned, found = learn(partitions(reports, COMPATIBLE), int((~reports.coarse).sum()), run)
    model = learned or current_model(session)
    session.info[_RUN] = (run, reports, stored, progress, found)
    payload = FusionIn(model=model.as_json(), reports=len(reports), partition_days=PARTITION_DAYS)
    (entry,) = record(session, EntryKind.FUSION, signer, [payload.model_dump(mode="json")], at=at)
    done = session.scalars(select(FusionRun).where(FusionRun.entry_idx == entry.idx)).one()
    return {"entry": entry.idx, "reports": done.reports, "incidents": done.incidents, "model": done.model}


@applies(EntryKind.FUSION)
def _apply_fusion(session: Session, entries: Sequence[Recorded]) -> None:
    from trucewatch.incidents.decisions import constraints

    for entry in entries:
        item = FusionIn.model_validate(entry.payload)
        run, reports, stored, progress, found = session.info.pop(_RUN, None) or (
            serial,
            *_read_all(session, entry.idx),
            lambda _: None,
            None,
        )  # a replay reads the reports as they stood at the entry
        progress("fusing")
        together, apart = constraints(session, reports.id)
        model = Model.from_json(item.model)
        fused = fuse(reports, COMPATIBLE, run=run, days=item.partition_days, together=together, apart=apart,
                     model=model, found=found)  # fmt: skip
        progress("writing the incidents")
        incidents = _write_all(session, reports.id, fused.labels, stored, entry_idx=entry.idx)
        session.add(FusionRun(entry_idx=entry.idx, reports=len(reports), incidents=incidents, model=item.model))
    session.flush()


def _read_all(session: Session, before: int) -> tuple[Reports, list[int | None]]:
    """Every report current before entry ``before``, coded, and each one's incident."""
    with paused_gc():  # a million rows read and coded
        accounts, stored = read_accounts(session, before)
        return to_reports(accounts, TYPES, load_gazetteer(session)), stored


def _write_all(
    session: Session, ids: NDArray[np.int64], labels: NDArray[np.int64], stored: Sequence[int | None], *, entry_idx: int
) -> int:
    """Store every report's incident, keeping an old incident's id for the cluster holding most of it."""
    clusters: dict[int, list[int]] = defaultdict(list)
    for position, label in enumerate(labels.tolist()):
        clusters[label].append(position)
    taken: set[int] = set()
    chosen: dict[int, int] = {}
    for label, members in sorted(clusters.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        counts = Counter(s for s in (stored[p] for p in members) if s is not None and s not in taken)
        if counts:
            best = min(counts, key=lambda i: (-counts[i], i))
            chosen[label] = best
            taken.add(best)
    fresh = [label for label in clusters if label not in chosen]
    if fresh:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        first = (session.scalar(select(Incident.id).order_by(Incident.id.desc()).limit(1)) or 0) + 1
        rows = [{"id": first + k, "occurred_from": epoch, "occurred_to": epoch, "violation_type": "other"}
                for k in range(len(fresh))]  # fmt: skip
        session.execute(insert(Incident), rows)
        chosen.update({label: first + k for k, label in enumerate(fresh)})
    changes = [
        {"id": int(ids[p]), "incident_id": chosen[label]}
        for label, members in clusters.items()
        for p in members
        if stored[p] != chosen[label]
    ]
    if changes:
        session.execute(update(Report), changes)
    gone = {s for s in stored if s is not None} - taken
    refresh_incidents(session, set(chosen.values()) | gone, entry_idx=entry_idx)
    return len(clusters)
