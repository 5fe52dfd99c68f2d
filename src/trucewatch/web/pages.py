"""The dashboard, its charts, and the incidents: each page parses, calls the services the API calls, renders.

Each page names its JSON twin (the API route that answers the same question) at its foot.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from trucewatch.analytics.plots import hot_spots, violations_by_day
from trucewatch.analytics.stats import incident_days, incident_stats
from trucewatch.api.deps import Db, now
from trucewatch.errors import FieldProblem, InvalidInput
from trucewatch.geo.admin import syria_admin_areas
from trucewatch.incidents.attribution import with_attributions
from trucewatch.incidents.service import IncidentFilter, describe_incidents, get_incident, list_incidents
from trucewatch.ledger.checkpoints import proven_inclusion, tree_size
from trucewatch.mechanism.service import meetings_around
from trucewatch.registry.access import Action, Viewer
from trucewatch.registry.service import list_actors
from trucewatch.reports.service import describe_report
from trucewatch.reports.taxonomy import ViolationType
from trucewatch.web.i18n import translations
from trucewatch.web.render import page
from trucewatch.web.session import may
from trucewatch.web.views import actor_names, field_names, governorate_names, side_by_side
from trucewatch.web.words import label

router = APIRouter(include_in_schema=False)
StatsReader = Annotated[Viewer, Depends(may(Action.READ_STATS))]
IncidentReader = Annotated[Viewer, Depends(may(Action.READ_INCIDENTS))]
DEFAULT_DAYS = 90
PAGE = 50


@dataclass(frozen=True)
class Period:
    """Whole days, ``start`` to ``end`` inclusive."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    @property
    def query(self) -> str:
        return f"since={self.start.isoformat()}&until={self.end.isoformat()}"


def period(session: Any, who: Viewer, since: date | None, until: date | None) -> Period:
    """The period asked for; missing ends default to the last :data:`DEFAULT_DAYS` days with incidents."""
    known = incident_days(session, viewer=who)
    end = until or (known[1] if known else now().date())
    start = since or max(known[0] if known else end, end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise InvalidInput([FieldProblem("period", "since", f"{start} is after the end of the period, {end}")])
    return Period(start, end)


Since = Annotated[date | None, Query()]
Until = Annotated[date | None, Query()]


@router.get("/")
def dashboard(request: Request, db: Db, who: StatsReader, since: Since = None, until: Until = None) -> HTMLResponse:
    with db.begin() as session:
        chosen, stats = _stats(request, session, who, since, until)
        newest = IncidentFilter(chosen.since, chosen.until, limit=8, newest_first=True)
        incidents = describe_incidents(session, list_incidents(session, newest, viewer=who), viewer=who)
        upcoming, recent = meetings_around(session, now().date())
    context = {"period": chosen, "stats": stats, "incidents": incidents, "upcoming": upcoming, "recent": recent}
    context["governorate_names"] = governorate_names(request.state.locale)
    return page(request, "dashboard.html", who, context)


@router.get("/charts/violations.svg")
def violations_chart(request: Request, db: Db, who: StatsReader, since: Since = None, until: Until = None) -> Response:
    locale = request.state.locale
    with db.begin() as session:
        chosen, stats = _stats(request, session, who, since, until)
    counts = {date.fromisoformat(d): n for d, n in stats["by_day"].items()}
    names = {str(t): label(str(t), locale) for t in ViolationType}
    title = _t(request, "Violations by day and type")
    svg = violations_by_day(
        counts, start=chosen.start, end=chosen.end, title=title, type_names=names, empty=_t(request, "No violation")
    )
    return _svg(svg)


@router.get("/charts/hot-spots.svg")
def hot_spots_chart(request: Request, db: Db, who: StatsReader, since: Since = None, until: Until = None) -> Response:
    with db.begin() as session:
        _, stats = _stats(request, session, who, since, until)
    names = governorate_names(request.state.locale)
    counts = {names.get(name, name): n for name, n in stats["by_governorate"].items()}
    return _svg(hot_spots(counts, title=_t(request, "Hot spots by governorate"), empty=_t(request, "No violation")))


@router.get("/incidents")
def incidents(
    request: Request,
    db: Db,
    who: IncidentReader,
    since: Since = None,
    until: Until = None,
    type: Annotated[ViolationType | None, Query()] = None,
    governorate: Annotated[str | None, Query(max_length=8)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    with db.begin() as session:
        chosen = period(session, who, since, until)
        where = IncidentFilter(chosen.since, chosen.until, type, governorate or None, PAGE + 1, offset)
        found = describe_incidents(session, list_incidents(session, where, viewer=who), viewer=who)
    context = {
        "period": chosen,
        "incidents": found[:PAGE],
        "more": len(found) > PAGE,
        "offset": offset,
        "page_size": PAGE,
        "type": type or "",
        "governorate": governorate or "",
        "types": list(ViolationType),
        "governorates": sorted(syria_admin_areas().governorates),
    }
    return page(request, "incidents.html", who, context)


@router.get("/incidents/{incident_id}")
def incident(request: Request, db: Db, who: IncidentReader, incident_id: int) -> HTMLResponse:
    with db.begin() as session:
        view, members = get_incident(session, incident_id, viewer=who)
        reports = with_attributions(session, [describe_report(r, code) for r, code in members])
        (described,) = describe_incidents(session, [view], viewer=who)
        proofs = [proven_inclusion(session, index=r["entry"]) for r in reports]
        names = actor_names(list_actors(session), request.state.locale)
    locale = request.state.locale
    context = {
        "incident": described,
        "reports": reports,
        "proofs": proofs,
        "actor_names": names,
        "disputed": {d["field"] for d in described["merged"]["disagreements"]},
        "rows": side_by_side(reports, locale),
        "field_names": field_names(locale),
    }
    return page(request, "incident.html", who, context)


def _stats(
    request: Request, session: Session, who: Viewer, since: date | None, until: date | None
) -> tuple[Period, dict[str, Any]]:
    """The period and its incident statistics for this reader. The dashboard and its two charts ask the
    same question at once: the answer is kept per reader's scope, period and log size (every change to
    the records is an entry, so a new entry makes a new key)."""
    chosen = period(session, who, since, until)
    key = (who.role, who.delegation, chosen.start, chosen.end, tree_size(session))
    memo: Memo = request.app.state.web_memo
    found = memo.get(key)
    if found is None:
        found = memo.put(key, incident_stats(session, viewer=who, since=chosen.since, until=chosen.until))
    return chosen, found


class Memo:
    """The last ``size`` answers, by key, shared by the server's threads."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            if key in self._found:
                self._found.move_to_end(key)
            return self._found.get(key)

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            self._found[key] = value
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return value


def _t(request: Request, text: str) -> str:
    return translations(request.state.locale).gettext(text)


def _svg(svg: str) -> Response:
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
            "cache-control": "private, max-age=60",
        },
    )
