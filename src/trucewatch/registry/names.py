"""Folding of names for lookup, in Latin and Arabic script (pure).

``normalize_name`` maps the spellings a source may use for the same name to one
key: case, diacritics, apostrophes and hyphens do not matter, nor Arabic
short vowels, tatweel or the forms of alef.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4\"\u201c\u201d]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_/.,;:()\[\]]+")


def normalize_name(name: str) -> str:
    """The lookup key of a name: ``Jaysh al-Asha’er`` and ``jaysh al ashaer`` agree."""
    text = unicodedata.normalize("NFKC", name)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) or _is_arabic(c))
    text = _APOSTROPHES.sub("", text.casefold())
    return _SEPARATORS.sub(" ", text).strip()


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"
