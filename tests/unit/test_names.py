import pytest

from trucewatch.registry.names import normalize_name


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Jaysh al-Asha’er", "jaysh al ashaer"),
        ("Jaysh al-Asha'er", "JAYSH AL-ASHA’ER"),
        ("Dūmā", "Duma"),
        ("دُومَا", "دوما"),
        ("الدولة الإسلامية", "الدوله الاسلاميه"),
        ("أحرار الشام", "احرار الشام"),
        ("  Ahrar   al-Sham ", "ahrar al sham"),
    ],
)
def test_spellings_of_one_name_fold_to_one_key(one: str, other: str) -> None:
    assert normalize_name(one) == normalize_name(other)


def test_different_names_stay_different() -> None:
    assert normalize_name("Jaysh al-Islam") != normalize_name("Jaysh al-Izza")
