"""Settings, built at the edge (CLI, app factory) and passed down as plain values."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from trucewatch.errors import ConfigError

DEFAULT_DB = "trucewatch.db"


class Settings(BaseSettings):
    """Every setting of trucewatch; each may be set as ``TRUCEWATCH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TRUCEWATCH_", extra="ignore")

    db: str = DEFAULT_DB
    """SQLite file path, or a database URL (``sqlite:///file.db``, ``postgresql://...``)."""
    host: str = "127.0.0.1"
    """Address ``trucewatch serve`` listens on."""
    port: int = 8000
    """Port ``trucewatch serve`` listens on."""
    max_body_bytes: int = 1_048_576
    """Largest request body the API accepts (bytes); evidence uploads have their own limit."""
    max_evidence_bytes: int = 100 * 1_048_576
    """Largest evidence file the API accepts (bytes), streamed to disk, never held in memory."""
    token_cache_seconds: float = 5.0
    """How long the API trusts a token it found valid without reading it again: a revoked
    token is refused at most this long after its revocation (0: read it on every request)."""
    evidence_dir: str = ""
    """Where evidence files are kept, by SHA-256; empty: ``<database file>.evidence/`` (or
    ``./trucewatch-evidence/`` for a database URL)."""

    tile_url: str = ""
    """A map tile server for the web map's background (``https://tiles.example.org/{z}/{x}/{y}.png``);
    empty (the default): no tiles, only the governorates' outlines, and no request leaves the server."""
    tile_attribution: str = ""
    """The credit the tile server asks for, shown on the map."""

    @property
    def evidence_path(self) -> Path:
        if self.evidence_dir:
            return Path(self.evidence_dir).expanduser()
        if "://" not in self.db:
            return Path(self.db).expanduser().with_name(Path(self.db).name + ".evidence")
        return Path("trucewatch-evidence")

    @property
    def database_url(self) -> str:
        return database_url(self.db)


def database_url(db: str) -> str:
    """Turn a ``--db`` value (a file path or a URL) into an SQLAlchemy URL."""
    if not db:
        raise ConfigError("the database setting is empty: give a file path or a URL")
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser()}"
    scheme = db.split("://", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if scheme in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        return db
    raise ConfigError(f"database URL scheme {scheme!r} is not supported: use a file path, sqlite:/// or postgresql://")
