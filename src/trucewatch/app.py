"""The web application: ``create_app(settings)``.

Until the HTTP API and the web UI arrive, it serves one page saying what the
database holds, and a liveness check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from trucewatch import __version__
from trucewatch.analytics.stats import database_stats
from trucewatch.config import Settings
from trucewatch.store.engine import open_database
from trucewatch.store.migrate import upgrade


def create_app(settings: Settings) -> FastAPI:
    database = open_database(settings.database_url)
    upgrade(database)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        database.dispose()

    app = FastAPI(title="trucewatch", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        with database.begin() as session:
            return _page(database_stats(session))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _page(stats: dict[str, Any]) -> str:
    totals = "".join(f"<tr><th>{escape(k)}</th><td>{v:,}</td></tr>" for k, v in stats.items() if isinstance(v, int))
    sections = "".join(
        f"<h2>{escape(title)}</h2><table>"
        + "".join(f"<tr><th>{escape(str(k))}</th><td>{v:,}</td></tr>" for k, v in stats[key].items())
        + "</table>"
        for key, title in (
            ("reports_by_governorate", "Reports by governorate"),
            ("reports_by_type", "Reports by violation type"),
            ("reports_by_month", "Reports by month"),
        )
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>trucewatch</title></head><body>"
        f"<h1>trucewatch {escape(__version__)}</h1><p>What this database holds.</p>"
        f"<table>{totals}</table>{sections}</body></html>"
    )
