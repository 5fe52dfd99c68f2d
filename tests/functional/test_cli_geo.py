"""``trucewatch zone`` and ``trucewatch place`` against a database, through the command line."""

import json
from pathlib import Path

from tests.factories import report
from tests.functional.conftest import Run

SQUARE = [[[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]]


def write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def square_map(actor: str) -> dict[str, object]:
    feature = {"type": "Feature", "properties": {"name": "Pocket", "actor": actor}}
    return {
        "type": "FeatureCollection",
        "features": [{**feature, "geometry": {"type": "Polygon", "coordinates": SQUARE}}],
    }


def test_a_map_is_imported_queried_and_exported(registry: Run, key_files: dict[str, Path], tmp_path: Path) -> None:
    first = write(tmp_path / "jan.geojson", square_map("Daesh"))
    done = registry("zone", "import", first, "--valid-from", "2017-01-01", "--key", str(key_files["RU"]))
    assert done.exit_code == 0, done.output
    assert "1 zone(s) added" in done.output
    second = write(tmp_path / "feb.geojson", square_map("Government of Syria"))
    done = registry("zone", "import", second, "--valid-from", "2017-02-01", "--key", str(key_files["RU"]))
    assert "1 replaced" in done.output, done.output
    held = json.loads(registry("zone", "at", "35.2", "36.2", "--on", "2017-01-15", "--json").stdout)
    assert [(h["zone"], h["actor"], h["designated"], h["ceasefire_covered"]) for h in held] == [
        ("Pocket", "isil", True, False)
    ]
    later = json.loads(registry("zone", "at", "35.2", "36.2", "--on", "2017-02-15", "--json").stdout)
    assert [h["actor"] for h in later] == ["saa"]
    assert json.loads(registry("zone", "at", "33.5", "36.3", "--on", "2017-02-15", "--json").stdout) == []
    exported = json.loads(registry("zone", "export", "--on", "2017-01-15").stdout)
    assert exported["type"] == "FeatureCollection"
    assert exported["features"][0]["properties"]["actor"] == ["isil"]
    history = json.loads(registry("zone", "list", "--name", "Pocket", "--json").stdout)
    assert [(h["valid_from"], h["valid_to"]) for h in history] == [("2017-01-01", "2017-02-01"), ("2017-02-01", None)]


def test_a_bad_map_is_refused_with_the_feature_and_field_named(
    registry: Run, key_files: dict[str, Path], tmp_path: Path
) -> None:
    feature = write(tmp_path / "one.geojson", square_map("Daesh")["features"][0])  # type: ignore[index]
    done = registry("zone", "import", feature, "--valid-from", "2017-01-01", "--key", str(key_files["RU"]))
    assert done.exit_code == 1
    assert "must be a GeoJSON FeatureCollection, not 'Feature'" in done.output
    unknown = write(tmp_path / "who.geojson", square_map("Martians"))
    done = registry("zone", "import", unknown, "--valid-from", "2017-01-01", "--key", str(key_files["RU"]))
    assert done.exit_code == 1
    assert "who.geojson feature 0 (Pocket): properties.actor: 'Martians' is no actor's name" in done.output
    assert json.loads(registry("zone", "list", "--json").stdout) == []


def test_place_find_lists_candidates_best_first(registry: Run) -> None:
    found = json.loads(registry("place", "find", "Dūmā", "--json").stdout)
    assert found[0]["name"] == "Duma"
    assert found[0]["governorate"] == "Rural Damascus"
    assert {"name", "latitude", "longitude", "precision", "governorate"} <= set(found[0])
    assert json.loads(registry("place", "find", "Qqqqzzzz", "--json").stdout) == []
    assert "ambiguous" in registry("place", "find", "Jdideh").stdout


def test_a_place_added_by_the_mechanism_is_found(registry: Run, key_files: dict[str, Path], tmp_path: Path) -> None:
    added = registry(
        "place", "add", "tal-xyzzy", "--name", "Tal Xyzzy", "--latitude", "35.2", "--longitude", "36.2",
        "--alias", "تل زيزي", "--key", str(key_files["RU"]),
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    found = json.loads(registry("place", "find", "Tall Xyzzy", "--json").stdout)
    assert (found[0]["id"], found[0]["source"]) == ("tal-xyzzy", "mechanism")
    swapped = write(tmp_path / "p.json", [{"key": "swap", "name": "Swap", "latitude": 36.2, "longitude": 33.5}])
    done = registry("place", "import", swapped, "--key", str(key_files["RU"]))
    assert done.exit_code == 1
    assert "latitude and longitude look swapped" in done.output


def test_a_control_change_reattributes_a_report_and_the_change_is_listed(
    registry: Run, key_files: dict[str, Path], tmp_path: Path
) -> None:
    fsa = [{"key": "fsa", "kind": "armed_opposition", "names": {"en": "Free Syrian Army"},
            "ceasefire": [{"status": "signatory", "from": "2016-12-30"}]}]  # fmt: skip
    assert registry("actor", "add", "--file", write(tmp_path / "fsa.json", fsa)).exit_code == 0
    key = ["--key", str(key_files["RU"])]
    registry("zone", "import", write(tmp_path / "jan.geojson", square_map("Daesh")), "--valid-from", "2017-01-01", *key)
    strike = report("in-pocket", occurred_at="2017-02-10T08:00:00Z", latitude=35.2, longitude=36.2, place="Pocket")
    late = report("later", occurred_at="2017-03-10T08:00:00Z", latitude=35.2, longitude=36.2, place="Pocket")
    assert registry("report", "add", write(tmp_path / "r.json", [strike, late])).exit_code == 0
    before = {r["ref"]: r["attribution"] for r in json.loads(registry("report", "list", "--json").stdout)}
    assert before["in-pocket"]["status"] == "excluded"
    assert before["in-pocket"]["possible_violation"] is False
    assert before["in-pocket"]["zones"][0]["zone"] == "Pocket"
    assert before["in-pocket"]["zones"][0]["actors"][0]["actor"] == "isil"

    march = write(tmp_path / "mar.geojson", square_map("Free Syrian Army"))
    taken = registry("zone", "import", march, "--valid-from", "2017-03-01", *key)
    # the report's attribution and its incident's
    assert "2 attribution(s) changed: 2 started and 0 stopped being possible violations" in taken.output, taken.output
    after = {r["ref"]: r["attribution"] for r in json.loads(registry("report", "list", "--json").stdout)}
    assert after["in-pocket"] == before["in-pocket"]  # the change came after its day
    assert after["later"]["status"] == "ceasefire"
    changes = json.loads(registry("attribution", "changes", "--json").stdout)
    assert [(c["report_ref"], c["before"], c["after"], c["effect"]) for c in changes] == [
        ("later", "excluded", "ceasefire", "started"),
        (None, "excluded", "ceasefire", "started"),  # its incident
    ]
    listed = {r["ref"]: r for r in json.loads(registry("report", "list", "--json").stdout)}
    assert changes[1]["incident_id"] == listed["later"]["incident_id"]
    assert "map changed from 2017-03-01" in changes[0]["reason"]
    assert "Pocket by fsa [ceasefire]" in changes[0]["reason"]
    assert (
        json.loads(registry("attribution", "changes", "--json", "--after", str(changes[0]["id"])).stdout) == changes[1:]
    )
    listed = registry("attribution", "changes")
    assert "started" in listed.stdout


def test_zone_at_refuses_a_point_outside_syria_naming_the_swap(registry: Run) -> None:
    done = registry("zone", "at", "36.2", "33.5", "--on", "2017-01-15", "--json")
    assert done.exit_code == 1
    assert "latitude and longitude look swapped" in done.output
