"""The gazetteer part of ``derive_data.py``: OCHA's populated places merged with GeoNames' places.

Every OCHA populated place (``gazetteer/ocha_syr_admin4_populated_places_2015.geojson``) becomes
one row. Each GeoNames place (``gazetteer/geonames_cities500_SY.txt``) is matched to the nearest
OCHA place within ``MERGE_KM`` that shares one of its names, by skeleton
(:func:`trucewatch.geo.transliteration.skeletons`); a match lends the OCHA place GeoNames' alternate
names and population, and a GeoNames place without a match becomes a row of its own, placed in
its district by point in polygon.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import orjson
import shapely  # type: ignore[import-untyped, unused-ignore]

from trucewatch.geo.gazetteer import distance_km
from trucewatch.geo.transliteration import skeletons
from trucewatch.registry.names import normalize_name

OCHA_PLACES_SRC: Final = "gazetteer/ocha_syr_admin4_populated_places_2015.geojson"
GEONAMES_SRC: Final = "gazetteer/geonames_cities500_SY.txt"
GAZETTEER_OUT: Final = "gazetteer.tsv"

MERGE_KM: Final = 8.0
"""A GeoNames place and an OCHA place this close that share a name are one place."""
GAZETTEER_COLUMNS: Final = (
    "id",
    "name_en",
    "name_ar",
    "latitude",
    "longitude",
    "admin1",
    "admin2",
    "admin3",
    "capital_level",
    "population",
    "names",
    "source",
)
NAME_SEPARATOR: Final = "|"


def _script_ok(name: str) -> bool:
    """Latin, Arabic or Cyrillic names are kept; other scripts are left to GeoNames itself."""
    return all(c.isascii() or "\u00c0" <= c <= "\u04ff" or "\u0600" <= c <= "\u06ff" or not c.isalpha() for c in name)


def ocha_rows(features: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for f in sorted(features, key=lambda f: str(f["properties"]["PCODE"])):
        p = f["properties"]
        names = [p["NAM_EN_REF"]] if p["NAM_EN_REF"] != p["NAME_EN"] else []
        rows.append(
            {
                "id": p["PCODE"],
                "name_en": p["NAME_EN"],
                "name_ar": p["NAME_ARA"],
                "latitude": round(float(p["LATITUDE"]), 5),
                "longitude": round(float(p["LONGITUDE"]), 5),
                "admin1": p["ADMIN1_COD"],
                "admin2": p["ADMIN2_COD"],
                "admin3": p["ADMIN3_COD"],
                "capital_level": "" if p["CAPIT_LVL"] is None else str(int(p["CAPIT_LVL"])),
                "population": "",
                "names": names,
                "source": "ocha",
            }
        )
    return rows


def geonames_records(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        alternates = [a for a in cols[3].split(",") if a] if cols[3] else []
        records.append(
            {
                "geonameid": int(cols[0]),
                "names": list(dict.fromkeys([cols[1], cols[2], *alternates])),
                "latitude": float(cols[4]),
                "longitude": float(cols[5]),
                "feature_code": cols[7],
                "population": int(cols[14] or 0),
            }
        )
    return sorted(records, key=lambda r: r["geonameid"])


def merge_geonames(
    rows: list[dict[str, Any]], records: Sequence[dict[str, Any]], districts: Sequence[dict[str, Any]]
) -> tuple[int, int]:
    """Lend GeoNames names and population to OCHA rows; add unmatched places. Returns (merged, added)."""
    keys = [{k for name in (r["name_en"], r["name_ar"], *r["names"]) for k in skeletons(name)} for r in rows]
    lats = np.array([r["latitude"] for r in rows])
    lons = np.array([r["longitude"] for r in rows])
    tree = shapely.STRtree([shapely.geometry.shape(d["geometry"]) for d in districts])
    merged = added = 0
    for rec in records:
        wanted = {k for name in rec["names"] for k in skeletons(name)}
        near = np.flatnonzero((np.abs(lats - rec["latitude"]) < 0.1) & (np.abs(lons - rec["longitude"]) < 0.1))
        found = sorted(
            (distance_km(rec["latitude"], rec["longitude"], lats[i], lons[i]), int(i))
            for i in near
            if keys[i] & wanted and distance_km(rec["latitude"], rec["longitude"], lats[i], lons[i]) <= MERGE_KM
        )
        if found:
            row = rows[found[0][1]]
            merged += 1
        else:
            row = _geonames_row(rec, districts, tree)
            rows.append(row)
            added += 1
        known = {normalize_name(n) for n in (row["name_en"], row["name_ar"], *row["names"])}
        for name in rec["names"]:
            if _script_ok(name) and normalize_name(name) not in known:
                row["names"].append(name)
                known.add(normalize_name(name))
        row["population"] = str(max(int(row["population"] or 0), rec["population"]) or "")
    return merged, added


def _geonames_row(rec: dict[str, Any], districts: Sequence[dict[str, Any]], tree: Any) -> dict[str, Any]:
    hits = tree.query(shapely.Point(rec["longitude"], rec["latitude"]), predicate="intersects")
    district = districts[int(min(hits))]["properties"] if len(hits) else None
    arabic = next((n for n in rec["names"] if any("\u0600" <= c <= "\u06ff" for c in n)), "")
    return {
        "id": f"GN{rec['geonameid']}",
        "name_en": rec["names"][0],
        "name_ar": arabic,
        "latitude": round(rec["latitude"], 5),
        "longitude": round(rec["longitude"], 5),
        "admin1": district["admin1_pcode"] if district else "",
        "admin2": district["pcode"] if district else "",
        "admin3": "",
        "capital_level": "",
        "population": "",
        "names": [],
        "source": "geonames",
    }


def gazetteer_tsv_bytes(rows: Sequence[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow(GAZETTEER_COLUMNS)
    for row in rows:
        values = {**row, "names": NAME_SEPARATOR.join(row["names"])}
        writer.writerow([values[c] for c in GAZETTEER_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def derive_gazetteer(data_dir: Path, districts: Sequence[dict[str, Any]]) -> tuple[bytes, dict[str, int]]:
    """The gazetteer file and its counts, from the two sources and the derived districts."""
    ocha = orjson.loads((data_dir / OCHA_PLACES_SRC).read_bytes())["features"]
    rows = ocha_rows(ocha)
    records = geonames_records(data_dir / GEONAMES_SRC)
    merged, added = merge_geonames(rows, records, districts)
    counts = {"ocha": len(ocha), "geonames": len(records), "merged": merged, "added": added, "rows": len(rows)}
    return gazetteer_tsv_bytes(rows), counts
