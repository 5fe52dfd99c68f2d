"""The web UI's languages: gettext catalogs (Babel), the reader's choice, its writing direction.

Interface strings are English in the templates and code, and translated by one catalog per
language in ``locales/<lang>/LC_MESSAGES/messages.po``, compiled in memory when first used
(so the repository holds no binary ``.mo`` files). ``make messages`` extracts the strings and
updates the catalogs; a test fails when a catalog lacks a translation.

The language is the ``lang`` cookie's (set by the language switch), else the best of the
browser's ``Accept-Language`` that trucewatch speaks, else English.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("en", "ru", "tr", "ar", "fa")
"""Every language of the interface, English first (the templates' own)."""
RTL = frozenset({"ar", "fa"})
"""Languages written right to left: their pages get ``dir="rtl"``."""
CATALOGS = Path(__file__).parent / "locales"
DOMAIN = "messages"


def language_name(code: str) -> str:
    """A language's name in that language (``Русский``, ``العربية``), for the switch."""
    return Locale.parse(code).get_display_name(code) or code


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The catalog of ``code``, compiled from its ``.po`` file; English has none (its strings are the keys)."""
    if code == "en":
        return gettext.NullTranslations()
    with (CATALOGS / code / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The reader's language: the cookie's if trucewatch speaks it, else the browser's best, else English."""
    if cookie in LOCALES:
        return str(cookie)
    for code in preferred(accept_language or ""):
        base = code.split("-")[0].lower()
        if base in LOCALES:
            return base
    return "en"


def preferred(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (RFC 9110 section 12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        code, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if code and code != "*" and weight > 0:
            ranked.append((-weight, position, code))
    return [code for _, _, code in sorted(ranked)]
