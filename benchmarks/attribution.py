"""Attribution of many points to a map of control versioned in time, against GeoPandas ``sjoin``.

    python benchmarks/attribution.py [--points 1000000] [--zones 500] [--versions 20] [--repeat 3] [--seed 2017]

The map: ``--zones`` zones on a grid over Syria's box, each an irregular polygon a little larger
than its cell (so neighbours overlap along their edges), each with ``--versions`` versions in
time, redrawn at random dates over two years: 10,000 zone versions by default. The points: spread
uniformly over the box, each on a random day of those two years.

Both sides answer the same question: for each point, the zone versions that hold it (intersects)
and were valid on its day. trucewatch: :meth:`trucewatch.geo.zonemap.ZoneMap.at_points`, which
filters the bounding-box candidates by date before it tests them. The peer: GeoPandas
``sjoin(points, zones, predicate="intersects")`` and then the validity-date filter on the joined
rows. Both results are checked equal, pair for pair. The two run in turn, ``--repeat`` times each;
medians are reported, and the ratio is of the medians of the same run.

Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely

from trucewatch.geo.shapes import SYRIA_BOX
from trucewatch.geo.zonemap import ZoneMap, ZoneVersion

START = date(2016, 1, 1)
DAYS = 730


def make_map(rng: np.random.Generator, zones: int, versions: int) -> list[ZoneVersion]:
    west, south, east, north = SYRIA_BOX
    cols = int(np.ceil(np.sqrt(zones * (east - west) / (north - south))))
    rows = int(np.ceil(zones / cols))
    w, h = (east - west) / cols, (north - south) / rows
    out: list[ZoneVersion] = []
    for z in range(zones):
        cx, cy = west + (z % cols + 0.5) * w, south + (z // cols + 0.5) * h
        cuts = np.sort(rng.choice(np.arange(1, DAYS), size=versions - 1, replace=False))
        bounds = [0, *cuts.tolist(), DAYS]
        for v in range(versions):
            angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
            radius = rng.uniform(0.55, 0.8, 12)
            ring = np.column_stack((cx + radius * w * np.cos(angles), cy + radius * h * np.sin(angles)))
            out.append(
                ZoneVersion(
                    id=len(out),
                    name=f"zone-{z}",
                    geometry=shapely.Polygon(ring),
                    valid_from=START + timedelta(days=bounds[v]),
                    valid_to=START + timedelta(days=bounds[v + 1]),
                    controllers=(int(rng.integers(0, 8)),),
                )
            )
    return out


def make_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    west, south, east, north = SYRIA_BOX
    lons = rng.uniform(west, east, n)
    lats = rng.uniform(south, north, n)
    days = START.toordinal() + rng.integers(0, DAYS, n)
    return lons, lats, days.astype(np.int64)


def ours(versions: list[ZoneVersion], lons: np.ndarray, lats: np.ndarray, days: np.ndarray) -> tuple[float, Any]:
    t = time.perf_counter()
    zone_map = ZoneMap(versions)
    p, v = zone_map.at_points(lons, lats, days)
    return time.perf_counter() - t, (p, v)


def peer(versions: list[ZoneVersion], lons: np.ndarray, lats: np.ndarray, days: np.ndarray) -> tuple[float, Any]:
    import geopandas as gpd
    import pandas as pd

    t = time.perf_counter()
    zones = gpd.GeoDataFrame(
        {
            "start": [v.valid_from.toordinal() for v in versions],
            "end": [v.valid_to.toordinal() if v.valid_to else date.max.toordinal() for v in versions],
        },
        geometry=[v.geometry for v in versions],
        crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame({"day": days}, geometry=gpd.points_from_xy(lons, lats), crs="EPSG:4326")
    joined = gpd.sjoin(points, zones, how="inner", predicate="intersects")
    joined = joined[(joined["start"] <= joined["day"]) & (joined["day"] < joined["end"])]
    p = joined.index.to_numpy()
    v = joined["index_right"].to_numpy()
    elapsed = time.perf_counter() - t
    del pd
    return elapsed, (p, v)


def same(a: Any, b: Any) -> bool:
    pa, va = a
    pb, vb = b
    oa, ob = np.lexsort((va, pa)), np.lexsort((vb, pb))
    return bool(np.array_equal(pa[oa], pb[ob]) and np.array_equal(va[oa], vb[ob]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    versions = make_map(rng, args.zones, args.versions)
    lons, lats, days = make_points(rng, args.points)
    print(f"{len(versions):,} zone versions, {args.points:,} points", file=sys.stderr)
    mine: list[float] = []
    theirs: list[float] = []
    agree = True
    pairs = 0
    for run in range(args.repeat):
        t_ours, r_ours = ours(versions, lons, lats, days)
        t_peer, r_peer = peer(versions, lons, lats, days)
        agree = agree and same(r_ours, r_peer)
        pairs = len(r_ours[0])
        mine.append(t_ours)
        theirs.append(t_peer)
        print(f"run {run + 1}: trucewatch {t_ours:.2f} s, geopandas sjoin {t_peer:.2f} s", file=sys.stderr)
    m_ours, m_peer = statistics.median(mine), statistics.median(theirs)
    result = {
        "points": args.points,
        "zone_versions": len(versions),
        "pairs": pairs,
        "points_held": len(np.unique(r_ours[0])),
        "seconds": round(m_ours, 3),
        "points_per_s": round(args.points / m_ours),
        "sjoin_seconds": round(m_peer, 3),
        "speedup_vs_sjoin": round(m_peer / m_ours, 2),
        "results_equal": agree,
        "runs": [round(t, 3) for t in mine],
        "sjoin_runs": [round(t, 3) for t in theirs],
        "goal": {"seconds": 10.0, "speedup_vs_sjoin": 1.5},
    }
    print(json.dumps(result))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
