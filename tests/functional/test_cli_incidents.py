"""The `fuse` and `incident` commands: incidents listed with their accounts, disputes, full re-fusion."""

import json
from pathlib import Path

from tests.factories import report
from tests.functional.conftest import MECHANISM, Run


def file(registry: Run, tmp_path: Path, code: str, *reports: dict[str, object]) -> None:
    path = tmp_path / f"{code}.json"
    path.write_text(json.dumps(list(reports)))
    done = registry("report", "add", str(path), "--key", str(tmp_path / f"{code}.key"))
    assert done.exit_code == 0, done.output


def test_accounts_of_one_event_are_one_incident_listed_with_refs_and_disagreements(
    registry: Run, tmp_path: Path
) -> None:
    file(registry, tmp_path, "RU", report("ru-1", casualties={"killed_civilian": 3}))
    file(registry, tmp_path, "TR", report("tr-1", delegation="TR", casualties={"killed_civilian": 0},
                                          occurred_at="2017-02-03T11:00:00Z"))  # fmt: skip
    file(registry, tmp_path, "RU", report("ru-2", occurred_at="2017-03-20T10:00:00Z", violation_type="air_strike"))
    listed = json.loads(registry("incident", "list", "--from", "2017-02-01", "--to", "2017-02-28", "--json").stdout)
    assert len(listed) == 1
    (incident,) = listed
    assert sorted((m["delegation"], m["ref"]) for m in incident["member_refs"]) == [("RU", "ru-1"), ("TR", "tr-1")]
    assert {"field": "killed", "says": {"RU": 3, "TR": 0}} in incident["merged"]["disagreements"]
    reports = json.loads(registry("report", "list", "--json").stdout)
    assert {r["ref"]: r["incident_id"] for r in reports}["tr-1"] == incident["id"]
    shown = json.loads(registry("incident", "show", str(incident["id"])).stdout)
    assert shown["merged"]["killed"] == {"low": 0, "best": 2, "high": 3, "accounts": 2}
    table = registry("incident", "list")
    assert "RU:ru-1" in table.stdout
    assert "killed" in table.stdout


def test_a_split_from_the_command_line_is_kept_by_a_full_refusion(registry: Run, tmp_path: Path) -> None:
    file(registry, tmp_path, "RU", report("ru-1"))
    file(registry, tmp_path, "TR", report("tr-1", delegation="TR"))
    split = registry("incident", "split", "TR:tr-1", "--reason", "two strikes", "--key", str(tmp_path / "TR.key"))
    assert split.exit_code == 0, split.output
    assert "split of 1 report(s) recorded" in split.stdout
    fused = registry("fuse", "--full", "--key", str(tmp_path / f"{MECHANISM}.key"))
    assert fused.exit_code == 0, fused.output
    assert "2 report(s) fused into 2 incident(s)" in fused.stdout
    ids = {r["ref"]: r["incident_id"] for r in json.loads(registry("report", "list", "--json").stdout)}
    assert ids["ru-1"] != ids["tr-1"]


def test_bad_dispute_and_refusion_requests_are_refused_with_the_reason(registry: Run, tmp_path: Path) -> None:
    file(registry, tmp_path, "RU", report("ru-1"))
    named = registry("incident", "split", "ru-1", "--reason", "x", "--key", str(tmp_path / "RU.key"))
    assert named.exit_code == 1
    assert "name a report as DELEGATION:REF" in named.output
    observer = registry("incident", "split", "RU:ru-1", "--reason", "x", "--key", str(tmp_path / "UN.key"))
    assert observer.exit_code == 1
    assert "may not do this" in observer.output
    assert registry("fuse").exit_code == 1
    bad_day = registry("incident", "list", "--from", "February")
    assert bad_day.exit_code == 1
    assert "--from" in bad_day.output
