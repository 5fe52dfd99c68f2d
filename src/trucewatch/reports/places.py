"""Where a report happened: its own point, or its place name looked up in the gazetteer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.geo.gazetteer import Gazetteer, Precision
from trucewatch.geo.service import load_gazetteer
from trucewatch.ledger.kinds import EntryKind
from trucewatch.ledger.service import Recorded, follows
from trucewatch.reports.models import Report
from trucewatch.reports.schemas import ReportIn
from trucewatch.reports.taxonomy import GeoPrecision

_ORDER = [str(p) for p in GeoPrecision]
UNLOCATED = ("ambiguous", "unknown")


@dataclass(frozen=True)
class Located:
    latitude: float | None
    longitude: float | None
    precision: str
    location: str
    """``reported``, ``gazetteer``, ``ambiguous`` or ``unknown`` (see ``Report.location``)."""
    governorate: str | None
    district: str | None


def coarser(a: str, b: str) -> str:
    """The coarser of two precision codes: a name's place cannot make a report more precise than it says."""
    return max(a, b, key=_ORDER.index)


def locate_reports(session: Session, reports: Sequence[ReportIn]) -> list[Located]:
    """Each report's point, precision and areas: as reported, or looked up by its place name."""
    gazetteer = load_gazetteer(session) if any(r.latitude is None for r in reports) else None
    points = [_point(r.latitude, r.longitude, str(r.geo_precision), r.place, gazetteer) for r in reports]
    return _with_areas(points)


def _point(
    latitude: float | None, longitude: float | None, precision: str, place: str | None, gazetteer: Gazetteer | None
) -> Located:
    if latitude is not None and longitude is not None:
        return Located(latitude, longitude, precision, "reported", None, None)
    if gazetteer is None or place is None:  # ReportIn requires a point or a place
        return Located(None, None, precision, "unknown", None, None)
    found = gazetteer.find(place)
    if found.place is None:
        return Located(None, None, precision, found.status, None, None)
    p = found.place
    return Located(p.latitude, p.longitude, coarser(precision, str(p.precision)), "gazetteer", None, None)


def _with_areas(points: Sequence[Located]) -> list[Located]:
    located = [p for p in points if p.latitude is not None]
    governorates, districts = syria_admin_areas().locate(
        [p.longitude or 0.0 for p in located], [p.latitude or 0.0 for p in located]
    )
    where = {id(p): (g, d) for p, g, d in zip(located, governorates, districts, strict=True)}
    out = []
    for p in points:
        g, d = where.get(id(p), (None, None))
        coarse = p.precision in (Precision.GOVERNORATE, GeoPrecision.COUNTRY)
        out.append(Located(p.latitude, p.longitude, p.precision, p.location, g, None if coarse else d))
    return out


@follows(EntryKind.PLACE, order=10)
def _relocate_reports(session: Session, entries: Sequence[Recorded]) -> None:
    """A new place may be the one an unlocated report named: look those names up again."""
    del entries
    waiting = session.execute(
        select(Report.id, Report.place, Report.geo_precision).where(Report.location.in_(UNLOCATED))
    ).all()
    if not waiting:
        return
    gazetteer = load_gazetteer(session)
    points = _with_areas([_point(None, None, precision, place, gazetteer) for _, place, precision in waiting])
    for (report_id, _, _), p in zip(waiting, points, strict=True):
        session.execute(
            update(Report)
            .where(Report.id == report_id)
            .values(
                latitude=p.latitude,
                longitude=p.longitude,
                geo_precision=p.precision,
                location=p.location,
                governorate=p.governorate,
                district=p.district,
            )
        )
