"""Place names: a gazetteer with transliteration-tolerant lookup in Latin, Arabic and Cyrillic script (pure).

A name is looked up under three keys:

* its *folded* form (:func:`trucewatch.registry.names.normalize_name`): case, diacritics,
  apostrophes and hyphens do not matter (``Dūmā`` = ``duma``); an exact match;
* its *letter-by-letter spelling* (:func:`spell`): an Arabic name written one Latin letter or
  digraph per Arabic letter, no vowel but alif, as GeoNames romanises (``جبلة`` is ``jblt``,
  ``شيوخ تحتاني`` is ``shywkh thtany``), so that a name written so finds the Arabic name and an
  Arabic name finds a place's vowel-less Latin name; a variant match;
* its *skeleton* (:func:`skeleton`): the consonants of the name with the article dropped, written
  the same way whichever script or transliteration it comes from, so that ``Douma``, ``Duma``,
  ``دوما`` and ``Дума`` all give ``dm``, and ``Deir ez-Zor``, ``Dayr az Zawr`` and ``دير الزور``
  give ``drzr``; a variant match.

The usual reading is English-style Latin (with the French and German digraphs that do not
conflict with it: ``ch``, ``dj``, ``dsch``, ``sch``, and the articles ``ech``, ``esch``, ``ett``,
``enn``), Arabic, or Cyrillic transliterated as Russian writes Arabic names (``в`` = w, ``х`` =
kh, ``дж`` = j). A Latin name is also read under each other convention that reads it differently
(:func:`readings`): Russian-style Latin (``dzh`` = j, ``j`` = y, ``v`` = w, ``eh`` = e:
``Dzhasim``, ``Es-Suvejda``, ``Ajn-ehl'-Arab``; Cyrillic ``х`` also as h), Turkish (``c`` = j
except in ``ch``, ``ç`` = ch, ``ş`` = sh, ``ğ`` = gh), Persian (``v`` = w, ``gh`` = q) and French
(``rh`` = gh, ``c`` before e, i or y = s). Their skeletons are variant matches too, but one found
only so must be spelt at least :data:`RESOLVE_SIMILARITY` alike, and counts
:data:`OTHER_CONVENTION_PENALTY` points less alike, so that the usual reading wins.

A name with none of these is tried one edit away on its skeleton (a fuzzy match). Candidates are
ranked by the kind of match, then by how alike the spelling is (the best :func:`rapidfuzz.fuzz.ratio`
between the name's folded forms and the place's: as written with the article written ``al``,
letter by letter, without the article for :data:`BARE_PENALTY` less, under another convention for
:data:`OTHER_CONVENTION_PENALTY` less), then by the place's importance; a name is *resolved* when
one place stands out and *ambiguous* when several could be meant (docs/geography.md gives the
rule). ``Name, Area`` narrows to an area: ``Safsaf, Tartous`` breaks a tie between villages of one
name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt

from rapidfuzz import fuzz, process

from trucewatch.geo.transliteration import (
    CYRILLIC,
    has_arabic,
    name_tokens,
    one_deletions,
    place_forms,
    readings,
    skeletons,
    spell,
    with_al,
    without_article,
)
from trucewatch.registry.names import normalize_name

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
OTHER_CONVENTION_PENALTY = 10.0
"""A spelling that matches only as read under another convention (``Daraje`` read as Russian-style
``daraye``) counts as this many points (0-100) less alike than as written."""
BARE_PENALTY = 1.0
"""Spellings compared without their articles (``كريمة`` and ``الكريمة``) count as this many points
(0-100) less alike than as written, so that ``Shaykh al Hadid`` is شيخ الحديد, not شيخ حديد."""
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
        self._spelt: dict[str, set[int]] = defaultdict(set)
        self._forms: list[tuple[list[str], ...]] = []
        for i, place in enumerate(self.places):
            self._index(i, place)
        self._cache: dict[str, Lookup] = {}

    def _index(self, i: int, place: Place) -> None:
        for name in place.all_names():
            folded = normalize_name(name)
            if folded:
                self._exact[folded].add(i)
            if spelt := spell(name):
                self._spelt[spelt].add(i)
            for key in skeletons(name):
                if key:
                    self._skeleton[key].add(i)
                if len(key) >= 4:
                    for deleted in (*one_deletions(key), key):
                        self._near[deleted].add(key)
        self._forms.append(place_forms(place.all_names()))

    def find(self, name: str, *, limit: int = 10) -> Lookup:
        """The places ``name`` may stand for, best first; ``Name, Area`` narrows to the places in an
        area (a governorate or district, or the governorate of a town, so named): a report's
        governorate breaks a tie between villages of one name (``Kasra, Deir-ez-Zor``)."""
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
        query = _Query.of(name)
        return self._match_query(query) if query.folded else []

    def _match_query(self, query: _Query) -> list[Candidate]:
        own = self._match_own(query)
        if self._base is None:
            return own
        ids = {c.place.id for c in own}
        return own + [c for c in self._base._match_query(query) if c.place.id not in ids]

    def _match_own(self, query: _Query) -> list[Candidate]:
        exact = self._exact.get(query.folded, set())
        spelt = (self._exact if query.arabic else self._spelt).get(query.spelt, set()) - exact
        variants = ({i for key in query.keys for i in self._skeleton.get(key, ())} | spelt) - exact
        others = {i for key in query.other_keys for i in self._skeleton.get(key, ())} - exact - variants
        fuzzy: set[int] = set()
        if not exact and not variants:
            near = {
                k
                for key in query.keys
                if len(key) >= 4
                for d in (*one_deletions(key), key)
                for k in self._near.get(d, ())
            }
            fuzzy = {i for k in near for i in self._skeleton[k]} - others
        out = [Candidate(self.places[i], Match.EXACT, 100.0) for i in exact]
        out += self._alike(variants, Match.VARIANT, query, SUGGESTION_SIMILARITY)
        out += self._alike(others, Match.VARIANT, query, RESOLVE_SIMILARITY)
        out += self._alike(fuzzy, Match.FUZZY, query, FUZZY_SIMILARITY)
        return out

    def _alike(self, found: set[int], match: Match, query: _Query, least: float) -> list[Candidate]:
        """Candidates of ``found`` spelt at least ``least`` alike."""
        candidates = (Candidate(self.places[i], match, query.similarity(self._forms[i])) for i in found)
        return [c for c in candidates if c.similarity >= least]


@dataclass(frozen=True)
class _Query:
    """A name as written, prepared for lookup."""

    folded: str
    spelt: str
    """Its key among letter-by-letter spellings: an Arabic name's spelling, else its folded form."""
    keys: tuple[str, ...]
    other_keys: tuple[str, ...]
    """Skeletons under other conventions only."""
    forms: tuple[tuple[str, float, int], ...]
    """Forms compared with a place's forms of a slot (:func:`place_forms`), each with the points
    taken off its likeness."""
    arabic: bool = field(kw_only=True)

    @classmethod
    def of(cls, name: str) -> _Query:
        folded = normalize_name(name)
        keys = skeletons(name)
        if has_arabic(name):
            spelt = spell(name)
            bare = (without_article(folded), spell(without_article(name)))
            forms = {(folded, 0): 0.0, (spelt, 0): 0.0, **dict.fromkeys(((f, 2) for f in bare), BARE_PENALTY)}
            return cls(folded, spelt, keys, (), _triples(forms), arabic=True)
        others = readings(name)
        other_keys = dict.fromkeys(k for reading in others for k in skeletons(reading) if k not in keys)
        forms = {}
        for written, penalty in ((folded, 0.0), *((normalize_name(r), OTHER_CONVENTION_PENALTY) for r in others)):
            for form in dict.fromkeys((written, written.translate(CYRILLIC))):
                forms.setdefault((with_al(form), 1), penalty)
                forms.setdefault((without_article(form), 3), penalty + BARE_PENALTY)
        return cls(folded, folded, keys, tuple(other_keys), _triples(forms), arabic=False)

    def similarity(self, place_forms: Sequence[list[str]]) -> float:
        """0-100: how alike the closest of a place's forms is spelt to this name."""
        best = 0.0
        for form, penalty, slot in self.forms:
            if best + penalty > 100.0:
                continue
            found = process.extractOne(form, place_forms[slot], scorer=fuzz.ratio, score_cutoff=best + penalty)
            if found is not None:
                best = found[1] - penalty
        return best


def _triples(forms: dict[tuple[str, int], float]) -> tuple[tuple[str, float, int], ...]:
    return tuple((form, penalty, slot) for (form, slot), penalty in forms.items() if form)


def _qualified(name: str) -> tuple[str | None, str]:
    words = name_tokens(name)
    for word in (words[0], words[-1]) if len(words) > 1 else ():
        if word in _QUALIFIERS:
            rest = list(words)
            rest.remove(word)
            return _QUALIFIERS[word], " ".join(rest)
    return None, name


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
