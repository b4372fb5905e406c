"""Alembic migrations of the shared store (run by `coach.store.db.migrate`, or `alembic upgrade head`)."""
