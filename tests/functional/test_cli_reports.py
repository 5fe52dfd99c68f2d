import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import report
from tests.functional.conftest import Run, stats

CSV_HEADER = (
    "ref,delegation,occurred_at,time_precision,latitude,longitude,geo_precision,place,violation_type,"
    "perpetrator,target,killed_civilian,killed_combatant,weapons,narrative,language,sources,tier"
)
CSV_ROW = (
    "c-1,TR,2017-03-02,day,35.9319912,36.6349095,town,Idleb,air_strike,Government of Syria,civilians,"
    '4,,barrel bombs;helicopter,"Strike on a market, four dead",en,witness,shared'
)


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def nothing_stored(cli: Run) -> None:
    figures = stats(cli)
    assert figures["reports"] == 0
    assert figures["reports_superseded"] == 0


def test_report_add_stores_reports_and_lists_them(registry: Run, tmp_path: Path) -> None:
    file = write_json(tmp_path / "r.json", [report(perpetrator="داعش"), report("r-2", violation_type="air_strike")])
    result = registry("report", "add", str(file))
    assert result.exit_code == 0, result.output
    assert "2 report(s) stored" in result.stdout
    listed = json.loads(registry("report", "list", "--json", "--type", "air_strike").stdout)
    assert [r["ref"] for r in listed] == ["r-2"]
    first = json.loads(registry("report", "list", "--json", "--governorate", "Aleppo").stdout)[0]
    assert first["perpetrator"] == "داعش"
    assert first["perpetrator_resolved"] is True
    assert isinstance(first["incident_id"], int)  # placed in an incident as it was stored


def test_report_add_twice_adds_nothing(registry: Run, tmp_path: Path) -> None:
    file = write_json(tmp_path / "r.json", report())
    registry("report", "add", str(file))
    again = registry("report", "add", str(file))
    assert "0 report(s) stored, 1 already stored" in again.stdout
    assert stats(registry)["reports"] == 1


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"latitude": 95}, "latitude", "less than or equal to 90"),
        ({"occurred_at": "2099-01-01T00:00:00Z"}, "occurred_at", "is in the future"),
        ({"delegation": "XX"}, "delegation", "no delegation with code 'XX'"),
        ({"casualties": {"killed_civilian": -1}}, "casualties.killed_civilian", "greater than or equal to 0"),
        ({"violation_type": "bombing"}, "violation_type", "should be 'shelling'"),
    ],
)
def test_bad_report_is_refused_naming_record_field_and_problem(
    registry: Run, tmp_path: Path, change: dict[str, Any], field: str, problem: str
) -> None:
    file = write_json(tmp_path / "bad.json", [report(), report("r-2", **change)])
    result = registry("report", "add", str(file))
    assert result.exit_code == 1
    assert f"bad.json item 2: {field}: " in result.stderr
    assert problem in result.stderr
    assert "Traceback" not in result.output
    nothing_stored(registry)


def test_malformed_json_is_refused(registry: Run, tmp_path: Path) -> None:
    file = tmp_path / "broken.json"
    file.write_text('[{"ref": "x",', encoding="utf-8")
    result = registry("report", "add", str(file))
    assert result.exit_code == 1
    assert "broken.json: not valid JSON" in result.stderr
    nothing_stored(registry)


def test_malformed_jsonl_line_is_refused_by_line_number(registry: Run, tmp_path: Path) -> None:
    file = tmp_path / "reports.jsonl"
    file.write_text(json.dumps(report()) + "\n{not json}\n", encoding="utf-8")
    result = registry("import", "reports", str(file))
    assert result.exit_code == 1
    assert "reports.jsonl line 2: not valid JSON" in result.stderr
    nothing_stored(registry)


def test_csv_import_takes_the_json_field_names(registry: Run, tmp_path: Path) -> None:
    file = tmp_path / "reports.csv"
    file.write_text(f"{CSV_HEADER}\n{CSV_ROW}\n", encoding="utf-8")
    result = registry("import", "reports", str(file), "--key", str(tmp_path / "TR.key"))
    assert result.exit_code == 0, result.output
    stored = json.loads(registry("report", "list", "--json").stdout)[0]
    assert stored["casualties"] == {"killed_civilian": 4}
    assert stored["weapons"] == ["barrel bombs", "helicopter"]
    assert stored["governorate"] == "Idleb"


def test_csv_row_with_a_missing_column_is_refused_by_row(registry: Run, tmp_path: Path) -> None:
    short = ",".join(CSV_ROW.replace("c-1", "c-2").split(",")[:-1])
    file = tmp_path / "reports.csv"
    file.write_text(f"{CSV_HEADER}\n{CSV_ROW}\n{short}\n", encoding="utf-8")
    result = registry("import", "reports", str(file))
    assert result.exit_code == 1
    assert "reports.csv row 3: has 17 values but the header has 18 columns" in result.stderr
    nothing_stored(registry)


def test_csv_without_a_required_column_names_it(registry: Run, tmp_path: Path) -> None:
    header = CSV_HEADER.replace("violation_type,", "")
    row = CSV_ROW.replace("air_strike,", "")
    file = tmp_path / "reports.csv"
    file.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = registry("import", "reports", str(file))
    assert result.exit_code == 1
    assert "reports.csv row 2: violation_type: is required" in result.stderr


def test_skip_invalid_stores_valid_rows_and_writes_the_rejects(registry: Run, tmp_path: Path) -> None:
    file = tmp_path / "reports.jsonl"
    lines = [report(), report("r-2", latitude=95), report("r-3")]
    file.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    result = registry("import", "reports", str(file), "--skip-invalid")
    assert result.exit_code == 0, result.output
    rejects = tmp_path / "reports.jsonl.rejects.jsonl"
    assert str(rejects) in result.stdout.replace("\n", "")
    rejected = [json.loads(x) for x in rejects.read_text(encoding="utf-8").splitlines()]
    assert [(r["record"], r["problems"][0]["field"]) for r in rejected] == [("reports.jsonl line 2", "latitude")]
    assert rejected[0]["input"]["ref"] == "r-2"
    assert stats(registry)["reports"] == 2


def test_unknown_file_type_is_refused(registry: Run, tmp_path: Path) -> None:
    file = tmp_path / "reports.xlsx"
    file.write_bytes(b"")
    result = registry("import", "reports", str(file))
    assert result.exit_code == 1
    assert "unknown file type" in result.stderr


def test_report_list_filters_by_date_and_delegation(registry: Run, tmp_path: Path) -> None:
    file = write_json(tmp_path / "r.json", [report()])
    registry("report", "add", str(file))
    other = write_json(tmp_path / "tr.json", [report("r-2", delegation="TR", occurred_at="2017-03-10")])
    assert registry("report", "add", str(other), "--key", str(tmp_path / "TR.key")).exit_code == 0
    assert [r["ref"] for r in json.loads(registry("report", "list", "--json", "--from", "2017-03-01").stdout)] == [
        "r-2"
    ]
    assert [r["ref"] for r in json.loads(registry("report", "list", "--json", "--to", "2017-02-03").stdout)] == ["r-1"]
    assert json.loads(registry("report", "list", "--json", "--delegation", "RU").stdout)[0]["ref"] == "r-1"
    bad = registry("report", "list", "--governorate", "Atlantis")
    assert bad.exit_code == 1
    assert "unknown governorate" in bad.stderr
