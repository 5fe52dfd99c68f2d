"""The interface's catalogs: up to date with the code and templates, complete, placeholders kept."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from trucewatch.web.i18n import CATALOGS, LOCALES, translations

ROOT = Path(__file__).resolve().parents[3]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(ROOT / "src" / "trucewatch" / "web", method_map, options, keywords=keywords)
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def template() -> dict[str, object]:
    with (CATALOGS / "messages.pot").open("rb") as source:
        return {str(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(source) if m.id}


def test_the_template_holds_every_string_of_the_code_and_pages() -> None:
    assert extracted() == set(template()), "run `make messages`, then translate the new strings"


@pytest.mark.parametrize("locale", [c for c in LOCALES if c != "en"])
def test_every_string_is_translated_with_its_placeholders(locale: str) -> None:
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    missing, broken = [], []
    for key in template():
        message = catalog.get(key)
        strings = (
            [] if message is None else [message.string] if isinstance(message.string, str) else list(message.string)
        )
        if not strings or not all(strings):
            missing.append(key)
            continue
        wanted = sorted(PLACEHOLDER.findall(key))
        for text in strings:
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(wanted)):
                broken.append((key, text))
    assert missing == [], f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert broken == [], f"{locale}: placeholders changed in {broken[:3]}"


def test_a_catalog_translates_the_pages() -> None:
    assert translations("ru").gettext("Dashboard") != "Dashboard"
    assert translations("ar").gettext("Sign in") != "Sign in"
