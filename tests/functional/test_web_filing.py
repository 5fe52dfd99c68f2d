"""Filing a report from the browser: checked by the server field by field, signed on the delegate's side."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from starlette.testclient import TestClient

from tests.factories import KEYS
from tests.functional.conftest import Api
from tests.functional.test_web_pages import browser, csrf
from trucewatch.ledger.entries import signed_message

FORM = {
    "ref": "RU-WEB-1",
    "occurred_at": "2017-02-10T09:30",
    "time_precision": "hour",
    "place": "Douma",
    "latitude": "33.57",
    "longitude": "36.40",
    "geo_precision": "exact",
    "violation_type": "shelling",
    "perpetrator": "",
    "casualties.killed_civilian": "3",
    "casualties.injured_civilian": "",
    "weapons": "mortars, artillery",
    "narrative": "Shells hit the market. <script>alert('x')</script>",
    "language": "en",
    "sources": "field team\nhospital record",
    "tier": "shared",
}


def public_key(code: str) -> str:
    return base64.b64encode(KEYS.delegations[code].public_key).decode()


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    headers = {"X-CSRF-Token": csrf(client, "/"), "Accept": "application/json"}
    return client.post(path, json=body, headers=headers)


def sign(code: str, statement: str) -> str:
    return base64.b64encode(KEYS.delegations[code].sign(signed_message(statement.encode()))).decode()


def test_the_check_names_every_bad_field_and_files_nothing(api: Api) -> None:
    with browser(api, "RU") as client:
        bad = {**FORM, "latitude": "363.57", "casualties.killed_civilian": "three", "violation_type": "picnic"}
        checked = post(client, "/reports/new/check", {"fields": bad, "public_key": public_key("RU")})
        assert checked.status_code == 422
        assert checked.headers["content-type"] == "application/problem+json"
        fields = {e["field"]: e["problem"] for e in checked.json()["errors"]}
        assert set(fields) == {"latitude", "casualties.killed_civilian", "violation_type"}
        assert "363.57" in fields["latitude"]
        assert "three" in fields["casualties.killed_civilian"]
        assert "RU-WEB-1" not in client.get("/incidents?since=2017-01-01").text


def test_a_key_of_another_delegation_or_none_is_refused_at_the_key_field(api: Api) -> None:
    with browser(api, "RU") as client:
        other = post(client, "/reports/new/check", {"fields": FORM, "public_key": public_key("TR")})
        assert other.status_code == 422
        (problem,) = other.json()["errors"]
        assert problem["field"] == "key"
        assert "belongs to TR, not to RU" in problem["problem"]
        none = post(client, "/reports/new/check", {"fields": FORM, "public_key": ""})
        assert [e["field"] for e in none.json()["errors"]] == ["key"]


def test_a_checked_report_signed_in_the_browser_is_filed_and_shown_as_text(api: Api) -> None:
    with browser(api, "RU") as client:
        before = dashboard_count(client)
        checked = post(client, "/reports/new/check", {"fields": FORM, "public_key": public_key("RU")})
        assert checked.status_code == 200, checked.text
        statement = checked.json()["statement"]
        assert '"author":"RU"' in statement
        assert checked.json()["restricted"] is None
        filed = post(client, "/reports/new/file", {"statement": json.loads(statement), "sig": sign("RU", statement)})
        assert filed.status_code == 201, filed.text
        report = filed.json()["report"]
        assert report["ref"] == "RU-WEB-1"
        page = client.get(f"/incidents/{report['incident']}").text
        assert "Shells hit the market. &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert "<script>alert" not in page
        again = post(client, "/reports/new/file", {"statement": json.loads(statement), "sig": sign("RU", statement)})
        assert again.json()["unchanged"] == 1
        assert dashboard_count(client) == before + 1  # the dashboard's kept figures follow the log


def dashboard_count(client: TestClient) -> int:
    found = re.search(r'<p class="lead">(\d+) incident', client.get("/?since=2017-01-01&until=2017-03-31").text)
    assert found is not None
    return int(found.group(1))


def test_a_restricted_report_is_signed_as_a_commitment_with_its_payload_beside_it(api: Api) -> None:
    with browser(api, "SY-OPP") as client:
        fields = {**FORM, "ref": "SY-OPP-WEB-1", "tier": "restricted"}
        checked = post(client, "/reports/new/check", {"fields": fields, "public_key": public_key("SY-OPP")}).json()
        assert '"commitment":' in checked["statement"]
        assert "Douma" not in checked["statement"]
        body = {"statement": json.loads(checked["statement"]), "sig": sign("SY-OPP", checked["statement"])}
        filed = post(client, "/reports/new/file", {**body, "restricted": checked["restricted"]})
        assert filed.status_code == 201, filed.text
    with browser(api, "UN") as observer:
        assert "SY-OPP-WEB-1" not in observer.get(f"/incidents/{filed.json()['report']['incident']}").text


def test_a_forged_signature_is_refused_and_stores_nothing(api: Api) -> None:
    with browser(api, "RU") as client:
        checked = post(client, "/reports/new/check", {"fields": FORM, "public_key": public_key("RU")}).json()
        forged = post(
            client,
            "/reports/new/file",
            {"statement": json.loads(checked["statement"]), "sig": sign("TR", checked["statement"])},
        )
        assert forged.status_code in (401, 403, 422), forged.text
        assert "RU-WEB-1" not in client.get("/incidents?since=2017-01-01").text


def test_only_roles_that_file_reports_get_the_form(api: Api) -> None:
    with browser(api, "RU") as guarantor:
        form = guarantor.get("/reports/new").text
        assert re.search(r'<input id="f-key" name="key" type="file"', form)
        assert "<script" not in form.replace('<script src="/static/report.js"></script>', "")
    for code in ("UN", "KZ"):
        with browser(api, code) as client:
            assert client.get("/reports/new").status_code == 403
            answer = post(client, "/reports/new/check", {"fields": FORM, "public_key": public_key("RU")})
            assert answer.status_code == 403


def test_filing_needs_the_csrf_token(api: Api) -> None:
    with browser(api, "RU") as client:
        client.get("/reports/new")
        refused = client.post("/reports/new/check", json={"fields": FORM, "public_key": public_key("RU")})
        assert refused.status_code == 403
