"""Fixtures: the same tests run on SQLite and on the real PostgreSQL server.

In CI (``CI=true``) a test that needs PostgreSQL fails when the server is
missing; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

import trucewatch.incidents.decisions  # noqa: F401 - registers fusion and attribution, which follow every write
from trucewatch.config import database_url
from trucewatch.migrations.tables import metadata
from trucewatch.store.engine import Database, open_database
from trucewatch.store.migrate import upgrade

PG_URL = os.environ.get("TRUCEWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def need(reason: str) -> None:
    """Fail in CI, skip elsewhere: a test whose real component is missing never passes silently."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing component fails the run)")
    pytest.skip(reason)


def shared_data() -> Path:
    """The shared folder of real public data and vectors."""
    candidates = [os.environ.get("TRUCEWATCH_SHARED"), Path(__file__).resolve().parents[2] / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data" / "SOURCES.md").is_file():
            return Path(candidate)
    need("the shared data folder is missing (set TRUCEWATCH_SHARED)")
    raise AssertionError  # unreachable: need() raises


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = open_database(database_url(str(path)))
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        with psycopg.connect(PG_URL, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        need(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
    db = open_database(database_url(PG_URL))
    with db.engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(db)
    db.dispose()
    return database_url(PG_URL)


def _truncate(url: str) -> None:
    db = open_database(url)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, migrated, empty database of each backend."""
    return fresh_database(request, request.param, tmp_path)


def fresh_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> str:
    """URL of a fresh, migrated, empty database of ``backend`` (for SQLite, a file in ``folder``)."""
    if backend == "sqlite":
        path = folder / "trucewatch.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return database_url(str(path))
    url: str = request.getfixturevalue("postgres_url")
    _truncate(url)
    return url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    with database.sessions() as s, s.begin():
        yield s
        s.rollback()
