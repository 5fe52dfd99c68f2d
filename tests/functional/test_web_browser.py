"""Pages in a real Chromium (Debian's ``chromium``, driven by Playwright): nothing fetched from outside.

Every page is opened in a browser context that lets through only requests to the server under test
and records any other; a test fails when one was made, because the mechanism's pages must work
with no internet and must not tell a third party who reads what. A screenshot of each page is kept
in ``test-artifacts/`` (CI keeps it). In CI (``CI=true``) a missing Chromium fails the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.functional.conftest import Api, serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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

    def __init__(self, chromium: Any, base: str) -> None:
        self.base = base
        self.outside: list[str] = []
        self.context = chromium.new_context(locale="en-GB")
        self.context.route("**/*", self._only_the_server)
        self.page = self.context.new_page()

    def _only_the_server(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url == self.base:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str, name: str) -> Any:
        answer = self.page.goto(self.base + path, wait_until="networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        return answer


@pytest.fixture
def visit(chromium: Any, api: Api) -> Iterator[Visit]:
    with serve(api.settings.db) as base:
        visiting = Visit(chromium, base)
        yield visiting
        visiting.context.close()
        assert visiting.outside == [], f"pages asked for something outside the server: {visiting.outside}"


def test_the_home_page_shows_what_the_database_holds_and_fetches_nothing_outside(visit: Visit) -> None:
    answer = visit.open("/", "home")
    assert answer.status == 200
    assert "trucewatch" in visit.page.title()
    assert visit.page.locator("body").inner_text().strip()


def test_the_api_documentation_runs_from_the_server_alone(visit: Visit) -> None:
    answer = visit.open("/api/docs", "api-docs")
    assert answer.status == 200
    visit.page.wait_for_selector(".swagger-ui .info", timeout=10_000)  # Swagger UI ran: its script came from us
    assert "trucewatch" in visit.page.locator(".swagger-ui .info").inner_text()


def test_a_request_outside_the_server_is_stopped_and_reported(visit: Visit) -> None:
    """The guard the other tests rely on: a page asking another origin is caught."""
    visit.open("/api/docs", "guard")  # the API's docs page: the web UI's own pages forbid this by their CSP
    visit.page.evaluate("fetch('http://tiles.example.invalid/1/2/3.png').catch(() => null)")
    visit.page.wait_for_timeout(200)
    assert visit.outside == ["http://tiles.example.invalid/1/2/3.png"]
    visit.outside.clear()  # caught as it should be: the fixture's own check need not fail
