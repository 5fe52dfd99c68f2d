"""Bring a database to the current schema with Alembic (``trucewatch init``, and on start)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from trucewatch.errors import StorageError
from trucewatch.store.engine import Database

SCRIPTS = "trucewatch:migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPTS)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise StorageError("the package ships no migration")
    return head


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database) -> bool:
    """Migrate ``db`` to the newest schema; True if anything was done."""
    try:
        if current_revision(db) == head_revision():
            return False
        config = _config()
        with db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StorageError(f"cannot open the database {db.engine.url!r}: {exc.orig}") from exc
    return True


def readiness(db: Database) -> str | None:
    """Why the database cannot serve yet (unreachable, schema not current), or None when it can."""
    try:
        revision = current_revision(db)
    except OperationalError as exc:
        return f"the database does not answer: {exc.orig}"
    if revision != head_revision():
        return f"the schema is at revision {revision}, not {head_revision()}: run trucewatch init"
    return None
