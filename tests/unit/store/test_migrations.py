from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from trucewatch.migrations.tables import include_object, metadata
from trucewatch.store.engine import Database
from trucewatch.store.migrate import current_revision, head_revision, upgrade


def test_migrations_build_exactly_the_models_schema(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False, "include_object": include_object}), metadata
        )
    assert diff == []


def test_upgrading_a_current_database_does_nothing(database: Database) -> None:
    assert current_revision(database) == head_revision()
    assert upgrade(database) is False
