"""The gazetteer on the shipped OCHA and GeoNames places: spellings, scripts, ambiguity."""

import pytest

from trucewatch.geo.admin import syria_gazetteer
from trucewatch.geo.gazetteer import Gazetteer, Match, Place, Precision, skeleton, skeletons


@pytest.mark.parametrize(
    "spellings",
    [
        ("Douma", "Duma", "Dūmā", "دوما"),
        ("Idlib", "Idleb", "إدلب"),
        ("Deir ez-Zor", "Deir al-Zour", "Dayr az Zawr", "Deir-ez-Zor", "دير الزور"),
        ("al-Bab", "Al Bāb", "Al Bab", "الباب"),
        ("Maarrat al-Numan", "Ma'arrat An Nu'man", "معرة النعمان"),
        ("Jisr al-Shughur", "Jisr ash-Shughur", "جسر الشغور"),
        ("Khan Shaykhun", "Khan Sheikhoun", "خان شيخون"),
    ],
)
def test_spellings_in_latin_and_arabic_script_share_a_skeleton(spellings: tuple[str, ...]) -> None:
    shared = set.intersection(*(set(skeletons(s)) for s in spellings))
    assert shared, {s: skeletons(s) for s in spellings}


def test_a_latin_at_ending_keeps_both_readings() -> None:
    assert skeleton("تل رفعت") in skeletons("Tell Rifaat")
    assert skeleton("معرة النعمان") in skeletons("Maarrat al-Numan")
    assert skeleton("الباب") in skeletons("Albab")


@pytest.mark.parametrize(
    ("name", "pcode", "governorate"),
    [
        ("Douma", "C2338", "SY03"),
        ("Dūmā", "C2338", "SY03"),
        ("دوما", "C2338", "SY03"),
        ("Idlib", "C3871", "SY07"),
        ("Idleb", "C3871", "SY07"),
        ("Deir al-Zour", None, "SY09"),
        ("Dayr az Zawr", None, "SY09"),
        ("Al Bāb", "C1202", "SY02"),
        ("الباب", "C1202", "SY02"),
        ("Palmyra", "C2889", "SY04"),
        ("Tadmur", "C2889", "SY04"),
        ("Tal Rifat", None, "SY02"),
    ],
)
def test_a_known_place_resolves_whatever_the_spelling(name: str, pcode: str | None, governorate: str) -> None:
    found = syria_gazetteer().find(name)
    assert found.status == "resolved"
    assert found.place is not None
    assert found.place.precision == Precision.TOWN
    assert found.place.governorate == governorate
    if pcode:
        assert found.place.id == pcode


def test_a_name_shared_by_villages_of_equal_standing_is_ambiguous() -> None:
    found = syria_gazetteer().find("Jdideh")
    assert found.status == "ambiguous"
    assert found.place is None
    assert len({c.place.governorate for c in found.candidates}) > 1


def test_an_area_after_a_comma_narrows_the_candidates() -> None:
    gazetteer = syria_gazetteer()
    assert gazetteer.find("Duma").place.governorate == "SY03"  # type: ignore[union-attr]
    in_hama = gazetteer.find("Duma, Hama")
    assert in_hama.status == "resolved"
    assert in_hama.place.governorate == "SY05"  # type: ignore[union-attr]
    assert gazetteer.find("Jdideh, Aleppo").status == "resolved"


def test_the_town_is_meant_rather_than_the_area_named_after_it() -> None:
    found = syria_gazetteer().find("Idlib")
    assert found.candidates[0].place.precision == Precision.TOWN
    assert any(c.place.precision == Precision.GOVERNORATE for c in found.candidates)
    assert found.status == "resolved"


@pytest.mark.parametrize(
    ("name", "pcode", "precision"),
    [
        ("Idlib province", "SY07", Precision.GOVERNORATE),
        ("Idlib countryside", "SY07", Precision.GOVERNORATE),
        ("ريف دمشق", "SY03", Precision.GOVERNORATE),
        ("Damascus countryside", "SY03", Precision.GOVERNORATE),
        ("Rif Dimashq", "SY03", Precision.GOVERNORATE),
        ("Jebel Saman district", "SY0200", Precision.DISTRICT),
    ],
)
def test_an_area_is_found_with_its_own_precision(name: str, pcode: str, precision: Precision) -> None:
    found = syria_gazetteer().find(name)
    assert found.place is not None
    assert (found.place.id, found.place.precision) == (pcode, precision)


def test_a_name_like_no_place_is_unknown_with_suggestions_only() -> None:
    found = syria_gazetteer().find("Nowhere town")
    assert found.status == "unknown"
    assert found.place is None
    assert syria_gazetteer().find("Qqqqzzzz").candidates == ()


def test_a_misspelling_one_letter_off_is_a_fuzzy_match() -> None:
    found = syria_gazetteer().find("Saraqibb")  # a doubled letter folds away: an exact variant
    assert found.place is not None
    assert (found.place.name, found.place.governorate) == ("Saraqab", "SY07")
    fuzzy = syria_gazetteer().find("Khan Shaykhum")
    assert fuzzy.candidates[0].match == Match.FUZZY
    assert fuzzy.place is not None
    assert fuzzy.place.name.startswith("Khan Shay")


def test_equally_good_fuzzy_matches_are_ambiguous() -> None:
    a = Place("A", "Kafrbatna", "", 33.5, 36.4, Precision.TOWN, "SY03", None, 1000.0)
    b = Place("B", "Kafrbatni", "", 35.5, 36.4, Precision.TOWN, "SY07", None, 1000.0)
    found = Gazetteer([a, b]).find("Kafrbatnu")
    assert found.status == "ambiguous"


def test_one_place_listed_by_two_sources_is_not_ambiguous() -> None:
    a = Place("C1", "Tiba", "", 33.50, 36.40, Precision.TOWN, "SY03", None, 1000.0)
    b = Place("GN1", "Tiba", "", 33.51, 36.41, Precision.TOWN, "SY03", None, 1000.0, source="geonames")
    assert Gazetteer([a, b]).find("Tiba").status == "resolved"
