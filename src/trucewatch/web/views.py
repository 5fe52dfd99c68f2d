"""What a page shows, arranged for its template: values put in words and in order, no rule of the mechanism."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trucewatch.analytics.stats import UNKNOWN
from trucewatch.geo.admin import syria_admin_areas
from trucewatch.incidents.merged import compared_value
from trucewatch.registry.models import Actor
from trucewatch.web.i18n import translations
from trucewatch.web.words import N_, governorate_label, label, local_name

SIDE_BY_SIDE = (
    ("day", N_("When")),
    ("place", N_("Place")),
    ("governorate", N_("Governorate")),
    ("violation_type", N_("Violation")),
    ("perpetrator", N_("Alleged perpetrator")),
    ("target", N_("Target")),
    ("killed", N_("Killed")),
    ("injured", N_("Injured")),
    ("weapons", N_("Weapons")),
    ("narrative", N_("Narrative")),
    ("attribution", N_("Attribution")),
    ("tier", N_("Tier")),
)
"""The rows of an incident's reports side by side: (field, label); the fields fusion compares keep their names."""


def field_names(locale: str) -> dict[str, str]:
    """The label of each row's field in the reader's language."""
    gettext = translations(locale).gettext
    return {field: gettext(text) for field, text in SIDE_BY_SIDE}


def side_by_side(reports: Sequence[Mapping[str, Any]], locale: str) -> list[dict[str, Any]]:
    """One row per field of :data:`SIDE_BY_SIDE`, with what each report says, as text."""
    names = field_names(locale)
    return [
        {"field": field, "label": names[field], "values": [_shown(r, field, locale) for r in reports]}
        for field, _ in SIDE_BY_SIDE
    ]


def _shown(report: Mapping[str, Any], field: str, locale: str) -> str:
    if field == "day":
        return f"{_time(report['occurred_at'], report['time_precision'])} ({label(report['time_precision'], locale)})"
    if field in ("killed", "injured"):
        total = compared_value(report, field)
        return "" if total is None else str(total)
    if field == "place":
        where = report.get("place") or ""
        if report.get("latitude") is not None:
            where = f"{where} {report['latitude']:.4f}, {report['longitude']:.4f}".strip()
        return f"{where} ({label(report['geo_precision'], locale)})"
    if field == "governorate":
        return governorate_label(report.get("governorate_pcode"), locale)
    if field in ("violation_type", "tier"):
        return label(report[field], locale)
    if field == "attribution":
        found = report.get("attribution")
        return label(found["status"], locale) if found else ""
    if field == "weapons":
        return ", ".join(report.get("weapons") or ())
    return str(report.get(field) or "")


def governorate_names(locale: str) -> dict[str, str]:
    """Each governorate's English name (as the statistics give it) in the reader's script."""
    areas = syria_admin_areas()
    names = {area.name_en: governorate_label(code, locale) for code, area in areas.governorates.items()}
    return names | {UNKNOWN: translations(locale).gettext(N_("(unknown)"))}


def actor_names(actors: Iterable[Actor], locale: str) -> dict[str, str]:
    """Each actor's name in the reader's language or script, by its registry key."""
    return {a.key: local_name(a.names or {}, a.name, locale) for a in actors}


def _time(occurred_at: str, precision: str) -> str:
    """An ISO time as precise as it is known: the day alone for a day, week or month; to the minute otherwise."""
    if precision in ("day", "week", "month"):
        return occurred_at[:10]
    return occurred_at[:10] + " " + occurred_at[11:16] + " UTC"
