"""Reports, as stored, turned into the columns fusion compares (pure).

:class:`Accounts` holds what fusion reads of each report, one sequence per field, as the database
(``incidents.fusing``) or a benchmark file gives them; :func:`to_reports` codes them into
:class:`~trucewatch.incidents.fusion.Reports`: times to seconds and precision spans, places to a
code of their skeleton (so ``Douma``, ``Duma`` and ``دوما`` agree), actors and delegations to
integer codes, narratives to MinHash sketches, the weapons named to a set of bits.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from trucewatch.geo.gazetteer import Gazetteer
from trucewatch.geo.transliteration import skeleton
from trucewatch.incidents.fusion import RADIUS_KM, TIME_HALF_SPAN_S, Reports, paused_gc
from trucewatch.incidents.sketch import sketches
from trucewatch.registry.names import normalize_name


@dataclass(frozen=True)
class Accounts:
    """What fusion reads of each report, aligned by position; None where a report gives nothing."""

    id: Sequence[int]
    start: Sequence[float]
    """The time given, in seconds since the epoch (the start of the period its precision names)."""
    time_precision: Sequence[str]
    latitude: Sequence[float | None]
    longitude: Sequence[float | None]
    geo_precision: Sequence[str]
    governorate: Sequence[str | None]
    violation_type: Sequence[str]
    perpetrator: Sequence[str | None]
    """The registry actor's key, or the name as written when the registry does not know it."""
    target: Sequence[str | None]
    killed: Sequence[int | None]
    place: Sequence[str | None]
    delegation: Sequence[str]
    narrative: Sequence[str | None]
    place_key: Sequence[str | None] | None = None
    """What :func:`place_keys` made of ``place``, when already worked out (stored with the report)."""
    sketch: NDArray[np.uint32] | None = None
    """What :func:`~trucewatch.incidents.sketch.sketches` made of ``narrative``, when already worked out."""
    weapons: Sequence[Sequence[str] | None] | None = None
    """The weapons each report names (none when not given)."""

    def __len__(self) -> int:
        return len(self.id)


def to_reports(accounts: Accounts, types: Sequence[str], gazetteer: Gazetteer | None = None) -> Reports:
    """The columns of :class:`Reports`; ``types`` are the violation types in a fixed order. Place
    names and narratives are coded (:func:`place_keys`, ``sketches``) unless the accounts hold them."""
    with paused_gc():
        keys = accounts.place_key if accounts.place_key is not None else place_keys(accounts.place, gazetteer, {})
        sketch = accounts.sketch if accounts.sketch is not None else sketches(accounts.narrative)
        half = np.array([TIME_HALF_SPAN_S[p] for p in accounts.time_precision], dtype=np.float64)
        type_index = {t: k for k, t in enumerate(types)}
        actors: dict[Hashable, int] = {}
        return Reports(
            id=np.asarray(accounts.id, dtype=np.int64),
            t=np.asarray(accounts.start, dtype=np.float64) + half,
            half_span=half,
            lat=_floats(accounts.latitude),
            lon=_floats(accounts.longitude),
            radius_km=np.array([RADIUS_KM[p] for p in accounts.geo_precision], dtype=np.float64),
            vtype=np.array([type_index[t] for t in accounts.violation_type], dtype=np.int64),
            perpetrator=codes(accounts.perpetrator, actors),
            target=codes(accounts.target, actors),
            killed=np.array([-1 if k is None else k for k in accounts.killed], dtype=np.int64),
            place=codes(keys, {}),
            delegation=codes(accounts.delegation, {}),
            sketch=sketch,
            types=tuple(types),
            governorate=codes(accounts.governorate, {}),
            weapons=weapon_bits(accounts.weapons or [None] * len(accounts)),
        )


WEAPON_BITS = 63
"""Each distinct weapon name gets a bit of its own; beyond this many names, bits are shared."""


def weapon_bits(weapons: Sequence[Sequence[str] | None]) -> NDArray[np.int64]:
    """Each report's weapons as a set of bits, one per folded name (``Mortars``, ``mortars`` agree), the
    names numbered in order of appearance; 0 for a report naming none."""
    table: dict[str, int] = {}
    out = np.zeros(len(weapons), dtype=np.int64)
    for k, names in enumerate(weapons):
        for name in names or ():
            folded = _folded(name)
            if folded:
                out[k] |= 1 << (table.setdefault(folded, len(table)) % WEAPON_BITS)
    return out


@lru_cache(maxsize=1 << 12)
def _folded(name: str) -> str:
    return normalize_name(name)


UNKNOWN_NAMES = frozenset({"unknown", "unidentified", "unknown armed group", "неизвестно", "неизвестные",
                           "مجهول", "مجهولون", "bilinmiyor", "belirsiz", "ناشناس"})  # fmt: skip
"""Names that say the actor is not known: no actor, not an actor called "unknown"."""


def actor_code(actor_id: int | None, name: str | None) -> str | None:
    """How fusion knows an actor: the registry's, or the folded name when no actor has it; None if unknown."""
    if actor_id is not None:
        return f"#{actor_id}"
    return _unresolved(name) if name else None


@lru_cache(maxsize=1 << 16)
def _unresolved(name: str) -> str | None:
    folded = normalize_name(name)
    return None if not folded or folded in UNKNOWN_NAMES else folded


def codes(values: Sequence[Hashable | None], table: dict[Hashable, int]) -> NDArray[np.int64]:
    """An integer per value, the same for equal values (extending ``table``); -1 for None."""
    for value in dict.fromkeys(values):  # each distinct value once, in order of appearance
        if value is not None and value not in table:
            table[value] = len(table)
    lookup: dict[Hashable | None, int] = {**table, None: -1}
    return np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))


def _floats(values: Sequence[float | None]) -> NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def place_keys(
    names: Sequence[str | None], gazetteer: Gazetteer | None, known: dict[str, str | None]
) -> list[str | None]:
    """Each name's place in the gazetteer (``@`` and its id), or its skeleton (none when empty); each
    distinct name worked out once (``known`` keeps them, for the next call)."""
    for name in set(names):
        if name is not None and name not in known:
            found = gazetteer.find(name).place if gazetteer is not None else None
            known[name] = f"@{found.id}" if found is not None else skeleton(name) or None
    return [None if n is None else known[n] for n in names]
