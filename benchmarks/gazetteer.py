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
are counted apart, as is *wrong* (it resolved to another place). Lookups per second are over all
the variants and the places' own names, on a fresh index (no cache), median of ``--repeat`` runs.

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
from trucewatch.geo.gazetteer import Gazetteer, Place, Precision, distance_km, skeletons
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--per-place", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args(argv)
    kept, variants = hold_out(syria_places(), args.per_place, random.Random(args.seed))
    queries = [v for v, _ in variants] + [p.name for p in kept]
    rates = []
    outcome: Counter[str] = Counter()
    misses: list[dict[str, str]] = []
    for _ in range(args.repeat):
        gazetteer = Gazetteer(kept)
        start = time.perf_counter()
        results = [gazetteer.find(q) for q in queries]
        rates.append(len(queries) / (time.perf_counter() - start))
        outcome = Counter()
        misses = []
        for (variant, place), found in zip(variants, results, strict=False):
            kind = "right" if right(found.place, place) else found.status if found.place is None else "wrong"
            outcome[kind] += 1
            if kind != "right" and len(misses) < 25:
                best = found.candidates[0].place.name if found.candidates else None
                misses.append({"variant": variant, "place": place.name, "got": kind, "best": best or ""})
    n = len(variants)
    result = {
        "variants": n,
        "places_with_variants": len({p.id for _, p in variants}),
        "right": outcome["right"],
        "right_share": round(outcome["right"] / n, 4),
        "ambiguous": outcome["ambiguous"],
        "unknown": outcome["unknown"],
        "wrong": outcome["wrong"],
        "lookups": len(queries),
        "lookups_per_s": round(statistics.median(rates)),
        "runs_lookups_per_s": [round(r) for r in rates],
        "examples_not_right": misses,
        "goal": {"lookups_per_s": 10000, "right_share": 0.95},
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
