"""Engines and sessions, and the differences between SQLite and PostgreSQL.

The boundary (a command, a request, an import) owns the transaction with
``database.begin()``; services only add and flush.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trucewatch.errors import StorageError


@dataclass(frozen=True)
class Database:
    """An engine and its session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error."""
        try:
            with self.sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise StorageError(f"database error on {self.engine.url!r}: {exc.orig}") from exc

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, echo: bool = False) -> Database:
    """Open (not create tables in) the database at ``url``."""
    engine = create_engine(url, echo=echo, future=True, **_engine_options(url))
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return Database(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


def _engine_options(url: str) -> dict[str, Any]:
    common: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        return common | {"connect_args": {"timeout": 30}}
    return common | {"pool_pre_ping": True}


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _tune_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL journal, and writers that take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below drive transactions
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_writes(session: Session) -> None:
    """Serialise writers for the rest of the transaction (PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` already does), so ledger order and ids stay gap-free."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7077)"))


def analyze(database: Database) -> None:
    """Refresh the query planner's statistics, after a bulk load (PostgreSQL's autovacuum would, later)."""
    with database.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
