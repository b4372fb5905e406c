"""Alembic environment: runs on the connection `coach.store.db.migrate` hands over, else on
COACH_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from coach.store.schema import metadata

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from coach.settings import Settings
    from coach.store.db import database_url

    engine = create_engine(database_url(Settings()))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run `alembic upgrade head`.")
run_migrations_online()
