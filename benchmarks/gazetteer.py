"""Place-name lookup: how fast, and how often a spelling variant finds the right place.

    python benchmarks/gazetteer.py [--per-place 2] [--repeat 3] [--seed 2017]

The variants come from the gazetteer's own alternate names (GeoNames' alternates merged into the
OCHA places, see data/CREDITS.md), held apart from the index under test: for each place with
alternates (towns and villages), up to ``--per-place`` of its Latin- or Arabic-script alternates are taken out of the
place before the index is built, and then looked up. A variant that only differs from a name
left in the index by case, diacritics or punctuation is not counted (it would be an exact
match); codes of three capitals (``DAM``) and names shorter than three letters are left out.

A lookup is *right* when it resolves to the place the variant was taken from (or to a place of
the same name within 10 km: the same town listed by the other source); *ambiguous* and *unknown*
are counted apart, as is *wrong* (it resolved to another place).

The same variants are looked up again with their place's governorate as a report would name it
(``Safsaf, Tartous``: the OCHA English name after a comma, see ``Gazetteer.find``); that share is
reported apart (``right_share_with_governorate``), the context-free ``right_share`` being the
figure of merit.

Lookups per second are over all the distinct variants and the places' own names, each looked up
once on a fresh index (no cache hit), median of ``--repeat`` runs.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace

from trucewatch.geo.admin import syria_places
from trucewatch.geo.gazetteer import Gazetteer, Lookup, Place, Precision, distance_km
from trucewatch.geo.transliteration import skeletons
from trucewatch.registry.names import normalize_name

SAME_TOWN_KM = 10.0
"""A place of the same name this close is the same town listed by the other source."""


def usable(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 3 or (name.isupper() and len(name) <= 4):
        return False
    arabic = all("\u0600" <= c <= "\u06ff" for c in letters)
    latin = all(c.isascii() or "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff" for c in letters)
    return arabic or latin


def hold_out(
    places: tuple[Place, ...], per_place: int, rng: random.Random
) -> tuple[list[Place], list[tuple[str, Place]]]:
    kept: list[Place] = []
    variants: list[tuple[str, Place]] = []
    for place in places:
        if place.precision != Precision.TOWN:  # the areas' few extra names are hand-written, not GeoNames'
            kept.append(place)
            continue
        candidates = [n for n in place.names if usable(n)]
        rng.shuffle(candidates)
        taken = candidates[:per_place]
        rest = tuple(n for n in place.names if n not in taken)
        remaining = {normalize_name(n) for n in (place.name, place.name_ar, *rest)}
        variants += [(n, place) for n in taken if normalize_name(n) not in remaining]
        kept.append(replace(place, names=rest))
    return kept, variants


def right(found: Place | None, expected: Place) -> bool:
    if found is None:
        return False
    if found.id == expected.id:
        return True
    return (
        found.precision == expected.precision
        and distance_km(found.latitude, found.longitude, expected.latitude, expected.longitude) < SAME_TOWN_KM
        and bool(set(skeletons(found.name)) & set(skeletons(expected.name)))
    )


def outcome_of(found: Lookup, expected: Place) -> str:
    """``right``, ``wrong`` (resolved to another place), ``ambiguous`` or ``unknown``."""
    if right(found.place, expected):
        return "right"
    return found.status if found.place is None else "wrong"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--per-place", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args(argv)
    kept, variants = hold_out(syria_places(), args.per_place, random.Random(args.seed))
    queries = list(dict.fromkeys([v for v, _ in variants] + [p.name for p in kept]))  # each once: no cache hit
    rates = []
    for _ in range(args.repeat):
        gazetteer = Gazetteer(kept)
        start = time.perf_counter()
        results = {q: gazetteer.find(q) for q in queries}
        rates.append(len(queries) / (time.perf_counter() - start))
    names = {p.id: p.name for p in kept}
    outcome = Counter(outcome_of(results[v], p) for v, p in variants)
    in_governorate = Counter(outcome_of(gazetteer.find(f"{v}, {names[p.governorate or '']}"), p) for v, p in variants)
    misses = [
        {"variant": v, "place": p.name, "got": kind, "best": best_name(results[v])}
        for v, p in variants
        if (kind := outcome_of(results[v], p)) != "right"
    ]
    n = len(variants)
    result = {
        "variants": n,
        "places_with_variants": len({p.id for _, p in variants}),
        "right": outcome["right"],
        "right_share": round(outcome["right"] / n, 4),
        "ambiguous": outcome["ambiguous"],
        "unknown": outcome["unknown"],
        "wrong": outcome["wrong"],
        "right_share_with_governorate": round(in_governorate["right"] / n, 4),
        "with_governorate": {k: in_governorate[k] for k in ("right", "ambiguous", "unknown", "wrong")},
        "lookups": len(queries),
        "lookups_per_s": round(statistics.median(rates)),
        "runs_lookups_per_s": [round(r) for r in rates],
        "examples_not_right": misses[:25],
        "goal": {"lookups_per_s": 10000, "right_share": 0.95},
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def best_name(found: Lookup) -> str:
    return found.candidates[0].place.name if found.candidates else ""


if __name__ == "__main__":
    sys.exit(main())
