"""The web UI's pages, served by the app: sign-in, roles and tiers, safety headers, languages, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from tests.conftest import NOW
from tests.functional.conftest import API_PATHS, MARKER, Api, app_routes
from trucewatch.app import create_app
from trucewatch.errors import ConfigError, Unauthenticated
from trucewatch.registry.passwords import set_password
from trucewatch.registry.tokens import authenticate
from trucewatch.reports.models import Report
from trucewatch.store.engine import open_database

HTTPS = "https://testserver"
PAGES = (
    "/",
    "/actors",
    "/zones",
    "/meetings",
    "/ledger",
    "/incidents",
    "/map",
    "/map/incidents.json?since=2017-01-01&until=2017-12-31",
    "/map/zones.json?on=2017-02-03",
    "/charts/violations.svg",
    "/charts/hot-spots.svg",
)


def browser(api: Api, code: str | None = None) -> TestClient:
    """A client that keeps cookies as a browser does (over HTTPS, so that Secure cookies come back),
    signed in as the tester of ``code`` with its token, or not signed in."""
    client = TestClient(api.client.app, base_url=HTTPS, follow_redirects=False)
    if code is not None:
        signed = client.post("/sign-in", data={"csrf": csrf(client), "token": api.tokens[code], "then": "/"})
        assert signed.status_code == 303, signed.text
    return client


def csrf(client: TestClient, path: str = "/sign-in") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def guarantor(api: Api) -> Iterator[TestClient]:
    with browser(api, "RU") as client:
        yield client


def test_the_public_is_sent_to_sign_in_and_back_after(api: Api) -> None:
    client = browser(api)
    for path in ("/", "/incidents?type=shelling", "/map"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in?then=")
    page = client.get("/sign-in?then=%2Fincidents%3Ftype%3Dshelling")
    assert 'name="then" value="/incidents?type=shelling"' in page.text
    signed = client.post(
        "/sign-in", data={"csrf": csrf(client), "token": api.tokens["UN"], "then": "/incidents?type=shelling"}
    )
    assert signed.headers["location"] == "/incidents?type=shelling"
    assert client.get("/incidents?type=shelling").status_code == 200


def test_sign_in_never_sends_the_reader_to_another_site(api: Api) -> None:
    client = browser(api)
    for then in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        signed = client.post("/sign-in", data={"csrf": csrf(client), "token": api.tokens["UN"], "then": then})
        assert signed.headers["location"] == "/"


def test_the_session_cookie_is_secure_httponly_and_samesite(api: Api) -> None:
    client = browser(api)
    signed = client.post("/sign-in", data={"csrf": csrf(client), "token": api.tokens["TR"]})
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("tw_session="))
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= {p.strip().lower() for p in cookie.split(";")}
    assert api.tokens["TR"] not in cookie  # the session is a token of its own, not the member's API token
    first = client.get("/sign-in").headers.get_list("set-cookie")
    assert all({"secure", "httponly", "samesite=strict"} <= {p.strip().lower() for p in c.split(";")} for c in first)


def test_a_password_signs_in_and_a_wrong_one_is_refused_in_place(api: Api) -> None:
    db = open_database(api.settings.db)
    with db.begin() as session:
        set_password(session, "UN", "observer1", "a long enough passphrase", now=NOW)
    db.dispose()
    client = browser(api)
    form = {"csrf": csrf(client), "delegation": "UN", "member": "observer1", "then": "/"}
    refused = client.post("/sign-in", data={**form, "password": "not the passphrase"})
    assert refused.status_code == 401
    assert "wrong delegation, member or password" in refused.text
    assert 'value="observer1"' in refused.text  # the login stays in its field
    assert "tw_session" not in refused.headers.get("set-cookie", "")
    signed = client.post("/sign-in", data={**form, "password": "a long enough passphrase"})
    assert signed.status_code == 303
    assert "observer1 · UN" in client.get("/").text


def test_a_form_without_the_csrf_token_or_from_another_site_changes_nothing(api: Api) -> None:
    client = browser(api)
    client.get("/sign-in")
    assert client.post("/sign-in", data={"token": api.tokens["RU"]}).status_code == 403
    assert client.post("/sign-in", data={"csrf": "forged", "token": api.tokens["RU"]}).status_code == 403
    other = client.post(
        "/sign-in", data={"csrf": csrf(client), "token": api.tokens["RU"]}, headers={"Origin": "https://evil.example"}
    )
    assert other.status_code == 403
    assert "tw_session" not in str(client.cookies)


def test_signing_out_ends_the_session_at_once(api: Api, guarantor: TestClient) -> None:
    session_token = guarantor.cookies["tw_session"]
    assert guarantor.get("/").status_code == 200
    out = guarantor.post("/sign-out", data={"csrf": csrf(guarantor, "/")})
    assert out.status_code == 303
    db = open_database(api.settings.db)
    with db.begin() as session, pytest.raises(Unauthenticated, match="revoked"):
        authenticate(session, session_token, now=datetime.now(UTC))
    db.dispose()
    again = browser(api)
    again.cookies.set("tw_session", session_token, domain="testserver")
    assert again.get("/").status_code == 303


@pytest.mark.parametrize("code", ["RU", "TR", "SY-GOV", "SY-OPP", "UN", "KZ"])
def test_every_role_sees_its_pages(api: Api, code: str) -> None:
    with browser(api, code) as client:
        for path in PAGES:
            assert client.get(path).status_code == 200, path


READERS_OF_RESTRICTED = {"RU": True, "TR": True, "SY-GOV": False, "SY-OPP": True, "UN": False, "KZ": False}
"""Who may read a restricted narrative of the fixture: RU's is RU's and the guarantors'; SY-OPP's is
SY-OPP's and the guarantors'. SY-OPP reads its own restricted report (and so its marker)."""


@pytest.mark.parametrize("code", list(READERS_OF_RESTRICTED))
def test_restricted_content_never_reaches_a_page_of_a_role_that_may_not_read_it(api: Api, code: str) -> None:
    with browser(api, code) as client:
        incidents = {
            int(i) for i in re.findall(r'href="/incidents/(\d+)"', client.get("/incidents?since=2017-01-01").text)
        }
        bodies = [client.get(p).text for p in PAGES] + [client.get(f"/incidents/{i}").text for i in incidents]
    seen = any(MARKER in body for body in bodies)
    assert seen == READERS_OF_RESTRICTED[code]


def test_every_page_carries_a_strict_content_security_policy_and_no_inline_script(guarantor: TestClient) -> None:
    for path in ("/", "/incidents", "/map", "/sign-in"):
        answer = guarantor.get(path)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script([^>]*)>", answer.text)
        assert all('src="/static/' in s for s in scripts), scripts
        assert not re.search(r"\son[a-z]+=", answer.text), "an inline event handler"
        assert " style=" not in answer.text


def test_charts_are_svg_images_of_the_server(guarantor: TestClient) -> None:
    chart = guarantor.get("/charts/violations.svg?since=2017-02-01&until=2017-02-28")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.lstrip().startswith("<?xml") or chart.text.lstrip().startswith("<svg")
    assert "<script" not in chart.text
    assert "script-src" not in chart.headers["content-security-policy"]  # default-src 'none' covers scripts


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [
        ("ar,en;q=0.5", "ar", "rtl"),
        ("fa-IR", "fa", "rtl"),
        ("ru-RU,ru;q=0.9", "ru", "ltr"),
        ("de,tr;q=0.3", "tr", "ltr"),
        ("de", "en", "ltr"),
    ],
)
def test_the_page_speaks_the_browsers_language_and_writes_in_its_direction(
    guarantor: TestClient, header: str, lang: str, direction: str
) -> None:
    page = guarantor.get("/", headers={"Accept-Language": header}).text
    assert f'<html lang="{lang}" dir="{direction}">' in page


def test_the_language_switch_sticks(guarantor: TestClient) -> None:
    switched = guarantor.get("/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in switched.text
    assert any(c.startswith("tw_lang=ar") for c in switched.headers.get_list("set-cookie"))
    assert '<html lang="ar" dir="rtl">' in guarantor.get("/incidents", headers={"Accept-Language": "en"}).text


def test_errors_are_pages_outside_the_api_and_problems_inside(guarantor: TestClient) -> None:
    missing = guarantor.get("/incidents/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "no incident 999999" in missing.text
    wrong = guarantor.get("/incidents?since=2017-05-01&until=2017-01-01")
    assert wrong.status_code == 422
    assert "is after the end of the period" in wrong.text
    assert guarantor.get("/nowhere").status_code == 404
    api = guarantor.get("/api/v1/incidents/999999")
    assert api.headers["content-type"] == "application/problem+json"


# --- The pages' matrix: every web route, every role ----------------------------------------------

MEMBER_CODES = ("RU", "TR", "SY-GOV", "SY-OPP", "UN", "KZ")
EVERYONE = frozenset({None, *MEMBER_CODES})
MEMBERS = frozenset(MEMBER_CODES)
WEB_ACCESS: dict[str, tuple[frozenset[str | None], str]] = {
    "GET /sign-in": (EVERYONE, "/sign-in"),
    "POST /sign-in": (EVERYONE, ""),
    "POST /sign-out": (EVERYONE, ""),
    "GET /": (MEMBERS, "/"),
    "GET /charts/violations.svg": (MEMBERS, "/charts/violations.svg"),
    "GET /charts/hot-spots.svg": (MEMBERS, "/charts/hot-spots.svg"),
    "GET /incidents": (MEMBERS, "/incidents"),
    "GET /incidents/{incident_id}": (MEMBERS, "/incidents/{shared}"),
    "GET /map": (MEMBERS, "/map"),
    "GET /reports/new": (frozenset({"RU", "TR", "SY-GOV", "SY-OPP"}), "/reports/new"),
    "POST /reports/new/check": (frozenset({"RU", "TR", "SY-GOV", "SY-OPP"}), ""),
    "POST /reports/new/file": (frozenset({"RU", "TR", "SY-GOV", "SY-OPP"}), ""),
    "GET /map/zones.json": (MEMBERS, "/map/zones.json?on=2017-02-03"),
    "GET /map/incidents.json": (MEMBERS, "/map/incidents.json?since=2017-01-01&until=2017-03-31"),
    "GET /map/governorates.json": (MEMBERS, "/map/governorates.json"),
    "GET /actors": (MEMBERS, "/actors"),
    "GET /zones": (MEMBERS, "/zones?on=2017-02-03"),
    "GET /meetings": (MEMBERS, "/meetings"),
    "GET /ledger": (EVERYONE, "/ledger?index=1"),
    "GET /static/{path}": (EVERYONE, "/static/app.css"),
    "GET /static/leaflet/{path}": (EVERYONE, "/static/leaflet/leaflet.js"),
    "GET /static/markercluster/{path}": (EVERYONE, "/static/markercluster/leaflet.markercluster.js"),
}
"""Every route of the web UI: who may open it (the public is sent to sign in), and the request a cell sends.
The forms (POST) have tests of their own (here and in test_web_filing)."""


def test_every_route_is_in_the_pages_matrix_or_the_apis(api: Api) -> None:
    routes = app_routes(api.client.app)
    assert {r for r in routes if not r.split()[1].startswith(API_PATHS)} == WEB_ACCESS.keys()


@pytest.mark.parametrize("code", sorted(EVERYONE, key=str))
def test_each_page_opens_for_the_roles_that_may_read_it_refuses_other_members_and_sends_the_public_to_sign_in(
    api: Api, code: str | None
) -> None:
    shared = incident_of(api, "RU-shared")
    with browser(api, code) as client:
        for route, (roles, path) in WEB_ACCESS.items():
            if route.startswith("POST"):
                continue
            answer = client.get(path.format(shared=shared))
            if code in roles:
                assert answer.status_code == 200, (route, answer.text[:200])
            elif code is None:
                assert answer.status_code == 303, route
                assert answer.headers["location"].startswith("/sign-in?then=")
            else:
                assert answer.status_code == 403, route


def incident_of(api: Api, name: str) -> int:
    db = open_database(api.settings.db)
    try:
        with db.begin() as session:
            found = session.get(Report, api.reports[name])
            assert found is not None
            assert found.incident_id is not None
            return found.incident_id
    finally:
        db.dispose()


def test_the_ledger_page_verifies_an_entrys_inclusion_by_its_hash_for_anyone(api: Api) -> None:
    public = browser(api)
    by_index = public.get("/ledger?index=2")
    assert "Verified: entry 2 is in the checkpoint of" in by_index.text
    leaf = re.search(r"Leaf hash</dt><dd><code>([0-9a-f]{64})</code>", by_index.text)
    assert leaf is not None
    by_hash = public.get(f"/ledger?entry={leaf.group(1).upper()}")
    assert "Verified: entry 2 is in the checkpoint of" in by_hash.text
    wrong = public.get("/ledger?entry=not-a-hash")
    assert wrong.status_code == 422
    assert "an entry hash is 64 hexadecimal characters" in wrong.text
    unknown = public.get("/ledger?entry=" + "0" * 64)
    assert unknown.status_code == 404


def test_actors_show_their_designation_history_in_the_readers_language(guarantor: TestClient) -> None:
    english = guarantor.get("/actors").text
    assert "Islamic State of Iraq and the Levant" in english
    assert "UN Security Council" in english
    russian = guarantor.get("/actors?lang=ru").text
    assert '<html lang="ru"' in russian
    assert "Исламское государство" in russian
    assert "دولت اسلامی عراق و شام" in guarantor.get("/actors?lang=fa").text


def test_a_configured_tile_server_is_the_one_outside_origin_the_map_may_load_images_from(api: Api) -> None:
    settings = api.settings.model_copy(
        update={"tile_url": "https://tiles.example.org/{z}/{x}/{y}.png", "tile_attribution": "© Example"}
    )
    with TestClient(create_app(settings), base_url=HTTPS, follow_redirects=False) as client:
        signed = client.post("/sign-in", data={"csrf": csrf(client), "token": api.tokens["UN"]})
        assert signed.status_code == 303
        page = client.get("/map")
    assert "img-src 'self' data: https://tiles.example.org;" in page.headers["content-security-policy"]
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in page.text
    assert 'data-tiles-credit="© Example"' in page.text
    with pytest.raises(ConfigError, match="not an http"):
        create_app(settings.model_copy(update={"tile_url": "tiles.example.org"}))


def test_an_incident_page_proves_each_of_its_reports_in_the_log(api: Api, guarantor: TestClient) -> None:
    page = guarantor.get(f"/incidents/{incident_of(api, 'RU-shared')}").text
    assert re.search(
        r'<a href="/ledger\?index=\d+">#\d+</a><br><span class="verified">✓ proven in the checkpoint of', page
    )


def test_the_menu_offers_the_report_form_only_to_roles_that_file(api: Api) -> None:
    for code, files in (("RU", True), ("SY-OPP", True), ("UN", False), ("KZ", False)):
        with browser(api, code) as client:
            assert ('href="/reports/new"' in client.get("/").text) == files, code
