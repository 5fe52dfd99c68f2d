"""Filing and reading reports over HTTP, signed on the client's side."""

import base64
from datetime import UTC, datetime

import orjson

from tests.factories import SIGNERS, report
from tests.functional.conftest import Api
from trucewatch.api.client import signed_reports
from trucewatch.ledger.canonical import canonical_json
from trucewatch.ledger.entries import encode_statement, sign_statements
from trucewatch.ledger.signing import DelegationKey, generate


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_member_files_one_signed_report_and_reads_it_back(api: Api) -> None:
    body = signed_reports(SIGNERS["SY-GOV"], [report("g-1", delegation="SY-GOV")], at=_now())
    filed = api.client.post("/api/v1/reports", json=body, headers=api.as_("SY-GOV"))
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    assert receipt["stored"] == 1
    (index,) = receipt["entries"]
    entry = api.client.get(f"/api/v1/ledger/entries/{index}", headers=api.as_("UN")).json()
    assert entry["author"] == "SY-GOV"
    found = api.client.get("/api/v1/reports", params={"delegation": "SY-GOV"}, headers=api.as_("SY-GOV")).json()
    assert [r["ref"] for r in found["items"]] == ["g-1"]
    proof = api.client.get("/api/v1/ledger/proofs/inclusion", params={"hash": entry["hash"]}).json()
    assert proof["index"] == index


def test_sending_the_same_signed_report_again_stores_it_once(api: Api) -> None:
    body = signed_reports(SIGNERS["SY-GOV"], [report("g-1", delegation="SY-GOV")], at=_now())
    first = api.client.post("/api/v1/reports", json=body, headers=api.as_("SY-GOV")).json()
    again = api.client.post("/api/v1/reports", json=body, headers=api.as_("SY-GOV"))
    assert again.status_code == 201
    assert (first["stored"], again.json()["stored"], again.json()["unchanged"]) == (1, 0, 1)


def test_a_batch_is_signed_once_and_stored_whole(api: Api) -> None:
    reports = [report(f"b-{i}", delegation="RU") for i in range(50)]
    reports[7] = report("b-7", delegation="RU", tier="restricted")
    body = signed_reports(SIGNERS["RU"], reports, at=_now())
    filed = api.client.post("/api/v1/reports/batch", json=body, headers=api.as_("RU"))
    assert filed.status_code == 201, filed.text
    assert filed.json()["stored"] == 50
    seen = api.client.get("/api/v1/reports", params={"q": "b"}, headers=api.as_("RU"))
    assert seen.status_code == 200


def _raw_batch(signer: DelegationKey, payloads: list[dict[str, object]]) -> dict[str, object]:
    """A batch signed without the client's own checks, as a careless client would send it."""
    at = _now()
    statements = [
        encode_statement("report", signer.delegation, signer.key_id, at, payload=canonical_json(p)) for p in payloads
    ]
    (sub,) = sign_statements(signer, "report", statements, at)
    assert sub.seal is not None
    return {
        "statements": [orjson.loads(x) for x in statements],
        "seal": orjson.loads(sub.seal),
        "sig": base64.b64encode(sub.signature).decode(),
    }


def test_a_bad_report_in_a_signed_batch_stores_nothing_and_names_the_field(api: Api) -> None:
    payloads = [report(f"b-{i}", delegation="RU") for i in range(3)]
    payloads[1]["latitude"] = 95.0
    refused = api.client.post("/api/v1/reports/batch", json=_raw_batch(SIGNERS["RU"], payloads), headers=api.as_("RU"))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [(e["record"], e["field"]) for e in refused.json()["errors"]] == [("statements[1].payload", "latitude")]
    listed = api.client.get("/api/v1/reports", params={"delegation": "RU"}, headers=api.as_("RU")).json()
    assert not any(r["ref"].startswith("b-") for r in listed["items"])


def test_a_statement_changed_after_signing_breaks_the_seal(api: Api) -> None:
    body = signed_reports(SIGNERS["RU"], [report(f"b-{i}", delegation="RU") for i in range(3)], at=_now())
    body["statements"][1]["payload"]["place"] = "Elsewhere"
    refused = api.client.post("/api/v1/reports/batch", json=body, headers=api.as_("RU"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["record"] == "seal"


def test_a_stolen_token_cannot_forge_a_signed_report(api: Api) -> None:
    forger = DelegationKey("SY-GOV", generate())
    body = signed_reports(forger, [report("forged", delegation="SY-GOV")], at=_now())
    refused = api.client.post("/api/v1/reports", json=body, headers=api.as_("SY-GOV"))
    assert refused.status_code == 422
    assert "key" in refused.text


def test_a_member_cannot_file_in_another_delegations_name(api: Api) -> None:
    body = signed_reports(SIGNERS["SY-OPP"], [report("theirs", delegation="SY-OPP")], at=_now())
    refused = api.client.post("/api/v1/reports", json=body, headers=api.as_("SY-GOV"))
    assert refused.status_code == 403


def test_a_statement_signed_with_a_wrong_clock_is_refused(api: Api) -> None:
    body = signed_reports(SIGNERS["RU"], [report("late", delegation="RU")], at=datetime(2026, 1, 1, tzinfo=UTC))
    refused = api.client.post("/api/v1/reports", json=body, headers=api.as_("RU"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "time"


def test_a_body_over_the_limit_is_refused_with_a_problem(api: Api) -> None:
    refused = api.client.post("/api/v1/reports", content=b" " * 1_100_000, headers=api.as_("RU"))
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"


def test_pages_follow_the_cursor_without_gaps_or_repeats(api: Api) -> None:
    reports = [
        report(f"p-{i:02d}", delegation="RU", occurred_at=f"2017-02-{i % 9 + 1:02d}T10:00:00Z") for i in range(25)
    ]
    api.client.post(
        "/api/v1/reports/batch", json=signed_reports(SIGNERS["RU"], reports, at=_now()), headers=api.as_("RU")
    )
    seen: list[str] = []
    params: dict[str, object] = {"limit": 7, "delegation": "RU"}
    while True:
        page = api.client.get("/api/v1/reports", params=params, headers=api.as_("RU")).json()
        seen += [r["ref"] for r in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(r for r in seen if r.startswith("p-")) == sorted(r["ref"] for r in reports)
    assert len(seen) == len(set(seen))


def test_full_text_search_finds_words_in_any_script(api: Api) -> None:
    reports = [
        report("ar-1", delegation="RU", narrative="قصف مدفعي على دوما"),
        report("ru-1", delegation="RU", narrative="Обстрел жилого квартала в Думе"),
    ]
    api.client.post(
        "/api/v1/reports/batch", json=signed_reports(SIGNERS["RU"], reports, at=_now()), headers=api.as_("RU")
    )
    for word, ref in (("دوما", "ar-1"), ("обстрел", "ru-1")):
        found = api.client.get("/api/v1/reports", params={"q": word}, headers=api.as_("RU")).json()
        assert [r["ref"] for r in found["items"]] == [ref]
