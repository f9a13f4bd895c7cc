"""Alembic environment: the URL comes from notifications.store.migrate, never from a file."""

from __future__ import annotations

from alembic import context

from notifications.store.database import make_engine
from notifications.store.schema import metadata

config = context.config
target_metadata = metadata()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # A batch migration copies a table, drops it and renames the copy: with foreign
            # keys on, dropping `subscribers` would cascade to every delivery and topic.
            # On the DBAPI connection, before any BEGIN: SQLite ignores it inside one.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=engine.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `arobase db upgrade`")
run_migrations_online()
