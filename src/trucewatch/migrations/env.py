"""Alembic environment: runs against the connection trucewatch hands it."""

from __future__ import annotations

from alembic import context

from trucewatch.migrations.tables import include_object, metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("trucewatch migrations run through trucewatch.store.migrate, with a connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
