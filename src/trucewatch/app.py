"""The web application: ``create_app(settings)``.

It serves the HTTP API under ``/api/v1`` (OpenAPI document at ``/api/v1/openapi.json``,
interactive docs at ``/api/docs``, served from the package, nothing from a CDN),
liveness and readiness at ``/healthz`` and ``/readyz``, and the web UI's pages (:mod:`trucewatch.web`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

import trucewatch.incidents.decisions  # noqa: F401 - registers fusion and attribution, which follow every write
from trucewatch import __version__
from trucewatch.api import evidence, geo, health, incidents, ledger, mechanism, problems, registry, reports, stats
from trucewatch.api.deps import TokenCache
from trucewatch.api.problems import PROBLEMS, BodyLimit
from trucewatch.api.writer import ReportWriter
from trucewatch.config import Settings
from trucewatch.registry.access import ANONYMOUS, allowed
from trucewatch.store.engine import open_database
from trucewatch.store.migrate import upgrade
from trucewatch.web import install as install_web
from trucewatch.web import tile_origin


def create_app(settings: Settings) -> FastAPI:
    tile_origin(settings.tile_url)  # a bad setting is refused before anything is opened
    database = open_database(settings.database_url)
    upgrade(database)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        writer.close()
        database.dispose()

    app = FastAPI(
        title="trucewatch",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.database = database
    app.state.writer = writer = ReportWriter(database)
    app.state.tokens = TokenCache(settings.token_cache_seconds)
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, exempt=(f"{API}/evidence",))
    for router in (
        registry.router,
        geo.router,
        reports.router,
        evidence.router,
        incidents.router,
        mechanism.router,
        ledger.router,
        stats.router,
    ):
        app.include_router(router, prefix=API, responses=PROBLEMS)
    app.include_router(health.router)
    _docs(app)
    _mark_public(app)

    install_web(app, settings)
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several server processes (``trucewatch serve --workers N``), set by ``TRUCEWATCH_*``."""
    return create_app(Settings())


API = "/api/v1"
API_DESCRIPTION = (
    "The HTTP API of a ceasefire monitoring mechanism. Authenticate with a member's token "
    "(`Authorization: Bearer ...`, from `trucewatch token new`). Writes are statements signed with your "
    "delegation's key (docs/ledger.md, docs/api.md). Errors are RFC 9457 problem details."
)


def _mark_public(app: FastAPI) -> None:
    """In the OpenAPI document, an operation the public may call lists no credentials (``{}``) as an
    alternative to the Bearer token, so that clients and Schemathesis know a token is optional there."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for route in iter_route_contexts(app.routes):
                if isinstance(route.original_route, APIRoute) and route.include_in_schema and _public(route.dependant):
                    for method in route.methods or ():
                        operation = schema["paths"][route.path_format][method.lower()]
                        operation["security"] = [{}, *operation.get("security", [])]
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _public(dependant: Dependant) -> bool:
    actions = [getattr(d.call, "action") for d in _calls(dependant) if hasattr(d.call, "action")]  # noqa: B009
    return bool(actions) and all(allowed(ANONYMOUS, a) for a in actions)


def _calls(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _calls(sub)


def _docs(app: FastAPI) -> None:
    """Swagger UI from the package's own copy (fastapi-offline): no request leaves the server."""
    app.mount("/api/docs/static", StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), "docs")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API}/openapi.json",
            title="trucewatch API",
            swagger_js_url="/api/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/static/swagger-ui.css",
            swagger_favicon_url="/api/docs/static/favicon.png",
        )
