"""The web UI: server-rendered pages over the same services and access rules as the API.

``install(app, settings)`` adds the pages, their static files (Leaflet from the
``xstatic-leaflet`` packages: nothing is fetched from outside the server), the page
headers (:mod:`trucewatch.web.security`), and error pages: outside ``/api``, an error of
the one exception tree becomes a page in the reader's language, not a problem document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from trucewatch.api.problems import field_problems, status_of
from trucewatch.config import Settings
from trucewatch.errors import ConfigError, TrucewatchError
from trucewatch.registry.access import ANONYMOUS
from trucewatch.web import filing, maps, pages, records, session
from trucewatch.web.i18n import choose
from trucewatch.web.render import page
from trucewatch.web.security import LANG_COOKIE, SecurityHeaders
from trucewatch.web.session import SignInFirst, to_sign_in

STATIC = Path(__file__).parent / "static"
Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def install(app: FastAPI, settings: Settings) -> None:
    app.mount("/static/leaflet", StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR), "leaflet")
    app.mount("/static/markercluster", StaticFiles(directory=xstatic.pkg.leaflet_markercluster.BASE_DIR), "cluster")
    app.mount("/static", StaticFiles(directory=STATIC), "static")
    for router in (session.router, pages.router, maps.router, filing.router, records.router):
        app.include_router(router)
    app.state.web_memo = pages.Memo()
    app.add_exception_handler(SignInFirst, to_sign_in)
    for kind in (TrucewatchError, RequestValidationError, HTTPException):
        app.add_exception_handler(kind, _pages_or_api(app.exception_handlers[kind]))
    app.add_middleware(SecurityHeaders, tile_origin=tile_origin(settings.tile_url))


def tile_origin(url: str) -> str | None:
    """The origin (scheme and host) of a tile URL template, which the pages' CSP must admit for images."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"the tile URL {url!r} is not an http(s) URL template such as https://tiles.example.org/{{z}}/{{x}}/{{y}}.png"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _pages_or_api(api: Handler) -> Handler:
    """The API's handler (problem details) under ``/api``, for the health checks and for a page's script
    (which asks for JSON); an error page for a browser."""

    async def handle(request: Request, exc: Exception) -> Response:
        path = request.url.path
        if path.startswith(("/api/", "/healthz", "/readyz")) or "json" in request.headers.get("accept", ""):
            answer = api(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer
        return error_page(request, exc)

    return handle


def error_page(request: Request, exc: Exception) -> Response:
    if not hasattr(request.state, "locale"):
        request.state.locale = choose(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    status, title = status_of(exc)
    problems = [f"{p.record} · {p.field}: {p.problem}" for p in field_problems(exc)]
    detail = str(exc.detail) if isinstance(exc, HTTPException) else str(exc)
    context = {"status": status, "title": title, "detail": detail, "problems": problems}
    return page(request, "error.html", ANONYMOUS, context, status=status)
