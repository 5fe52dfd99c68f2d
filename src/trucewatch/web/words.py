"""The words the pages show for the code's values, in the reader's language and script.

Values of the core (violation types, tiers, roles, attribution statuses...) are shown through
:data:`LABELS`, whose English words the catalogs translate. Names of places and actors are
shown in the reader's script where the data knows it: governorates in Arabic for Arabic and
Persian readers (OCHA's Arabic names), an actor's name in the reader's language when the
registry holds one.
"""

from __future__ import annotations

from collections.abc import Mapping

from trucewatch.geo.admin import syria_admin_areas
from trucewatch.web.i18n import translations


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "mark for translation, translate later"
    return text


LABELS: Mapping[str, str] = {
    # violation types
    "shelling": N_("Shelling"),
    "air_strike": N_("Air strike"),
    "armed_clash": N_("Armed clash"),
    "attack_on_civilians": N_("Attack on civilians"),
    "abduction_detention": N_("Abduction or detention"),
    "humanitarian_obstruction": N_("Obstruction of humanitarian access"),
    "troop_movement": N_("Troop movement"),
    "other": N_("Other"),
    # tiers
    "restricted": N_("Restricted"),
    "shared": N_("Shared"),
    "public": N_("Public"),
    # roles
    "guarantor": N_("Guarantor"),
    "party": N_("Party"),
    "observer": N_("Observer"),
    "secretariat": N_("Secretariat"),
    # attribution and ceasefire standing
    "ceasefire": N_("Ceasefire zone: a possible violation"),
    "excluded": N_("Excluded from the ceasefire"),
    "mixed": N_("Mixed standing"),
    "not_covered": N_("Not covered by the ceasefire"),
    "unmapped": N_("Not on the map"),
    "unlocated": N_("Not located"),
    "signatory": N_("Signatory"),
    # precisions
    "exact": N_("exact"),
    "near": N_("near"),
    "town": N_("town"),
    "district": N_("district"),
    "governorate": N_("governorate"),
    "country": N_("country"),
    "hour": N_("hour"),
    "day": N_("day"),
    "week": N_("week"),
    "month": N_("month"),
}


def label(value: str | None, locale: str) -> str:
    """The reader's word for one of the code's values; the value itself when it has none."""
    if value is None:
        return ""
    english = LABELS.get(value)
    return translations(locale).gettext(english) if english else value


def governorate_label(pcode: str | None, locale: str, fallback: str = "") -> str:
    """A governorate's name in the reader's script (Arabic for Arabic and Persian readers)."""
    area = syria_admin_areas().governorates.get(pcode or "")
    if area is None:
        return fallback or (pcode or "")
    return area.name_ar if locale in ("ar", "fa") and area.name_ar else area.name_en


def local_name(names: Mapping[str, str], default: str, locale: str) -> str:
    """A name in the reader's language, else in its script (Arabic for Persian readers), else ``default``."""
    for code in (locale, "ar" if locale == "fa" else None):
        if code and names.get(code):
            return names[code]
    return default


ERROR_TITLES = (
    N_("Request body too large"),
    N_("The input is not valid"),
    N_("Not signed in"),
    N_("Not allowed"),
    N_("Not found"),
    N_("Conflicts with what is stored"),
    N_("The database is not available"),
    N_("The request cannot be carried out"),
    N_("Request refused"),
)
"""The titles of error pages (the API's problem titles), marked for the catalogs."""
