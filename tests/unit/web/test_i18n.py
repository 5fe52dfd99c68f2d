import pytest

from trucewatch.web.i18n import LOCALES, RTL, choose, language_name, preferred, translations


def test_accept_language_is_ranked_by_weight_then_order() -> None:
    assert preferred("de;q=0.5, ar, fa;q=0.9, *;q=0.1, tr;q=0") == ["ar", "fa", "de"]
    assert preferred("ru;q=zero, en") == ["en"]
    assert preferred("") == []


@pytest.mark.parametrize(
    ("cookie", "header", "chosen"),
    [
        ("ar", "ru", "ar"),
        ("xx", "ru-RU,ru;q=0.9", "ru"),
        (None, "de-DE, fa-IR;q=0.8", "fa"),
        (None, "de", "en"),
        (None, None, "en"),
    ],
)
def test_the_cookie_wins_then_the_browser_then_english(cookie: str | None, header: str | None, chosen: str) -> None:
    assert choose(cookie, header) == chosen


def test_right_to_left_languages_are_arabic_and_persian() -> None:
    assert {"ar", "fa"} == RTL
    assert set(LOCALES) == {"en", "ru", "tr", "ar", "fa"}


def test_languages_are_named_in_themselves() -> None:
    assert language_name("ar") == "العربية"
    assert language_name("tr") == "Türkçe"


def test_english_is_the_templates_own_and_needs_no_catalog() -> None:
    assert translations("en").gettext("Dashboard") == "Dashboard"
