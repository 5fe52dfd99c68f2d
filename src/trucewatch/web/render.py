"""Pages from Jinja2 templates, in the reader's language, with the headers every page carries.

Every user-supplied string is escaped (autoescape is on for every template); the templates
hold no rule of the mechanism, only layout. One Jinja environment per language, each with its
gettext catalog installed (``{% trans %}`` and ``_()``), so that a page renders in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from trucewatch import __version__
from trucewatch.registry.access import Action, Viewer, allowed
from trucewatch.web.i18n import LOCALES, RTL, language_name, translations
from trucewatch.web.security import LANG_COOKIE, csrf_token, set_cookie, set_csrf_cookie
from trucewatch.web.words import governorate_label, label, local_name

NAV: tuple[tuple[str, str, Action | None], ...] = (
    ("/", "dashboard", None),
    ("/map", "map", None),
    ("/incidents", "incidents", None),
    ("/reports/new", "file", Action.FILE_REPORTS),
    ("/actors", "actors", None),
    ("/zones", "zones", None),
    ("/meetings", "meetings", None),
    ("/ledger", "ledger", None),
)
"""The pages of the menu, and the action a reader's role needs to see one there."""


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("trucewatch.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = lambda d, style="medium": _day(d, locale, style)
    env.filters["when"] = lambda d: _when(d, locale)
    env.filters["number"] = lambda n: format_decimal(n, locale=locale) if n is not None else ""
    env.filters["label"] = lambda v: label(v, locale)
    env.filters["governorate"] = lambda p: governorate_label(p, locale)
    env.filters["local_name"] = lambda names, default: local_name(names or {}, default, locale)
    env.filters["label_pair"] = lambda v: (v, label(v, locale))
    env.filters["language_pair"] = lambda code: (code, language_name(code))
    env.globals.update(version=__version__, locales=[(c, language_name(c)) for c in LOCALES])
    return env


def page(
    request: Request, template: str, who: Viewer, context: Mapping[str, Any], *, status: int = 200
) -> HTMLResponse:
    """``template`` rendered for ``who`` in the reader's language."""
    locale: str = request.state.locale
    body = (
        environment(locale)
        .get_template(template)
        .render(
            **context,
            who=who,
            lang=locale,
            dir="rtl" if locale in RTL else "ltr",
            csrf=csrf_token(request),
            path=request.url.path,
            query=str(request.url.query),
            nav=[(href, key) for href, key, action in NAV if action is None or allowed(who, action)],
        )
    )
    response = HTMLResponse(body, status_code=status)
    set_csrf_cookie(request, response)
    if getattr(request.state, "set_lang", None):
        set_cookie(response, LANG_COOKIE, locale, strict=False, max_age=365 * 86400)
    return response


def _day(value: date | datetime | str | None, locale: str, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, style, locale=locale)


def _when(value: datetime | str | None, locale: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(value, "medium", tzinfo=UTC, locale=locale) + " UTC"
