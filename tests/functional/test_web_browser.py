"""The web UI in a real Chromium (Debian's ``chromium``, driven by Playwright), on the demo mechanism.

Every page is opened in a browser context that lets through only requests to the server under test
and records any other; a test fails when one was made, because the mechanism's pages must work with
no internet and must not tell a third party who reads what. Screenshots go to ``test-artifacts/``
(CI keeps them). axe-core (from the npm registry: ``npm ci`` puts it in ``node_modules/``) checks the
main pages for accessibility. In CI (``CI=true``) a missing Chromium or axe-core fails the run.

The demo database is built once for the module (about 15 s) and served by a real uvicorn server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import need
from tests.functional.conftest import Api, serve
from trucewatch.cli.serve import write_demo_keys
from trucewatch.demo.build import DemoAccount, build_demo
from trucewatch.incidents.models import Incident
from trucewatch.reports.models import Report
from trucewatch.reports.service import current_reports
from trucewatch.store.engine import analyze, open_database
from trucewatch.store.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOAD_GOAL_MS = 1000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser downloaded)."""
    if not CHROMIUM.exists():
        need(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


class Visit:
    """A browser context on one server: every request to another origin is stopped and remembered."""

    def __init__(self, chromium: Any, base: str, locale: str = "en-GB") -> None:
        self.base = base
        self.outside: list[str] = []
        self.context = chromium.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._only_the_server)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _only_the_server(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url == self.base:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str, name: str | None = None) -> Any:
        answer = self.page.goto(self.base + path, wait_until="networkidle")
        if name:
            self.shoot(name)
        return answer

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def sign_in(self, account: DemoAccount) -> None:
        self.open("/sign-in")
        self.page.select_option("#delegation", account.delegation)
        self.page.fill("#member", account.login)
        self.page.fill("#password", account.password)
        with self.page.expect_navigation(wait_until="networkidle"):
            self.page.click("form:has(#password) button[type=submit]")

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], f"the pages' scripts failed: {self.errors}"
        assert self.outside == [], f"pages asked for something outside the server: {self.outside}"


@dataclass(frozen=True)
class Demo:
    base: str
    accounts: dict[str, DemoAccount]
    keys: Path
    db: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo mechanism (seed 2017), built once, served by uvicorn; its key files on disk."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    db = open_database(url)
    upgrade(db)
    with db.begin() as session:
        summary = build_demo(session, seed=2017, now=datetime.now(UTC))
    analyze(db)
    db.dispose()
    write_demo_keys(folder / "keys", summary.keys.all())
    with served(folder / "demo.db") as base:
        yield Demo(base, {a.delegation: a for a in summary.accounts}, folder / "keys", url)


@contextmanager
def served(path: Path) -> Iterator[str]:
    """``trucewatch serve`` in a process of its own, as a delegation runs it: its speed is the product's,
    not slowed by the test run's coverage tracing (whose variables are left out of its environment)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    command = [sys.executable, "-m", "trucewatch", "serve", "--db", str(path), "--port", str(port)]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):  # noqa: S310 - our own server
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else "the server stopped"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)
        if server.stderr:
            server.stderr.close()


@pytest.fixture
def visit(chromium: Any, demo: Demo) -> Iterator[Visit]:
    visiting = Visit(chromium, demo.base)
    yield visiting
    visiting.close()


@pytest.fixture
def api_visit(chromium: Any, api: Api) -> Iterator[Visit]:
    with serve(api.settings.db) as base:
        visiting = Visit(chromium, base)
        yield visiting
        visiting.close()


# --- Signing in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["RU", "SY-GOV", "UN", "KZ"])
def test_each_role_signs_in_with_its_demo_account_and_sees_the_dashboard(visit: Visit, demo: Demo, code: str) -> None:
    visit.open("/", None)
    assert visit.page.url.startswith(demo.base + "/sign-in")
    visit.sign_in(demo.accounts[code])
    assert visit.page.url == demo.base + "/"
    assert f"demo · {code}" in visit.page.inner_text("header")
    assert visit.page.locator("img[src^='/charts/violations.svg']").evaluate("i => i.complete && i.naturalWidth > 0")
    visit.shoot(f"dashboard-{code}")
    form = visit.open("/reports/new")
    assert form.status == (200 if code in ("RU", "SY-GOV") else 403)


def test_a_wrong_password_is_refused_on_the_form(visit: Visit, demo: Demo) -> None:
    wrong = DemoAccount("guarantor", "RU", "demo", "not the password at all")
    visit.sign_in(wrong)
    assert "wrong delegation, member or password" in visit.page.inner_text("#sign-in-error")
    assert visit.page.input_value("#member") == "demo"


# --- Filing, finding ----------------------------------------------------------------------------


def test_a_report_with_an_error_is_corrected_then_found_in_the_list_and_on_the_map(visit: Visit, demo: Demo) -> None:
    visit.sign_in(demo.accounts["RU"])
    visit.open("/reports/new")
    page = visit.page
    page.fill("#f-ref", "RU-BROWSER-1")
    page.fill("#f-occurred_at", "2017-02-14T07:00")
    page.fill("#f-place", "Douma")
    page.fill("#f-latitude", "336.57")  # latitude and longitude swapped and mistyped
    page.fill("#f-longitude", "36.40")
    page.select_option("#f-violation_type", "shelling")
    page.fill("#f-casualties\\.killed_civilian", "three")
    page.fill("#f-narrative", "Browser test: shells hit the market. <script>window.hacked = 1</script>")
    page.set_input_files("#f-key", str(demo.keys / "RU.key"))
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#err-latitude:not([hidden])")
    assert "less than or equal to 90" in page.inner_text("#err-latitude")
    assert "three" in page.inner_text("#err-casualties\\.killed_civilian")
    assert page.get_attribute("#f-latitude", "aria-invalid") == "true"
    visit.shoot("report-form-error")

    page.fill("#f-latitude", "33.57")
    page.fill("#f-casualties\\.killed_civilian", "3")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#filed-incident", timeout=15_000)
    assert "RU-BROWSER-1" in page.inner_text("#form-status")
    assert page.is_hidden("#err-latitude")
    visit.shoot("report-form-filed")
    incident = page.inner_text("#filed-incident").strip().lstrip("#")

    visit.open("/incidents?since=2017-02-14&until=2017-02-14", "incident-list")
    assert page.locator(f"a[href='/incidents/{incident}']").count() == 1
    visit.open(f"/incidents/{incident}", "incident-filed")
    assert "<script>window.hacked = 1</script>" in page.inner_text("table.side-by-side")
    assert page.evaluate("window.hacked") is None

    with page.expect_navigation():
        page.click("#on-the-map")
    page.wait_for_selector("#map[data-ready=true]")
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert f"#{incident}" in page.inner_text(".leaflet-popup-content")
    visit.shoot("map-filed-incident")


def test_an_incident_shows_each_delegations_report_side_by_side_with_disagreements(visit: Visit, demo: Demo) -> None:
    incident, reports = _an_incident(demo.db)
    visit.sign_in(demo.accounts["TR"])
    visit.open(f"/incidents/{incident}", "incident-side-by-side")
    page = visit.page
    columns = page.locator("table.side-by-side thead th").count() - 1
    assert columns == reports
    assert page.locator("table.disagreements tbody tr").count() >= 1
    assert page.locator("table.side-by-side tr.disputed").count() >= 1
    assert page.locator("table.side-by-side .verified").count() == reports  # each report proven in the log
    attribution = page.inner_text("dl.facts")
    assert "hts" not in attribution.split()  # actors by name, not by registry key


# --- The map through time -----------------------------------------------------------------------


def test_the_date_slider_replays_a_control_change_and_the_zone_changes_colour(visit: Visit, demo: Demo) -> None:
    """Idlib and western Aleppo: held first by Jabhat Fateh al-Sham, which merged into Hay'at Tahrir
    al-Sham on 28 January 2017 (the demo's map of control changes that day)."""
    visit.sign_in(demo.accounts["UN"])
    visit.open("/map?on=2017-01-26")
    page = visit.page
    page.wait_for_selector("#map[data-ready=true]")
    zone = "path.zone-idlib-and-western-aleppo-countryside"
    before = page.get_attribute(zone, "fill")
    held_before = page.inner_text("#zones-table tr[data-zone='Idlib and western Aleppo countryside'] td:nth-child(2)")
    visit.shoot("map-before-change")
    slider = page.locator("#day")
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_selector("#map[data-shown='2017-01-29']")
    after = page.get_attribute(zone, "fill")
    held_after = page.inner_text("#zones-table tr[data-zone='Idlib and western Aleppo countryside'] td:nth-child(2)")
    visit.shoot("map-after-change")
    assert "Jabhat Fateh al-Sham" in held_before
    assert "Hay'at Tahrir al-Sham" in held_after
    assert before != after
    assert page.inner_text("#day-shown") == "Jan 29, 2017"


# --- Languages ----------------------------------------------------------------------------------


def test_switching_to_arabic_lays_the_page_out_right_to_left(visit: Visit, demo: Demo) -> None:
    visit.sign_in(demo.accounts["SY-GOV"])
    page = visit.page
    with page.expect_navigation(wait_until="networkidle"):
        page.click("nav.languages a[hreflang=ar]")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    brand, account = page.locator(".brand").bounding_box(), page.locator(".account").bounding_box()
    assert brand["x"] > account["x"], "the brand should stand at the right, the account at the left"
    heading = page.inner_text("h1")
    assert heading != "Dashboard"
    assert any("\u0600" <= ch <= "\u06ff" for ch in heading), heading
    visit.shoot("dashboard-ar")
    visit.open("/map", "map-ar")  # the choice sticks, and the map's words follow it
    page.wait_for_selector("#map[data-ready=true]")
    assert page.get_attribute("html", "dir") == "rtl"


# --- Speed and accessibility --------------------------------------------------------------------


def test_dashboard_and_map_load_within_a_second_on_the_demo(visit: Visit, demo: Demo) -> None:
    visit.sign_in(demo.accounts["RU"])
    page = visit.page
    figures: dict[str, list[float]] = {"dashboard": [], "map": []}
    for _ in range(5):
        visit.open("/")
        figures["dashboard"].append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
        visit.open("/map")
        page.wait_for_selector("#map[data-ready=true]")
        figures["map"].append(_map_ready(page))
    medians = {name: round(statistics.median(ms)) for name, ms in figures.items()}
    runs = {name: [round(v) for v in ms] for name, ms in figures.items()}
    figures_text = json.dumps({"load_ms_median_of_5": medians, "runs_ms": runs})
    print(figures_text)  # noqa: T201 - the figure the issue asks for (pytest -s shows it; CI keeps the file)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-times.json").write_text(figures_text + "\n", encoding="utf-8")
    assert medians["dashboard"] <= LOAD_GOAL_MS
    assert medians["map"] <= LOAD_GOAL_MS


def _map_ready(page: Any) -> float:
    """Milliseconds from the navigation's start until the map had drawn its zones and incidents."""
    return float(page.evaluate("Number(document.getElementById('map').dataset.readyAt)"))


MAIN_PAGES = {
    "sign-in": "/sign-in",
    "dashboard": "/",
    "map": "/map",
    "incidents": "/incidents",
    "incident": "/incidents/{incident}",
    "report-form": "/reports/new",
    "actors": "/actors",
    "zones": "/zones",
    "meetings": "/meetings",
    "ledger": "/ledger?index=1",
}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_main_pages_have_no_serious_or_critical_accessibility_violation(
    visit: Visit, demo: Demo, lang: str
) -> None:
    if not AXE.exists():
        need(f"the accessibility checks need axe-core at {AXE} (npm ci)")
    axe = AXE.read_text(encoding="utf-8")
    incident, _ = _an_incident(demo.db)
    visit.sign_in(demo.accounts["RU"])
    found: dict[str, list[str]] = {}
    everything: dict[str, list[str]] = {}
    for name, path in MAIN_PAGES.items():
        visit.open(path.format(incident=incident) + ("&" if "?" in path else "?") + f"lang={lang}")
        if name == "map":
            visit.page.wait_for_selector("#map[data-ready=true]")
        visit.page.evaluate(axe)  # evaluated through the DevTools protocol: the page's CSP does not apply
        result = visit.page.evaluate("axe.run(document)")
        described = {v["id"]: f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s)" for v in result["violations"]}
        everything[name] = sorted(described.values())
        found[name] = [described[v["id"]] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{lang}.json").write_text(json.dumps(everything, indent=2), encoding="utf-8")
    assert result["testEngine"]["name"] == "axe-core"
    assert {page: v for page, v in found.items() if v} == {}


def _an_incident(db_url: str) -> tuple[int, int]:
    """An incident told by three to six current reports of three delegations or more (a guarantor reads them all)."""
    db = open_database(db_url)
    try:
        with db.begin() as session:
            reports, delegations = func.count(Report.id), func.count(Report.delegation_id.distinct())
            query = (
                select(Incident.id, reports)
                .join(Report, Report.incident_id == Incident.id)
                .where(current_reports())
                .group_by(Incident.id)
                .having(reports.between(3, 6), delegations >= 3)
                .order_by(Incident.id)
                .limit(1)
            )
            incident_id, count = session.execute(query).one()
            return int(incident_id), int(count)
    finally:
        db.dispose()


# --- Nothing from outside -----------------------------------------------------------------------


def test_the_api_documentation_runs_from_the_server_alone(api_visit: Visit) -> None:
    answer = api_visit.open("/api/docs", "api-docs")
    assert answer.status == 200
    api_visit.page.wait_for_selector(".swagger-ui .info", timeout=10_000)  # Swagger UI ran: its script came from us
    assert "trucewatch" in api_visit.page.locator(".swagger-ui .info").inner_text()


def test_a_request_outside_the_server_is_stopped_and_reported(api_visit: Visit) -> None:
    """The guard the other tests rely on: a page asking another origin is caught."""
    api_visit.open("/api/docs", "guard")  # the API's docs page: the web UI's own pages forbid this by their CSP
    api_visit.page.evaluate("fetch('http://tiles.example.invalid/1/2/3.png').catch(() => null)")
    api_visit.page.wait_for_timeout(200)
    assert api_visit.outside == ["http://tiles.example.invalid/1/2/3.png"]
    api_visit.outside.clear()  # caught as it should be: the fixture's own check need not fail


def test_the_pages_content_security_policy_stops_a_request_outside_before_it_leaves(visit: Visit, demo: Demo) -> None:
    visit.sign_in(demo.accounts["UN"])
    blocked = visit.page.evaluate(
        """() => new Promise(done => {
            document.addEventListener('securitypolicyviolation', e => done(e.violatedDirective));
            fetch('http://tiles.example.invalid/1/2/3.png').catch(() => null);
        })"""
    )
    assert blocked == "connect-src"
    assert visit.outside == []


# --- The ledger, checked in the browser ---------------------------------------------------------


def test_the_ledger_page_checks_the_inclusion_proof_again_in_the_browser(
    visit: Visit, chromium: Any, demo: Demo
) -> None:
    """For a public reader, and again with one hash of the audit path altered on its way to the browser."""
    for index in (0, 1, 4095, 6543):
        visit.open(f"/ledger?index={index}")
        visit.page.wait_for_selector("#proof[data-browser-verified]")
        assert visit.page.get_attribute("#proof", "data-browser-verified") == "true", index
    visit.shoot("ledger-proof")

    def tampered(route: Any) -> None:
        body = route.fetch().text()
        path = re.search(r'data-path="([0-9a-f]{64})', body)
        assert path is not None
        altered = path.group(1)[:-1] + ("0" if path.group(1)[-1] != "0" else "1")
        route.fulfill(response=route.fetch(), body=body.replace(path.group(0), f'data-path="{altered}'))

    forged = Visit(chromium, demo.base)
    forged.context.route("**/ledger?index=6543", tampered)
    forged.open("/ledger?index=6543")
    forged.page.wait_for_selector("#proof[data-browser-verified]")
    assert forged.page.get_attribute("#proof", "data-browser-verified") == "false"
    assert "could not check it" in forged.page.inner_text("#proof-in-browser")
    forged.close()
