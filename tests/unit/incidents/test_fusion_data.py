"""The incident-fusion benchmark's data: seeded noisy reports of known incidents (benchmarks/fusion_data.py)."""

import importlib.util
import itertools
import json
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from trucewatch.reports.schemas import CASUALTY_FIELDS, ReportIn

N = 3000
PATH = Path(__file__).resolve().parents[3] / "benchmarks" / "fusion_data.py"


@pytest.fixture(scope="module")
def fd() -> ModuleType:
    """The generator, loaded by path: ``benchmarks`` is not a package. It needs pandas (not a core dependency)."""
    pytest.importorskip("pandas")
    spec = importlib.util.spec_from_file_location("fusion_data", PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fusion_data"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data(fd: ModuleType) -> Any:
    return fd.generate(N, seed=11)


def within(share: float, p: float, n: int) -> bool:
    """``share`` of ``n`` draws is about ``p`` (four standard deviations, and half a point)."""
    return abs(share - p) <= 4 * math.sqrt(p * (1 - p) / n) + 0.005


def test_same_seed_gives_the_same_reports_and_another_seed_others(fd: ModuleType, data: Any) -> None:
    again = fd.generate(N, seed=11)
    other = fd.generate(N, seed=12)
    assert again.frame.equals(data.frame)
    assert np.array_equal(again.truth, data.truth)
    assert again.incidents.equals(data.incidents)
    assert not other.frame.drop(columns="ref").equals(data.frame.drop(columns="ref"))


def test_gives_exactly_the_reports_asked_in_the_report_columns(data: Any) -> None:
    frame = data.frame
    assert len(frame) == N
    assert list(frame.columns) == [
        *("ref", "delegation", "occurred_at", "time_precision", "latitude", "longitude", "geo_precision", "place"),
        *("violation_type", "perpetrator", "target", *CASUALTY_FIELDS),
        *("weapons", "narrative", "language", "sources", "tier"),
    ]
    assert frame["ref"].is_unique
    assert str(frame["occurred_at"].dt.tz) == "UTC"
    assert set(frame["delegation"]) == {"RU", "TR", "IR", "SY-GOV", "SY-OPP"}
    assert all(str(frame[c].dtype) == "Int64" for c in CASUALTY_FIELDS)
    assert set(frame["tier"]) == {"shared"}


def test_truth_is_aligned_with_the_rows(data: Any) -> None:
    frame, incidents, truth = data.frame, data.incidents, data.truth
    assert truth.dtype == np.int64
    assert len(truth) == len(frame)
    assert set(truth.tolist()) == set(range(len(incidents)))
    point = (data.noise["location"] == "point").to_numpy()
    km = np.hypot(
        (frame["latitude"].to_numpy() - incidents["latitude"].to_numpy()[truth]) * 110.57,
        (frame["longitude"].to_numpy() - incidents["longitude"].to_numpy()[truth]) * 92.0,
    )
    assert (km[point] <= 3.1).all()
    hours = (data.noise["time"] == "hours").to_numpy()
    apart = (frame["occurred_at"].to_numpy() - incidents["occurred_at"].to_numpy()[truth]) / np.timedelta64(1, "h")
    assert (np.abs(apart[hours]) <= 7).all()


def test_each_incident_is_reported_one_to_six_times(fd: ModuleType, data: Any) -> None:
    per_incident = np.bincount(data.truth)
    assert per_incident.min() >= 1
    assert per_incident.max() <= 6
    expected = np.array(fd.REPORTS_PER_INCIDENT) @ np.arange(1, 7)
    assert abs(per_incident.mean() - expected) < 0.15


def test_near_miss_siblings_share_town_and_day_but_not_type(data: Any) -> None:
    incidents = data.incidents
    sibling = incidents[incidents["sibling_of"] >= 0]
    parent = incidents.loc[sibling["sibling_of"]]
    assert len(sibling) >= 0.04 * len(incidents)
    assert (sibling["town"].to_numpy() == parent["town"].to_numpy()).all()
    assert (sibling["occurred_at"].dt.date.to_numpy() == parent["occurred_at"].dt.date.to_numpy()).all()
    assert (sibling["violation_type"].to_numpy() != parent["violation_type"].to_numpy()).all()
    assert (sibling["occurred_at"].to_numpy() != parent["occurred_at"].to_numpy()).all()
    reported = set(data.truth.tolist())
    assert set(sibling.index) <= reported
    assert set(parent.index) <= reported


def test_records_validate_as_reports(data: Any) -> None:
    records = list(itertools.islice(data.records(), 2000))
    for record in records:
        ReportIn.model_validate(record)
    no_point = [r for r in records if "latitude" not in r]
    assert no_point
    assert all(r["place"] and r["geo_precision"] in ("town", "governorate") for r in no_point)
    assert all(r["occurred_at"].endswith("Z") for r in records)
    assert all(isinstance(r["sources"], list) for r in records)
    assert any("casualties" not in r for r in records)
    assert all(set(r.get("casualties", {})) <= set(CASUALTY_FIELDS) for r in records)


def test_noise_kinds_occur_at_their_rates(fd: ModuleType, data: Any) -> None:
    for aspect, table in (("location", fd.LOCATION_NOISE), ("time", fd.TIME_NOISE), ("casualties", fd.CASUALTY_NOISE)):
        shares = data.noise[aspect].value_counts(normalize=True)
        assert all(within(shares[kind], p, N) for kind, p in table.items()), (aspect, shares.to_dict())
    unknown = (data.noise["perpetrator"] == "unknown").mean()
    assert within(unknown, fd.PERPETRATOR_UNKNOWN, N)
    assert (data.noise["perpetrator"] == "blamed_other").mean() > 0.1
    true_types = data.incidents["violation_type"].to_numpy()[data.truth]
    confused = np.mean([1 - fd.TYPE_CONFUSION[t][t] for t in true_types])
    assert within((data.noise["violation_type"] == "confused").mean(), confused, N)
    assert (data.noise["place_name"] != "english").mean() > 0.3


def test_noise_shows_in_the_reports_as_labelled(data: Any) -> None:
    frame, noise = data.frame, data.noise
    no_point = frame["latitude"].isna()
    assert (no_point == noise["location"].isin(["town_name", "governorate"])).all()
    assert (frame.loc[noise["location"] == "governorate", "geo_precision"] == "governorate").all()
    assert (frame.loc[noise["location"] == "town_point", "geo_precision"] == "town").all()
    by_day = frame.loc[noise["time"] == "date_only"]
    assert (by_day["time_precision"] == "day").all()
    assert (by_day["occurred_at"].dt.hour == 0).all()
    by_month = frame.loc[noise["time"] == "month_only"]
    assert (by_month["time_precision"] == "month").all()
    assert (by_month["occurred_at"].dt.day == 1).all()
    missing = frame.loc[noise["casualties"] == "missing", list(CASUALTY_FIELDS)]
    assert missing.isna().all().all()
    arabic = frame.loc[noise["place_name"] == "arabic", "language"]
    assert (arabic == "ar").mean() > 0.5


def test_command_writes_reports_and_truth_and_prints_counts(
    fd: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fd.main(["--reports", "200", "--seed", "3", "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    lines = (tmp_path / "reports.jsonl").read_text(encoding="utf-8").splitlines()
    truth = (tmp_path / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert summary["reports"] == len(lines) == 200
    assert truth[0] == "ref,incident"
    assert len(truth) == 201
    assert {"incidents", "near_miss_pairs", "noise", "seconds"} <= set(summary)
    assert [json.loads(line)["ref"] for line in lines] == [row.split(",")[0] for row in truth[1:]]
