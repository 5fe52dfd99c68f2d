"""Place names across scripts and transliterations: skeletons, readings and spellings (pure).

The keys the gazetteer (:mod:`trucewatch.geo.gazetteer`) looks names up by, and the forms it
compares spellings with; its docstring and docs/geography.md say how they are used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from trucewatch.registry.names import normalize_name

_LATIN_DIGRAPHS = sorted(
    {
        "sch": "S", "sh": "S", "shch": "S", "ch": "S", "kh": "x", "gh": "g", "th": "t", "dh": "d",
        "dj": "j", "dsch": "j", "dzh": "j", "zh": "j", "ph": "f", "ck": "k",
    }.items(),
    key=lambda pair: -len(pair[0]),
)  # fmt: skip
"""Longest first: ``dsch`` and ``dzh`` (German and Russian j) before ``sch`` and ``zh``."""
_LATIN_LETTERS = str.maketrans({"q": "k", "c": "k", "p": "b", "v": "f", "e": "", "a": "", "i": "", "o": "", "u": ""})
_LATIN_GLIDES = str.maketrans({"w": "", "y": ""})
_LATIN_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "đ": "d", "ħ": "h", "ø": "o", "ə": "e", "æ": "ae"})
CYRILLIC = str.maketrans(
    {
        "а": "a", "б": "b", "в": "w", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye", "ж": "zh",
        "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "ј": "y", "к": "k", "л": "l", "м": "m", "н": "n",
        "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "w", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)  # fmt: skip
"""Russian (and Ukrainian) letters as Russian writes Arabic names: ``в`` is و, ``ъ`` an ع."""
_ARABIC_LETTERS = str.maketrans(
    {
        **dict.fromkeys("اأإآٱىيیوءئؤعةەۆێ", ""),
        "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "j", "ژ": "j", "ح": "h", "ه": "h", "ہ": "h",
        "خ": "x", "د": "d", "ذ": "d", "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "س": "s", "ص": "s", "ش": "S",
        "چ": "S", "غ": "g", "گ": "g", "ف": "f", "ڤ": "f", "ق": "k", "ك": "k", "ک": "k", "ل": "l", "م": "m",
        "ن": "n",
    }
)  # fmt: skip
_ARABIC_SPELT = str.maketrans(
    {
        **dict.fromkeys("اأإآٱ", "a"), **dict.fromkeys("ءعـ", ""), **dict.fromkeys("يىئیێ", "y"),
        **dict.fromkeys("وؤۆ", "w"), "ة": "t", "ە": "e", "ب": "b", "پ": "p", "ت": "t", "ث": "th", "ج": "j",
        "چ": "ch", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "ژ": "zh", "س": "s", "ش": "sh",
        "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "gh", "ف": "f", "ڤ": "v", "ق": "q", "ك": "k", "ک": "k",
        "گ": "g", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ہ": "h",
    }
)  # fmt: skip
"""GeoNames' letter-by-letter romanisation: ``ʿ`` and ``ʾ`` are left out (they fold away)."""
_CONVENTIONS = {
    "russian": {"shch": "sh", "dzh": "j", "j": "y", "v": "w", "eh": "e", "х": "h"},  # х: Cyrillic
    "turkish": {"ch": "ch", "c": "j", "ç": "ch", "ş": "sh", "ğ": "gh"},  # Turkish writes no ch: not c = j
    "persian": {"v": "w", "gh": "q"},
    "french": {"rh": "gh", "ce": "se", "ci": "si", "cy": "sy", "ç": "s"},
}
"""How conventions other than English write Arabic sounds, as English-style Latin; where they
agree with English (``kh``, ``sh``) or with each other without conflict, the usual reading has it."""


def _replacer(table: dict[str, str]) -> Callable[[re.Match[str]], str]:
    return lambda match: table[match.group()]


_CONVENTION_PATTERNS = [
    (re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True)))), _replacer(table))
    for table in _CONVENTIONS.values()
]
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARTICLES = frozenset(
    {"al", "el", "il"}
    | {v + c for v in "ae" for c in ("t", "th", "d", "dh", "r", "z", "s", "sh", "ch", "sch", "n")}
    | {v + c + c for v in "ae" for c in "tdrzsn"}
)
"""``al`` and its forms before a sun letter, doubled (``Ett Tell``, ``Enn Nakhl``), French (``ech``)
or German (``esch``)."""
_DOUBLES = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^\w]+|_|\d")


def skeleton(name: str) -> str:
    """The consonant skeleton of a place name, the same across scripts and transliterations."""
    return skeletons(name)[0]


def skeletons(name: str) -> tuple[str, ...]:
    """The skeleton of ``name`` and its variants: a Latin final ``t`` may be a ta marbuta
    (``Maarrat``, معرة) or a real t (``Rifaat``, رفعت), and a Latin ``al``/``el`` may be a glued
    article (``Albab``) or part of the name (``Aleppo``), so both readings are kept."""
    tokens = name_tokens(name)
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _ARTICLES and t != "ال"] or tokens
    keys = [""]
    for token in tokens:
        keys = [k + part for k in keys for part in _token_skeletons(token)][:16]
    return tuple(dict.fromkeys(keys))


def readings(name: str) -> tuple[str, ...]:
    """``name`` rewritten from each other convention that would read it differently, in
    English-style Latin (``Dzhasim`` as ``jasim``, ``Rhabarheb`` as ``ghabagheb``)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    found = (pattern.sub(replace, text).translate(CYRILLIC) for pattern, replace in _CONVENTION_PATTERNS)
    return tuple(dict.fromkeys(r for r in found if r != text.translate(CYRILLIC)))


def spell(name: str) -> str:
    """An Arabic name letter by letter in Latin, folded (``جبلة`` is ``jblt``); ``''`` for another script."""
    if not has_arabic(name):
        return ""
    return normalize_name(_ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", name)).translate(_ARABIC_SPELT))


def name_tokens(name: str) -> list[str]:
    """The words of a name, folded, without marks or apostrophes, Cyrillic in Latin letters."""
    if name.isascii():
        text = name.casefold()
    else:
        text = unicodedata.normalize("NFKD", _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", name)))
        text = "".join(c for c in text if not unicodedata.combining(c) or _is_arabic(c)).casefold()
    text = re.sub("['\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4]", "", text)
    return [t for t in _NOT_LETTER.split(text.translate(CYRILLIC).translate(_LATIN_UNDECOMPOSED)) if t]


def _token_skeletons(token: str) -> tuple[str, ...]:
    if has_arabic(token):
        if token.startswith("ال") and len(token) > 3:
            token = token[2:]
        core = token.translate(_ARABIC_LETTERS)
        return (core[:-1] if token[-1] in "هح" and core.endswith("h") else core,)
    token = _DOUBLES.sub(r"\1", token)
    readings = [token]
    if len(token) >= 5 and token[:2] in ("al", "el"):
        readings.append(token[2:])  # a glued article: Albab, Alraqqa, almyadyn
    if len(token) >= 4 and token.endswith("t"):
        readings += [r[:-1] for r in readings]  # a ta marbuta read as t: Maarrat, alzrbt
    return tuple(dict.fromkeys(_latin(r) for r in readings))


def _latin(token: str) -> str:
    silent_h = token.endswith("h") and not token.endswith(("sh", "kh", "gh", "th", "dh", "ch"))
    for digraph, letter in _LATIN_DIGRAPHS:
        token = token.replace(digraph, letter)
    core = token.replace("ou", "u").translate(_LATIN_LETTERS).translate(_LATIN_GLIDES)
    return core[:-1] if silent_h and core.endswith("h") else core


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" or "\ufb50" <= char <= "\ufeff"


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufeff]")


def has_arabic(text: str) -> bool:
    """Whether ``text`` holds a letter of the Arabic script."""
    return _ARABIC_SCRIPT.search(text) is not None


def one_deletions(key: str) -> set[str]:
    """Every string one letter shorter than ``key`` (the fuzzy match's index keys)."""
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def place_forms(names: Iterable[str]) -> tuple[list[str], ...]:
    """A place's names in the folded forms a name's spelling is compared with, by slot: as
    written (Cyrillic also in Latin letters); the same and its Arabic names letter by letter; both
    again without the article."""
    written: dict[str, None] = {}
    spelt: dict[str, None] = {}
    bare_written: dict[str, None] = {}
    bare_spelt: dict[str, None] = {}
    for name in names:
        folded = normalize_name(name)
        for form in dict.fromkeys((folded, folded.translate(CYRILLIC))):
            written[with_al(form)] = bare_written[without_article(form)] = None
        if has_arabic(name):
            spelt[spell(name)] = bare_spelt[spell(without_article(name))] = None
    slots = (written, {**written, **spelt}, bare_written, {**bare_written, **bare_spelt})
    return tuple([f for f in slot if f] for slot in slots)


def with_al(folded: str) -> str:
    """``folded`` with its article written ``al`` (``ash shaykh`` = ``al shaykh``)."""
    words = folded.split()
    return " ".join("al" if w in _ARTICLES else w for w in words) if len(words) > 1 else folded


def without_article(name: str) -> str:
    """``name`` (folded, or Arabic) without its article."""
    words = name.split()
    bare = [w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words if w not in _ARTICLES]
    return " ".join(bare or words)
