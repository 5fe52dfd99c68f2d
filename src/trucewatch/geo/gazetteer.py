"""Place names: a gazetteer with transliteration-tolerant lookup in Latin and Arabic script (pure).

A name is looked up under two keys:

* its *folded* form (:func:`trucewatch.registry.names.normalize_name`): case, diacritics,
  apostrophes and hyphens do not matter (``Dūmā`` = ``duma``); an exact match;
* its *skeleton* (:func:`skeleton`): the consonants of the name with the article dropped, written
  the same way whichever script or transliteration it comes from, so that ``Douma``, ``Duma`` and
  ``دوما`` all give ``dm``, and ``Deir ez-Zor``, ``Dayr az Zawr`` and ``دير الزور`` give ``drzr``;
  a variant match.

A name with neither is tried one edit away on its skeleton (a fuzzy match). Candidates are ranked
by the kind of match, then by how close the spelling is, then by the place's importance; a name
is *resolved* when one place stands out and *ambiguous* when several could be meant (docs/geography.md
gives the rule).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt

from rapidfuzz import fuzz

from trucewatch.registry.names import normalize_name

# --------------------------------------------------------------------------- skeletons

_LATIN_DIGRAPHS = (
    ("sch", "S"),
    ("sh", "S"),
    ("ch", "S"),
    ("kh", "x"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("dj", "j"),
    ("dsch", "j"),
    ("zh", "j"),
    ("ph", "f"),
    ("ck", "k"),
)
_LATIN_LETTERS = str.maketrans({"q": "k", "c": "k", "p": "b", "v": "f", "e": "", "a": "", "i": "", "o": "", "u": ""})
_LATIN_GLIDES = str.maketrans({"w": "", "y": ""})
_ARABIC_LETTERS = str.maketrans(
    {
        **dict.fromkeys("اأإآٱىيیوءئؤعة", ""),
        "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "j", "ژ": "j", "ح": "h", "ه": "h", "خ": "x",
        "د": "d", "ذ": "d", "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "س": "s", "ص": "s", "ش": "S", "چ": "S",
        "غ": "g", "گ": "g", "ف": "f", "ق": "k", "ك": "k", "ک": "k", "ل": "l", "م": "m", "ن": "n",
    }
)  # fmt: skip
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARTICLES = frozenset(
    {
        "al",
        "el",
        "il",
        "as",
        "ash",
        "es",
        "esh",
        "at",
        "ath",
        "et",
        "ad",
        "adh",
        "ed",
        "ar",
        "er",
        "az",
        "ez",
        "an",
        "en",
    }
)
_DOUBLES = re.compile(r"(.)\1+")
_NOT_LETTER = re.compile(r"[^\w]+|_|\d")


def skeleton(name: str) -> str:
    """The consonant skeleton of a place name, the same across scripts and transliterations."""
    return skeletons(name)[0]


def skeletons(name: str) -> tuple[str, ...]:
    """The skeleton of ``name`` and its variants: a Latin final ``t`` may be a ta marbuta
    (``Maarrat``, معرة) or a real t (``Rifaat``, رفعت), and a Latin ``al``/``el`` may be a glued
    article (``Albab``) or part of the name (``Aleppo``), so both readings are kept."""
    tokens = _tokens(name)
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _ARTICLES and t != "ال"] or tokens
    keys = [""]
    for token in tokens:
        keys = [k + part for k in keys for part in _token_skeletons(token)][:16]
    return tuple(dict.fromkeys(keys))


def _tokens(name: str) -> list[str]:
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", name))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) or _is_arabic(c)).casefold()
    text = re.sub("['\u2018\u2019\u02bc\u02bb\u02be\u02bf`\u00b4]", "", text)
    return [t for t in _NOT_LETTER.split(text) if t]


def _token_skeletons(token: str) -> tuple[str, ...]:
    if any(_is_arabic(c) for c in token):
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


def _one_deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


# --------------------------------------------------------------------------- places


class Precision(StrEnum):
    """How precisely a place's point stands for it (the report precision codes of the same names)."""

    TOWN = "town"
    DISTRICT = "district"
    GOVERNORATE = "governorate"


@dataclass(frozen=True)
class Place:
    """A named place: a town or village (a point) or an administrative area (its polygon's point)."""

    id: str
    """OCHA p-code (``C2338``, ``SY0302``), ``GN`` + GeoNames id, or the mechanism's own key."""
    name: str
    name_ar: str
    latitude: float
    longitude: float
    precision: Precision
    governorate: str | None
    """P-code of its governorate."""
    district: str | None
    importance: float
    """A rough population: the ranking's last word between places of the same name."""
    names: tuple[str, ...] = ()
    """Other names and spellings (any script)."""
    source: str = "ocha"

    def all_names(self) -> tuple[str, ...]:
        return (self.name, self.name_ar, *self.names) if self.name_ar else (self.name, *self.names)


class Match(StrEnum):
    EXACT = "exact"
    VARIANT = "variant"
    FUZZY = "fuzzy"


@dataclass(frozen=True)
class Candidate:
    place: Place
    match: Match
    similarity: float
    """0-100: how close the closest of the place's names is to the name as written."""


@dataclass(frozen=True)
class Lookup:
    """What a name as written resolves to."""

    query: str
    status: str
    """``resolved``, ``ambiguous`` (several places could be meant) or ``unknown``."""
    candidates: tuple[Candidate, ...] = field(default=())
    """Best first."""

    @property
    def place(self) -> Place | None:
        return self.candidates[0].place if self.status == "resolved" else None


DOMINANCE = 10.0
"""A place outranks others of the same name when it is this many times as important."""
RESOLVE_SIMILARITY = 60.0
"""A name whose closest candidate is spelt less like it than this (0-100) is unknown: the
candidates share its consonants by chance (``Nowhere`` and ``Ein Hur``) and are only suggestions."""
SUGGESTION_SIMILARITY = 34.0
"""A place sharing the skeleton but spelt less like the name than this is not even suggested."""
FUZZY_SIMILARITY = 75.0
"""A place one edit away on its skeleton is a candidate only when its spelling is this close (0-100)."""
SAME_PLACE_KM = 3.0
"""Candidates closer than this with the same kind of match are one place listed twice."""

_KINDS: dict[str, frozenset[Precision]] = {
    "governorate": frozenset({Precision.GOVERNORATE}),
    "district": frozenset({Precision.DISTRICT}),
    "town": frozenset({Precision.TOWN}),
}
_QUALIFIERS = {
    **dict.fromkeys(
        ("governorate", "province", "muhafazat", "mohafazat", "muhafaza", "mohafaza", "محافظه", "محافظة"), "governorate"
    ),
    **dict.fromkeys(("countryside", "rif", "reef", "ريف"), "governorate"),
    **dict.fromkeys(("district", "mantika", "mantiqa", "mantiqat", "منطقه", "منطقة"), "district"),
    **dict.fromkeys(("city", "town", "village", "madinat", "madina", "مدينه", "مدينة", "بلده", "بلدة", "قريه"), "town"),
}


class Gazetteer:
    """Places and their names, indexed for lookup as sources write them."""

    def __init__(self, places: Iterable[Place], *, base: Gazetteer | None = None) -> None:
        """``places`` indexed on their own, or on top of ``base`` (which is left as it is)."""
        self.places: tuple[Place, ...] = tuple(places)
        self._base = base
        self.by_id: dict[str, Place] = {**(base.by_id if base else {}), **{p.id: p for p in self.places}}
        self._exact: dict[str, set[int]] = defaultdict(set)
        self._skeleton: dict[str, set[int]] = defaultdict(set)
        self._near: dict[str, set[str]] = defaultdict(set)
        for i, place in enumerate(self.places):
            self._index(i, place)
        self._cache: dict[str, Lookup] = {}

    def _index(self, i: int, place: Place) -> None:
        for name in place.all_names():
            folded = normalize_name(name)
            if folded:
                self._exact[folded].add(i)
            for key in skeletons(name):
                if len(key) >= 2:
                    self._skeleton[key].add(i)
                if len(key) >= 4:
                    for deleted in (*_one_deletions(key), key):
                        self._near[deleted].add(key)

    def find(self, name: str, *, limit: int = 10) -> Lookup:
        """The places ``name`` may stand for, best first; ``Name, Area`` narrows to an area."""
        key = f"{limit}\x00{name}"
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._find(name, limit)
        return found

    def _find(self, name: str, limit: int) -> Lookup:
        head, _, within = name.partition(",")
        candidates = self._candidates(head if within.strip() else name)
        if within.strip():
            areas = self._areas_named(within)
            candidates = [c for c in candidates if {c.place.governorate, c.place.district} & areas]
        if not candidates:
            return Lookup(name, "unknown")
        ranked = sorted(candidates, key=_rank)
        if ranked[0].similarity < RESOLVE_SIMILARITY:
            return Lookup(name, "unknown", tuple(ranked[:limit]))
        return Lookup(name, _status(ranked), tuple(ranked[:limit]))

    def _areas_named(self, name: str) -> set[str | None]:
        """The p-codes of the areas ``name`` may stand for: a governorate, a district, or the
        governorate of a town, among the best-matched candidates only; an area named so wins over
        villages of the same name (``Duma, Hama`` is Duma in Hama governorate)."""
        ranked = sorted(self._candidates(name), key=_rank)
        best = [c for c in ranked if _rank(c)[:2] == _rank(ranked[0])[:2]]
        areas: set[str | None] = {c.place.id for c in best if c.place.precision != Precision.TOWN}
        return areas or {c.place.governorate for c in best}

    def _candidates(self, name: str) -> list[Candidate]:
        found = self._match(name)
        if found:
            return found
        kind, bare = _qualified(name)
        if kind is None:
            return []
        return [c for c in self._match(bare) if c.place.precision in _KINDS[kind]] or [
            c for c in self._areas_of(self._match(bare)) if c.place.precision in _KINDS[kind]
        ]

    def _areas_of(self, towns: Sequence[Candidate]) -> list[Candidate]:
        """The governorates of ``towns`` (``Idlib countryside`` with no place of that name)."""
        codes = {c.place.governorate for c in towns if c.place.governorate is not None}
        return [Candidate(self.by_id[code], Match.VARIANT, 100.0) for code in sorted(codes) if code in self.by_id]

    def _match(self, name: str) -> list[Candidate]:
        own = self._match_own(name)
        if self._base is None:
            return own
        ids = {c.place.id for c in own}
        return own + [c for c in self._base._match(name) if c.place.id not in ids]

    def _match_own(self, name: str) -> list[Candidate]:
        folded = normalize_name(name)
        if not folded:
            return []
        exact = self._exact.get(folded, set())
        keys = skeletons(name)
        variants = {i for key in keys for i in self._skeleton.get(key, ())} - exact
        fuzzy: set[int] = set()
        if not exact and not variants:
            near = {
                k for key in keys if len(key) >= 4 for d in (*_one_deletions(key), key) for k in self._near.get(d, ())
            }
            fuzzy = {i for k in near for i in self._skeleton[k]}
        out = [Candidate(self.places[i], Match.EXACT, 100.0) for i in exact]
        variant = (Candidate(self.places[i], Match.VARIANT, _similarity(name, self.places[i])) for i in variants)
        out += [c for c in variant if c.similarity >= SUGGESTION_SIMILARITY]
        near_enough = (Candidate(self.places[i], Match.FUZZY, _similarity(name, self.places[i])) for i in fuzzy)
        out += [c for c in near_enough if c.similarity >= FUZZY_SIMILARITY]
        return out


def _qualified(name: str) -> tuple[str | None, str]:
    words = _tokens(name)
    for word in (words[0], words[-1]) if len(words) > 1 else ():
        if word in _QUALIFIERS:
            rest = list(words)
            rest.remove(word)
            return _QUALIFIERS[word], " ".join(rest)
    return None, name


def _similarity(name: str, place: Place) -> float:
    folded = normalize_name(name)
    return max(fuzz.ratio(folded, normalize_name(n)) for n in place.all_names())


_MATCH_ORDER = {Match.EXACT: 0, Match.VARIANT: 1, Match.FUZZY: 2}
_PRECISION_ORDER = {Precision.TOWN: 0, Precision.DISTRICT: 1, Precision.GOVERNORATE: 2}


def _rank(c: Candidate) -> tuple[int, float, int, float, str]:
    return (
        _MATCH_ORDER[c.match],
        -round(c.similarity),
        _PRECISION_ORDER[c.place.precision],
        -c.place.importance,
        c.place.id,
    )


def _status(ranked: Sequence[Candidate]) -> str:
    """Resolved when the best candidate stands out among those matched as well; ambiguous if not."""
    best = ranked[0]
    rivals = [
        c
        for c in ranked[1:]
        if c.match == best.match
        and round(c.similarity) == round(best.similarity)
        and not _same_place(best.place, c.place)
        and not _seat_of(best.place, c.place)
    ]
    if best.match == Match.FUZZY and rivals:
        return "ambiguous"
    if all(best.place.importance >= DOMINANCE * c.place.importance for c in rivals):
        return "resolved"
    return "ambiguous"


def _seat_of(town: Place, area: Place) -> bool:
    """``area`` is named after ``town`` and holds it (Idlib the city, Idlib the governorate)."""
    return area.precision != Precision.TOWN and area.id in (town.governorate, town.district)


def _same_place(a: Place, b: Place) -> bool:
    return a.precision == b.precision and distance_km(a.latitude, a.longitude, b.latitude, b.longitude) < SAME_PLACE_KM


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    p1, p2 = radians(lat1), radians(lat2)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(a))
