"""The gazetteer on the shipped OCHA and GeoNames places: spellings, scripts, ambiguity."""

import pytest

from trucewatch.geo.admin import syria_gazetteer
from trucewatch.geo.gazetteer import Gazetteer, Match, Place, Precision
from trucewatch.geo.transliteration import readings, skeleton, skeletons, spell


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


def _town(pcode: str, name: str, name_ar: str = "", governorate: str = "SY03", *names: str) -> Place:
    return Place(pcode, name, name_ar, 33.5, 36.4, Precision.TOWN, governorate, None, 1000.0, names=names)


@pytest.mark.parametrize(
    ("written", "usual"),
    [
        ("Ett Tell", "At Tall"),  # a doubled sun-letter article
        ("Enn Nakhl", "Nakhl"),
        ("Ain ech Cheqaq", "Ain ash-Shaqaq"),  # French ech = ash
        ("Dschisr esch-Schughur", "Jisr ash-Shughur"),  # German dsch = j, esch = ash
        ("Dzhasim", "Jasim"),  # Russian-style dzh = j
        ("Дума", "Douma"),  # Cyrillic as Russian writes it
        ("Джасим", "Jasim"),
        ("Айн-эль-Араб", "Ain al-Arab"),
    ],
)
def test_other_articles_digraphs_and_cyrillic_share_the_usual_skeleton(written: str, usual: str) -> None:
    assert set(skeletons(written)) & set(skeletons(usual)), (skeletons(written), skeletons(usual))


@pytest.mark.parametrize(
    ("written", "reading"),
    [
        ("Es-Suvejda", "es-suweyda"),  # Russian-style and Serbo-Croatian j = y, v = w
        ("Ajn-ehl'-Arab", "ayn-el'-arab"),  # eh = e
        ("Cerablus", "jerablus"),  # Turkish c = j
        ("Cisr eş-Şuğur", "jisr esh-shughur"),  # Turkish ş = sh, ğ = gh
        ("Ghasem", "qasem"),  # Persian gh = q
        ("Rhabarheb", "ghabagheb"),  # French rh = gh
        ("Jacem", "jasem"),  # French c before e = s
        ("Хомс", "homs"),  # Russian х is also h
    ],
)
def test_a_name_is_also_read_under_other_conventions(written: str, reading: str) -> None:
    assert reading in readings(written)


def test_a_name_in_english_has_no_other_reading_unless_a_convention_reads_it_otherwise() -> None:
    assert readings("Douma") == ()
    assert "jisr ash-shughur" not in readings("Jisr ash-Shughur")  # Turkish c = j, but not ch


def test_a_name_read_under_another_convention_finds_the_place() -> None:
    jasim = _town("C1", "Jasim", "جاسم")
    darayya = _town("C2", "Darayya", "داريا", "SY03", "Daraye")
    darja = _town("C3", "Darja", "درجة", "SY08")
    sweida = _town("C4", "As-Sweida", "السويداء", "SY13", "Es Suweida")
    gazetteer = Gazetteer([jasim, darayya, darja, sweida])
    for written, place in [("Dzhasim", jasim), ("Джасим", jasim), ("Jacem", jasim), ("Daraje", darayya)]:
        assert gazetteer.find(written).place == place, written
    assert gazetteer.find("Es-Suvejda").place == sweida


def test_the_usual_reading_wins_over_another_convention() -> None:
    jasim = _town("C1", "Jasim", "جاسم")
    yasim = _town("C2", "Yasim", "ياسم", "SY08")  # Jasim read with j = y
    found = Gazetteer([jasim, yasim]).find("Jasim")
    assert found.status == "resolved"
    assert found.place == jasim


def test_an_arabic_name_is_spelt_letter_by_letter_as_geonames_does() -> None:
    assert spell("جبلة") == "jblt"
    assert spell("شيوخ تحتاني") == "shywkh thtany"
    assert spell("أبو الظهور") == "abw alzhwr"
    assert spell("Jablah") == ""


def test_a_vowelless_spelling_finds_the_arabic_name_and_back() -> None:
    jablah = _town("C1", "Jablah", "جبلة")
    jbul = _town("C2", "Jbul", "الجبول", "SY02")
    betshah = _town("C3", "Betshah", "بطشاح", "SY06", "byt yashwt")
    gazetteer = Gazetteer([jablah, jbul, betshah])
    assert gazetteer.find("jblt").place == jablah
    assert gazetteer.find("بيت ياشوط").place == betshah


def test_a_name_written_without_its_article_matches_the_name_with_it_but_less_well() -> None:
    kareemeh = _town("C1", "Kareemeh", "الكريمة", "SY10")
    karim = _town("C2", "Karim", "كريم", "SY04")
    assert Gazetteer([kareemeh, karim]).find("كريمة").place == kareemeh
    with_article = _town("C3", "Sheikh El-Hadid", "شيخ الحديد", "SY02")
    without = _town("C4", "Sheikh Hadid", "شيخ حديد", "SY05")
    assert Gazetteer([with_article, without]).find("Shaykh al Hadid").place == with_article


@pytest.mark.parametrize(
    ("name", "governorate", "area"),
    [("Kasra", "SY09", "Deir-ez-Zor"), ("Mzeireb", "SY12", "Dar'a"), ("Thiban", "SY09", "Deir-ez-Zor")],
)
def test_a_name_villages_share_is_ambiguous_until_its_governorate_is_given(
    name: str, governorate: str, area: str
) -> None:
    gazetteer = syria_gazetteer()
    assert gazetteer.find(name).status == "ambiguous"
    found = gazetteer.find(f"{name}, {area}")
    assert found.status == "resolved"
    assert found.place is not None
    assert found.place.governorate == governorate
