"""Attribution of reports and incidents to the map of control: who held the place on the day.

Every report is attributed when it is stored, and again, for the reports its change can touch,
whenever the map or a designation changes; a changed attribution is kept as an
:class:`AttributionChange` naming the entry that changed it and why. The work is vectorised:
one :class:`~trucewatch.geo.zonemap.ZoneMap` query for all the reports at once.

A report's place counts with its precision: an exact point is a point; ``near`` a circle of
5 km and ``town`` of 3 km around it; ``district`` and ``governorate`` the whole area. Every zone
the place touches counts, and a place touching zones of different standing is ``mixed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from sqlalchemy import insert, not_, select, update
from sqlalchemy.orm import Session

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.geo.service import load_zone_map, opposing_rule
from trucewatch.geo.zonemap import ZoneMap, area_around, days
from trucewatch.incidents.models import Attribution, AttributionChange, Incident
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Recorded, follows
from trucewatch.registry.access import OPERATOR, Viewer, readable
from trucewatch.registry.schemas import ActorDesignationIn
from trucewatch.registry.service import load_standings
from trucewatch.registry.standing import Standings
from trucewatch.reports.models import Report

RADIUS_KM = {"near": 5.0, "town": 3.0}
"""The circle a point stands for at these precisions."""
SPAN_DAYS = {"week": 7, "month": 31}
"""The days a time stands for at these precisions, from the time given."""


class Status(StrEnum):
    CEASEFIRE = "ceasefire"
    """Every zone it touches is held by actors covered by the ceasefire: a hostile act here is a
    possible violation."""
    EXCLUDED = "excluded"
    """Every zone it touches is held by groups excluded from the ceasefire (or designated): not a violation."""
    MIXED = "mixed"
    """Zones of different standing, or a zone held jointly by covered and excluded groups."""
    NOT_COVERED = "not_covered"
    """Held by actors the ceasefire does not cover, nor exclude (e.g. forces outside the agreement)."""
    UNMAPPED = "unmapped"
    """No zone of the map holds the place on that day."""
    UNLOCATED = "unlocated"
    """The report has no point: its place name is ambiguous or unknown."""


@dataclass(frozen=True)
class Subject:
    """A report or an incident, as attribution sees it."""

    id: int
    latitude: float | None
    longitude: float | None
    precision: str
    district: str | None
    governorate: str | None
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Outcome:
    status: Status
    zones: list[dict[str, Any]]
    front_km: float | None
    uncertain: bool

    def summary(self) -> str:
        if not self.zones:
            return self.status.value
        held = "; ".join(
            f"{z['zone']} by {', '.join(a['actor'] + _standing(a) for a in z['actors'])}" for z in self.zones
        )
        return f"{self.status.value} ({held})"


def _standing(actor: dict[str, Any]) -> str:
    if actor["excluded"]:
        return " [excluded]"
    return " [ceasefire]" if actor["ceasefire_covered"] else ""


# --------------------------------------------------------------------------- computing


def attribute(subjects: Sequence[Subject], zone_map: ZoneMap, standings: Standings, opposing: Any) -> list[Outcome]:
    """Each subject's zones, status and distance to the front, computed together."""
    located = [i for i, s in enumerate(subjects) if s.latitude is not None]
    touched: dict[int, list[int]] = defaultdict(list)
    points = [i for i in located if subjects[i].precision in ("exact",)]
    areas = [i for i in located if subjects[i].precision not in ("exact",)]
    for group, finder in ((points, _at_points), (areas, _at_areas)):
        if group:
            for a, v in zip(*finder([subjects[i] for i in group], zone_map), strict=True):
                touched[group[a]].append(int(v))
    fronts = np.full(len(subjects), np.nan)
    if located:
        chosen = [subjects[i] for i in located]
        fronts[located] = zone_map.front_distance_km(
            np.array([s.longitude for s in chosen]),
            np.array([s.latitude for s in chosen]),
            days([s.first_day for s in chosen]),
            opposing,
        )
    return [
        _outcome(s, [zone_map.versions[v] for v in touched.get(i, [])], standings, fronts[i])
        for i, s in enumerate(subjects)
    ]


def _at_points(group: Sequence[Subject], zone_map: ZoneMap) -> tuple[Any, Any]:
    return zone_map.at_points(
        np.array([s.longitude for s in group]),
        np.array([s.latitude for s in group]),
        days([s.first_day for s in group]),
        days([s.last_day for s in group]),
    )


def _at_areas(group: Sequence[Subject], zone_map: ZoneMap) -> tuple[Any, Any]:
    shapes = np.array([_area(s) for s in group], dtype=object)
    return zone_map.at_areas(shapes, days([s.first_day for s in group]), days([s.last_day for s in group]))


def _area(s: Subject) -> shapely.Geometry:
    admin = syria_admin_areas()
    if s.precision == "district" and s.district in admin.shapes:
        return admin.shapes[s.district]
    if s.precision in ("district", "governorate") and s.governorate in admin.shapes:
        return admin.shapes[s.governorate]
    if s.precision in RADIUS_KM:
        return area_around(s.longitude or 0.0, s.latitude or 0.0, RADIUS_KM[s.precision])
    if s.precision == "country":
        return admin.country
    return shapely.Point(s.longitude, s.latitude)


def _outcome(s: Subject, versions: Sequence[Any], standings: Standings, front: float) -> Outcome:
    if s.latitude is None:
        return Outcome(Status.UNLOCATED, [], None, uncertain=True)
    zones = []
    classes = set()
    for v in sorted(versions, key=lambda v: (v.name, v.valid_from)):
        actors = [standings.on(actor_id, s.first_day) for actor_id in v.controllers]
        classes.add(zone_class(actors))
        zones.append(
            {
                "zone": v.name,
                "valid_from": v.valid_from.isoformat(),
                "actors": [
                    {
                        "actor": a.key,
                        "ceasefire_status": a.ceasefire_status,
                        "ceasefire_covered": a.ceasefire_covered,
                        "designated": a.designated,
                        "excluded": a.excluded,
                    }
                    for a in actors
                ],
            }
        )
    status = Status.UNMAPPED if not classes else classes.pop() if len(classes) == 1 else Status.MIXED
    front_km = None if np.isnan(front) else round(float(front), 2)
    return Outcome(status, zones, front_km, s.precision != "exact" or s.first_day != s.last_day)


def zone_class(actors: Iterable[Any]) -> Status:
    listed = list(actors)
    covered = any(a.ceasefire_covered for a in listed)
    excluded = any(a.excluded for a in listed)
    if covered and excluded:
        return Status.MIXED
    return Status.CEASEFIRE if covered else Status.EXCLUDED if excluded else Status.NOT_COVERED


# --------------------------------------------------------------------------- storing


def _report_subjects(session: Session, *, ids: Sequence[int] | None = None, since: date | None = None) -> list[Subject]:
    query = select(
        Report.id,
        Report.latitude,
        Report.longitude,
        Report.geo_precision,
        Report.district,
        Report.governorate,
        Report.occurred_at,
        Report.time_precision,
    ).order_by(Report.id)
    if ids is not None:
        query = query.where(Report.id.in_(ids))
    if since is not None:
        query = query.where(Report.occurred_at >= _midnight(since - timedelta(days=max(SPAN_DAYS.values()))))
    return [_subject(*row) for row in session.execute(query)]


def _incident_subjects(session: Session, *, ids: Sequence[int] | None = None) -> list[Subject]:
    query = select(
        Incident.id,
        Incident.latitude,
        Incident.longitude,
        Incident.geo_precision,
        Incident.governorate,
        Incident.occurred_from,
        Incident.occurred_to,
    ).order_by(Incident.id)
    if ids is not None:
        query = query.where(Incident.id.in_(ids))
    return [
        Subject(i, lat, lon, precision or "exact", None, gov, start.date(), max(start.date(), end.date()))
        for i, lat, lon, precision, gov, start, end in session.execute(query)
    ]


def _subject(
    report_id: int,
    lat: float | None,
    lon: float | None,
    precision: str,
    district: str | None,
    governorate: str | None,
    at: datetime,
    time_precision: str,
) -> Subject:
    first = at.date()
    return Subject(
        report_id,
        lat,
        lon,
        precision,
        district,
        governorate,
        first,
        first + timedelta(SPAN_DAYS.get(time_precision, 1) - 1),
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _store(
    session: Session,
    column: str,
    subjects: Sequence[Subject],
    *,
    entry_idx: int | Mapping[int, int],
    cause: str | None,
) -> int:
    """Compute and store the attributions of ``subjects``, made by ``entry_idx`` (one for all, or by
    subject id); a change is logged when ``cause`` is given. Returns how many changed status."""
    if not subjects:
        return 0
    outcomes = attribute(subjects, load_zone_map(session), load_standings(session), opposing_rule(session))
    key = getattr(Attribution, column)
    ids = [s.id for s in subjects]
    known = {
        row[0]: row[1:]
        for row in session.execute(
            select(key, Attribution.status, Attribution.zones, Attribution.front_km).where(key.in_(ids))
        )
    }
    fresh, changes = [], []
    for s, o in zip(subjects, outcomes, strict=True):
        values = {
            "status": o.status.value,
            "zones": o.zones,
            "front_km": o.front_km,
            "uncertain": o.uncertain,
            "reason": o.summary(),
            "entry_idx": entry_idx if isinstance(entry_idx, int) else entry_idx[s.id],
        }
        before = known.get(s.id)
        if before is None:
            fresh.append({column: s.id, **values})
        elif (before[0], before[1], before[2]) != (o.status.value, o.zones, o.front_km):
            session.execute(update(Attribution).where(key == s.id).values(**values))
            if cause is not None and before[0] != o.status.value:
                changes.append(
                    {column: s.id, "entry_idx": values["entry_idx"], "before": before[0], "after": o.status.value,
                     "reason": f"{cause}: now {o.summary()}"}
                )  # fmt: skip
    if fresh:
        session.execute(insert(Attribution), fresh)
    if changes:
        session.execute(insert(AttributionChange), changes)
    return len(changes)


def attribute_reports(session: Session, entries: Mapping[int, int]) -> None:
    """Attribute newly stored reports: report id to the entry that made it."""
    _store(session, "report_id", _report_subjects(session, ids=list(entries)), entry_idx=entries, cause=None)


def attribute_incidents(session: Session, ids: Sequence[int], *, entry_idx: int) -> None:
    """Attribute incidents (fusion calls this when it makes or moves one)."""
    _store(session, "incident_id", _incident_subjects(session, ids=ids), entry_idx=entry_idx, cause=None)


def reattribute(session: Session, *, since: date | None, entry_idx: int, cause: str) -> int:
    """Attribute again every report and incident from ``since`` (all when None); log what changed."""
    changed = _store(session, "report_id", _report_subjects(session, since=since), entry_idx=entry_idx, cause=cause)
    return changed + _store(session, "incident_id", _incident_subjects(session), entry_idx=entry_idx, cause=cause)


# --------------------------------------------------------------------------- followers


@follows(EntryKind.REPORT, order=20)
def _new_reports(session: Session, entries: Sequence[Recorded]) -> None:
    idxs = [e.idx for e in entries]
    made = session.execute(select(Report.id, Report.entry_idx).where(Report.entry_idx.in_(idxs))).all()
    attribute_reports(session, dict(made))


@follows(EntryKind.ZONE, order=20, batched=True)
def _map_changed(session: Session, entries: Sequence[Recorded]) -> None:
    starts = sorted({str(e.payload["valid_from"]) for e in entries})
    names = sorted({str(e.payload["name"]) for e in entries})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    cause = f"map changed from {starts[0]} (entry {entries[0].idx}: {shown})"
    reattribute(session, since=date.fromisoformat(starts[0]), entry_idx=entries[0].idx, cause=cause)


@follows(EntryKind.DESIGNATION, order=20, batched=True)
def _designation_changed(session: Session, entries: Sequence[Recorded]) -> None:
    items = [ActorDesignationIn.model_validate(e.payload) for e in entries]
    first = min(d.valid_from for d in items)
    what = ", ".join(f"{d.actor} by {d.authority}" for d in items[:3])
    cause = f"designation of {what} from {first.isoformat()} (entry {entries[0].idx})"
    reattribute(session, since=first, entry_idx=entries[0].idx, cause=cause)


@follows(EntryKind.PLACE, order=20, batched=True)
def _places_added(session: Session, entries: Sequence[Recorded]) -> None:
    """Reports the new places located (see reports.places) are attributed for the first time."""
    waiting = list(
        session.scalars(
            select(Report.id).where(
                Report.latitude.is_not(None),
                Report.id.in_(select(Attribution.report_id).where(Attribution.status == Status.UNLOCATED.value)),
            )
        )
    )
    if waiting:
        cause = f"place(s) {', '.join(str(e.payload['key']) for e in entries[:5])} added (entry {entries[0].idx})"
        _store(session, "report_id", _report_subjects(session, ids=waiting), entry_idx=entries[0].idx, cause=cause)


# --------------------------------------------------------------------------- reading

POSSIBLE_VIOLATION = frozenset({Status.CEASEFIRE, Status.MIXED})
"""Statuses under which a hostile act may be a ceasefire violation: the place touches a zone held
by an actor the ceasefire covers."""


def describe_attribution(a: Attribution) -> dict[str, Any]:
    """An attribution in its JSON form (the ``attribution`` of a report or an incident)."""
    return {
        "status": a.status,
        "possible_violation": a.status in POSSIBLE_VIOLATION,
        "zones": a.zones,
        "front_km": a.front_km,
        "uncertain": a.uncertain,
        "reason": a.reason,
        "entry": a.entry_idx,
    }


def attributions_of(
    session: Session, *, reports: Sequence[int] = (), incidents: Sequence[int] = ()
) -> dict[str, dict[int, dict[str, Any]]]:
    """The attributions of some reports and incidents, as ``{"reports": {id: ...}, "incidents": {id: ...}}``."""
    out: dict[str, dict[int, dict[str, Any]]] = {"reports": {}, "incidents": {}}
    for name, column, ids in (
        ("reports", Attribution.report_id, reports),
        ("incidents", Attribution.incident_id, incidents),
    ):
        for chunk in _chunks(sorted(set(ids))):
            for a in session.scalars(select(Attribution).where(column.in_(chunk))):
                out[name][int(getattr(a, f"{name[:-1]}_id"))] = describe_attribution(a)
    return out


def _chunks(ids: Sequence[int], size: int = 1000) -> Iterable[Sequence[int]]:
    return (ids[i : i + size] for i in range(0, len(ids), size))


def effect(before: str, after: str) -> str:
    """``started`` when a place became one where a hostile act may be a violation, ``stopped``
    when it no longer is, ``changed`` when it moved between other statuses."""
    was, now = before in POSSIBLE_VIOLATION, after in POSSIBLE_VIOLATION
    return "started" if now and not was else "stopped" if was and not now else "changed"


def list_changes(
    session: Session,
    *,
    viewer: Viewer = OPERATOR,
    entry: int | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Attribution changes of the reports the viewer may read and of the incidents all of whose
    reports it may read (an incident's place and standing may come from any of them), oldest first;
    only those one entry made (``entry``); after change id ``after``."""
    visible_reports = select(Report.id).where(readable(viewer, Report.tier, Report.delegation_id))
    hidden = select(Report.incident_id).where(
        Report.incident_id.is_not(None), not_(readable(viewer, Report.tier, Report.delegation_id))
    )
    visible_incidents = select(Report.incident_id).where(
        Report.incident_id.is_not(None),
        readable(viewer, Report.tier, Report.delegation_id),
        Report.incident_id.not_in(hidden),
    )
    query = (
        select(AttributionChange, Report.ref)
        .outerjoin(Report, AttributionChange.report_id == Report.id)
        .where(
            (AttributionChange.report_id.in_(visible_reports)) | (AttributionChange.incident_id.in_(visible_incidents))
        )
        .order_by(AttributionChange.id)
        .limit(limit)
    )
    if entry is not None:
        query = query.where(AttributionChange.entry_idx == entry)
    if after is not None:
        query = query.where(AttributionChange.id > after)
    return [
        {
            "id": c.id,
            "report_id": c.report_id,
            "report_ref": ref,
            "incident_id": c.incident_id,
            "entry": c.entry_idx,
            "before": c.before,
            "after": c.after,
            "effect": effect(c.before, c.after),
            "reason": c.reason,
        }
        for c, ref in session.execute(query)
    ]


def with_attributions(
    session: Session, described: list[dict[str, Any]], *, of: str = "reports"
) -> list[dict[str, Any]]:
    """Described reports (or incidents, ``of="incidents"``), each with its ``attribution`` added."""
    found = attributions_of(session, **{of: [d["id"] for d in described]})[of]
    return [{**d, "attribution": found.get(d["id"])} for d in described]
