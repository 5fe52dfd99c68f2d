"""Signed writes other than reports, and observers' cosignatures: bad input is refused by name, nothing stored."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.factories import SIGNERS, report
from tests.functional.conftest import Api
from trucewatch.api.client import cosignature, signed_statements
from trucewatch.cli.main import app
from trucewatch.ledger.signing import key_file

SQUARE = {"type": "Polygon", "coordinates": [[[36.6, 35.9], [36.7, 35.9], [36.7, 36.0], [36.6, 36.0], [36.6, 35.9]]]}
JSON = {"Content-Type": "application/json"}
BOWTIE = {"type": "Polygon", "coordinates": [[[36.6, 35.9], [36.7, 36.0], [36.7, 35.9], [36.6, 36.0], [36.6, 35.9]]]}


def _zone(**overrides: Any) -> dict[str, Any]:
    base = {"name": "Khan Shaykhun pocket", "geometry": SQUARE, "controllers": ["hts"], "valid_from": "2017-02-01"}
    return base | overrides


def _size(api: Api) -> int:
    size: int = api.client.get("/api/v1/ledger").json()["size"]
    return size


def _post(api: Api, code: str, path: str, kind: str, payloads: list[dict[str, Any]]) -> Any:
    body = signed_statements(SIGNERS[code], kind, payloads, at=datetime.now(UTC))
    return api.client.post(path, json=body, headers=api.as_(code))


def test_a_guarantor_files_zones_as_geojson_and_reads_them_back(api: Api) -> None:
    answer = _post(api, "RU", "/api/v1/zones", "zone", [_zone(), _zone(name="Saraqib", valid_from="2017-03-01")])
    assert answer.status_code == 201, answer.text
    assert answer.json()["stored"] == 2
    features = api.client.get("/api/v1/zones", headers=api.as_("TR")).json()["features"]
    assert [(f["properties"]["name"], f["geometry"]) for f in features] == [
        ("Khan Shaykhun pocket", SQUARE),
        ("Saraqib", SQUARE),
    ]


def test_bad_zones_are_refused_by_record_and_field_and_nothing_is_stored(api: Api) -> None:
    before = _size(api)
    answer = _post(api, "RU", "/api/v1/zones", "zone", [_zone(), _zone(geometry=BOWTIE), _zone(controllers=["nobody"])])
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["errors"]
    assert (problem["record"], problem["field"]) == ("statements[1].payload", "geometry")
    assert "Self-intersection" in problem["problem"]
    unknown = _post(api, "RU", "/api/v1/zones", "zone", [_zone(controllers=["nobody"])])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "controllers.0"
    assert _size(api) == before


def test_a_statement_of_another_kind_than_the_endpoint_is_refused(api: Api) -> None:
    answer = _post(api, "KZ", "/api/v1/meetings", "commitment", [{"key": "x"}])
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "kind"


def test_a_statement_signed_in_another_delegations_name_is_refused(api: Api) -> None:
    body = signed_statements(SIGNERS["TR"], "zone", [_zone()], at=datetime.now(UTC))
    answer = api.client.post("/api/v1/zones", json=body, headers=api.as_("RU"))
    assert answer.status_code == 403, answer.text


def test_a_statement_dated_far_from_the_servers_clock_is_refused(api: Api) -> None:
    body = signed_statements(SIGNERS["RU"], "zone", [_zone()], at=datetime.now(UTC) - timedelta(hours=1))
    answer = api.client.post("/api/v1/zones", json=body, headers=api.as_("RU"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "time"


def test_only_reports_may_be_restricted(api: Api) -> None:
    body = signed_statements(SIGNERS["RU"], "zone", [_zone()], at=datetime.now(UTC))
    body["restricted"] = {"salt": base64.b64encode(bytes(32)).decode(), "payload": _zone()}
    answer = api.client.post("/api/v1/zones", json=body, headers=api.as_("RU"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["record"] == "restricted"


def test_an_observer_cosigns_with_its_own_key_only(api: Api) -> None:
    published = api.client.get("/api/v1/ledger/checkpoints").json()[0]
    url = f"/api/v1/ledger/checkpoints/{published['size']}/cosignatures"
    stolen = cosignature(SIGNERS["US"], published["note"], at=datetime.now(UTC))
    refused = api.client.post(url, json={"signature": stolen}, headers=api.as_("UN"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "signature"
    forged = base64.b64decode(cosignature(SIGNERS["UN"], published["note"], at=datetime.now(UTC)))
    tampered = base64.b64encode(forged[:-1] + bytes([forged[-1] ^ 1])).decode()
    assert api.client.post(url, json={"signature": tampered}, headers=api.as_("UN")).status_code == 422
    assert api.client.get("/api/v1/ledger/checkpoints").json()[0]["witnesses"] == []
    good = cosignature(SIGNERS["UN"], published["note"], at=datetime.now(UTC))
    assert api.client.post(url, json={"signature": good}, headers=api.as_("UN")).status_code == 201
    missing = api.client.post(
        f"/api/v1/ledger/checkpoints/{published['size'] + 99}/cosignatures",
        json={"signature": good},
        headers=api.as_("UN"),
    )
    assert missing.status_code == 404


def test_trucewatch_sign_prints_a_body_the_api_takes(api: Api, tmp_path: Path) -> None:
    key = tmp_path / "RU.key"
    key.write_bytes(key_file(SIGNERS["RU"].pair, "RU"))
    zones = tmp_path / "zones.json"
    zones.write_text(json.dumps([_zone(), _zone(name="Saraqib")]), encoding="utf-8")
    signed = CliRunner().invoke(app, ["sign", "zone", str(zones), "--key", str(key)])
    assert signed.exit_code == 0, signed.output
    answer = api.client.post("/api/v1/zones", content=signed.stdout, headers=JSON | api.as_("RU"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["stored"] == 2
    one = tmp_path / "report.json"
    one.write_text(json.dumps(report("signed-by-cli", tier="restricted")), encoding="utf-8")
    signed = CliRunner().invoke(app, ["sign", "report", str(one), "--key", str(key)])
    assert signed.exit_code == 0, signed.output
    assert "restricted" in json.loads(signed.stdout)
    answer = api.client.post("/api/v1/reports", content=signed.stdout, headers=JSON | api.as_("RU"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["stored"] == 1


def test_trucewatch_sign_refuses_what_it_cannot_sign(tmp_path: Path) -> None:
    key = tmp_path / "RU.key"
    key.write_bytes(key_file(SIGNERS["RU"].pair, "RU"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    refused = CliRunner().invoke(app, ["sign", "zone", str(broken), "--key", str(key)])
    assert refused.exit_code == 1
    assert "broken.json is not JSON" in refused.output
    refused = CliRunner().invoke(app, ["sign", "genesis", str(broken), "--key", str(key)])
    assert "cannot sign a 'genesis'" in refused.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([report("r", casualties={"killed_civilian": -1})]), encoding="utf-8")
    refused = CliRunner().invoke(app, ["sign", "report", str(bad), "--key", str(key)])
    assert refused.exit_code == 1
    assert "report 1" in refused.output
    assert "casualties.killed_civilian" in refused.output
