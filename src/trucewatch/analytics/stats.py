"""What the database holds: totals, and reports by type, governorate and month."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.geo.models import Zone
from trucewatch.incidents.models import Incident
from trucewatch.ledger.models import Entry
from trucewatch.mechanism.models import Commitment, Meeting
from trucewatch.registry.models import Actor, Delegation
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_reports
from trucewatch.store.sql import year_month

TOTALS = {
    "incidents": Incident,
    "delegations": Delegation,
    "actors": Actor,
    "zones": Zone,
    "meetings": Meeting,
    "commitments": Commitment,
    "entries": Entry,
}


def database_stats(session: Session) -> dict[str, Any]:
    """Totals and breakdowns; ``reports`` counts current reports (corrections replace what they correct)."""
    stats: dict[str, Any] = {
        "reports": _count(session, Report, current=True),
        "reports_superseded": _count(session, Report, current=False),
    }
    stats |= {name: _count(session, model) for name, model in TOTALS.items()}
    stats["reports_by_type"] = _by(session, Report.violation_type)
    areas = syria_admin_areas()
    counted = _by(session, Report.governorate)
    every = {areas.governorate_name(code): counted.get(code, 0) for code in areas.governorates}
    if "(unknown)" in counted:
        every["(unknown)"] = counted["(unknown)"]
    stats["reports_by_governorate"] = dict(sorted(every.items(), key=lambda kv: (-kv[1], kv[0])))
    stats["reports_by_month"] = _by_month(session)
    return stats


def _count(session: Session, model: Any, *, current: bool | None = None) -> int:
    query = select(func.count()).select_from(model)
    if current is not None:
        query = query.where(current_reports() if current else ~current_reports())
    return session.scalar(query) or 0


def _by(session: Session, column: Any) -> dict[str, int]:
    query = select(column, func.count()).where(current_reports()).group_by(column).order_by(func.count().desc(), column)
    return {str(key) if key is not None else "(unknown)": n for key, n in session.execute(query)}


def _by_month(session: Session) -> dict[str, int]:
    """Reports per calendar month (UTC), oldest first."""
    month = year_month(Report.occurred_at)
    query = select(month, func.count()).where(current_reports()).group_by(month).order_by(month)
    return dict(session.execute(query).all())
