"""Checks on the package data derived by ``scripts/derive_data.py``.

The first tests read only the shipped files in ``src/trucewatch/data``.  The last one re-runs the
derivation from the real public data in the ``shared`` folder and needs that folder: it is found
through ``$TRUCEWATCH_SHARED``, else ``../shared`` next to the repository root, else
``/work/shared``.  Without it the test is skipped, except on CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import shape  # type: ignore[import-untyped, unused-ignore]

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "src" / "trucewatch" / "data"
SCRIPT = REPO_ROOT / "scripts" / "derive_data.py"
SHIPPED = ("admin1.geojson", "admin2.geojson", "ucdp_syria_2017q1.csv", "gazetteer.tsv", "CREDITS.md")

ADMIN1_KEYS = ["pcode", "name_en", "name_ar"]
ADMIN2_KEYS = ["pcode", "name_en", "name_ar", "admin1_pcode"]
UCDP_HEADER = [
    "ucdp_id",
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
    "violation_type",
]
VIOLATION_TYPES = {
    "shelling",
    "air_strike",
    "armed_clash",
    "attack_on_civilians",
    "abduction_detention",
}
#: Events on the border or the coast may fall just outside the simplified districts.
BORDER_TOLERANCE_DEG = 0.02
#: "A handful": at most this many events may need the tolerance.
MAX_TOLERATED_EVENTS = 15


# --------------------------------------------------------------------------- helpers


def load_collection(name: str) -> list[dict[str, Any]]:
    collection = orjson.loads((DATA_DIR / name).read_bytes())
    assert collection["type"] == "FeatureCollection"
    features: list[dict[str, Any]] = collection["features"]
    return features


def geometries(features: list[dict[str, Any]]) -> Any:
    return np.array([shape(f["geometry"]) for f in features], dtype=object)


def load_events() -> list[dict[str, str]]:
    with (DATA_DIR / "ucdp_syria_2017q1.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def find_shared() -> Path | None:
    candidates: list[Path] = []
    if env := os.environ.get("TRUCEWATCH_SHARED"):
        candidates.append(Path(env))
    candidates += [REPO_ROOT.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if (candidate / "data").is_dir():
            return candidate
    return None


@pytest.fixture(scope="module")
def shared_dir() -> Iterator[Path]:
    found = find_shared()
    if found is None:
        message = "shared data folder not found (set TRUCEWATCH_SHARED)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def district_hits(districts: Any, xs: Any, ys: Any) -> tuple[Any, Any]:
    """Per event: how many districts contain it, and its distance to the nearest one."""
    inside = np.zeros(len(xs), dtype=int)
    nearest = np.full(len(xs), np.inf)
    points = shapely.points(xs, ys)
    for district in districts:
        shapely.prepare(district)
        inside += shapely.contains_xy(district, xs, ys)
        nearest = np.minimum(nearest, shapely.distance(district, points))
    return inside, nearest


# --------------------------------------------------------------------------- shipped files


def test_shipped_files_exist() -> None:
    for name in SHIPPED:
        path = DATA_DIR / name
        assert path.is_file(), f"missing {path}: run scripts/derive_data.py"
    assert (DATA_DIR / "admin1.geojson").stat().st_size < 250_000
    assert (DATA_DIR / "admin2.geojson").stat().st_size < 500_000


def test_admin1_governorates() -> None:
    features = load_collection("admin1.geojson")
    assert len(features) == 14
    assert all(list(f["properties"]) == ADMIN1_KEYS for f in features)
    pcodes = [f["properties"]["pcode"] for f in features]
    assert sorted(pcodes) == [f"SY{i:02d}" for i in range(1, 15)]
    geoms = geometries(features)
    assert bool(np.all(shapely.is_valid(geoms)))
    assert bool(shapely.coverage_is_valid(geoms))


def test_admin2_districts() -> None:
    features = load_collection("admin2.geojson")
    assert len(features) == 61
    assert all(list(f["properties"]) == ADMIN2_KEYS for f in features)
    pcodes = [f["properties"]["pcode"] for f in features]
    assert len(set(pcodes)) == 61
    admin1 = {f["properties"]["pcode"] for f in load_collection("admin1.geojson")}
    assert {f["properties"]["admin1_pcode"] for f in features} == admin1
    assert all(p.startswith(f["properties"]["admin1_pcode"]) for p, f in zip(pcodes, features, strict=True))
    geoms = geometries(features)
    assert bool(np.all(shapely.is_valid(geoms)))
    assert bool(shapely.coverage_is_valid(geoms))


def test_districts_tile_their_governorate() -> None:
    districts = load_collection("admin2.geojson")
    district_geoms = geometries(districts)
    parents = np.array([f["properties"]["admin1_pcode"] for f in districts])
    for governorate in load_collection("admin1.geojson"):
        code = governorate["properties"]["pcode"]
        union = shapely.coverage_union_all(district_geoms[parents == code])
        assert shapely.equals(union, shape(governorate["geometry"])), code


def test_coordinates_have_five_decimals() -> None:
    for name in ("admin1.geojson", "admin2.geojson"):
        coords = shapely.get_coordinates(geometries(load_collection(name))) * 1e5
        assert np.allclose(coords, np.round(coords), rtol=0.0, atol=1e-6), name


def test_ucdp_events_table() -> None:
    with (DATA_DIR / "ucdp_syria_2017q1.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == UCDP_HEADER
    events = load_events()
    assert len(events) == 1539
    keys = [(e["date_start"], int(e["ucdp_id"])) for e in events]
    assert keys == sorted(keys)
    assert len({e["ucdp_id"] for e in events}) == len(events)
    assert all("2017-01-01" <= e["date_start"] <= "2017-03-31" for e in events)
    assert {e["violation_type"] for e in events} <= VIOLATION_TYPES


def test_every_event_falls_in_one_district() -> None:
    events = load_events()
    xs = np.array([float(e["longitude"]) for e in events])
    ys = np.array([float(e["latitude"]) for e in events])
    inside, nearest = district_hits(geometries(load_collection("admin2.geojson")), xs, ys)
    assert int(np.max(inside)) <= 1, "an event lies in two districts: they overlap"
    outside = inside == 0
    too_far = [e["ucdp_id"] for e, o, d in zip(events, outside, nearest, strict=True) if o and d > BORDER_TOLERANCE_DEG]
    assert too_far == [], f"events farther than {BORDER_TOLERANCE_DEG} deg from any district"
    tolerated = int(np.count_nonzero(outside))
    assert tolerated <= MAX_TOLERATED_EVENTS


# --------------------------------------------------------------------------- re-derivation


def test_rederivation_is_byte_identical(shared_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--shared",
            str(shared_dir),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SHIPPED)
    for name in SHIPPED:
        fresh = (tmp_path / name).read_bytes()
        assert fresh == (DATA_DIR / name).read_bytes(), f"{name} differs: re-run the script"


def test_the_gazetteer_holds_every_ocha_place_with_its_names_and_codes() -> None:
    text = (DATA_DIR / "gazetteer.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"))
    ocha = [r for r in rows if r["source"] == "ocha"]
    assert len(ocha) == 5251
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["name_en"] and r["admin1"] and r["admin2"] for r in rows)
    assert sum(1 for r in ocha if r["name_ar"]) == 5251
    douma = next(r for r in rows if r["id"] == "C2338")
    assert (douma["name_en"], douma["name_ar"], douma["admin1"]) == ("Duma", "دوما", "SY03")
    assert "Douma" in douma["names"].split("|")
    assert int(douma["population"]) > 100_000
