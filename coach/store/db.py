"""Opening the shared store: the database URL, the engine, one-line errors, and migrations.

SQLite (the default, `data_dir/sessions.db`) gets a connection per call, WAL mode, a busy
timeout and `BEGIN IMMEDIATE` for writes, as the single-file store always had. PostgreSQL
(`COACH_DATABASE_URL=postgresql://...`) gets a small connection pool. Either way the schema
is brought to the newest Alembic revision when the store opens, under a lock, so several
app servers starting at once migrate it once.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from coach.store.schema import HEAD

DB_NAME = "sessions.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# sqlite3 reports a damaged file with these words; "locked" or "busy" are not damage.
_DAMAGE = ("file is not a database", "malformed", "corrupt", "not a database", "disk image")
_migrate_lock = threading.Lock()
_PG_LOCK_KEY = 0x0C0AC4  # pg_advisory_lock key: one migrator at a time across app servers


class StoreError(RuntimeError):
    """The session store cannot be used; the message is one line fit to show the user."""

    def __init__(self, message: str, damaged: bool = False) -> None:
        super().__init__(" ".join(message.split()))
        self.damaged = damaged


def database_url(settings: Any) -> str:
    """The URL of the store for these settings: COACH_DATABASE_URL, else SQLite at data_dir/sessions.db."""
    url = getattr(settings, "database_url", None)
    if url and url.strip():
        return url.strip()
    return f"sqlite:///{(Path(settings.data_dir) / DB_NAME).resolve()}"


def safe_url(url: str | URL) -> str:
    """The URL with its password hidden, fit for a message."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(an unreadable URL)"


def parse_url(url: str) -> URL:
    """A URL the store can use (SQLite or PostgreSQL), or StoreError saying what is wrong with it."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError("COACH_DATABASE_URL is not a database URL; expected e.g. "
                         "postgresql://user:password@host:5432/coach or "
                         "sqlite:///path/to/sessions.db.") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"COACH_DATABASE_URL names the database '{backend}'; only sqlite and postgresql are "
                         "supported.")
    if backend == "postgresql" and parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and not parsed.database:
        raise StoreError("COACH_DATABASE_URL names no SQLite file; in-memory databases cannot be shared.")
    return parsed


def first_line(err: BaseException) -> str:
    """The first line of a driver's message (psycopg's run over several)."""
    orig = getattr(err, "orig", None) or err
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else err.__class__.__name__


def is_damage(err: BaseException) -> bool:
    """True when SQLite says the file is not a (sound) database."""
    orig = getattr(err, "orig", err)
    if not isinstance(orig, sqlite3.DatabaseError):
        return False
    return type(orig) is sqlite3.DatabaseError or any(w in str(orig).lower() for w in _DAMAGE)


def make_engine(url: URL, busy_timeout: float = 10.0) -> Engine:
    """An engine for this URL; SQLite connections get WAL, a busy timeout and IMMEDIATE write transactions."""
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": busy_timeout})
            _sqlite_events(engine, busy_timeout)
            return engine
        return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800,
                             connect_args={"connect_timeout": 5})
    except NoSuchModuleError:
        raise StoreError(f"No driver for {safe_url(url)}; install the project's dependencies.") from None
    except ImportError as err:
        raise StoreError(f"The database driver for {safe_url(url)} cannot be loaded ({err}).") from None


def _sqlite_events(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we send BEGIN ourselves (below)
        dbapi_conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}".strip())


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """One migrator at a time: a thread lock, then a file lock (SQLite) or an advisory lock (PostgreSQL)."""
    with _migrate_lock:
        if engine.dialect.name == "sqlite":
            lock_path = Path(f"{engine.url.database}.lock")
            with lock_path.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None when it has no alembic_version table."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> str:
    """Bring the schema to HEAD; a file made by the old single-file store is stamped at 0001 first.

    Returns what was done: "current", "created" or "upgraded from <revision>".
    """
    if current_revision(engine) == HEAD:  # the common case: no Alembic import, no lock
        return "current"
    from alembic import command
    from alembic.config import Config

    with _exclusive(engine):
        found = current_revision(engine)
        if found == HEAD:
            return "current"
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            legacy = found is None and inspect(conn).has_table("sessions")
            if legacy:
                command.stamp(cfg, "0001_initial")
                found = "0001_initial"
            command.upgrade(cfg, "head")
    return "created" if found is None else f"upgraded from {found}"


def open_engine(url: str, busy_timeout: float = 10.0) -> Engine:
    """Parse, connect, check and migrate; any failure is one StoreError line naming the (password-free)
    URL."""
    parsed = parse_url(url)
    engine = make_engine(parsed, busy_timeout)
    try:
        if parsed.get_backend_name() == "sqlite":
            _check_sqlite(engine)
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    except (DBAPIError, sqlite3.DatabaseError) as err:
        engine.dispose()
        if is_damage(err):
            raise
        raise StoreError(f"The database at {safe_url(parsed)} cannot be reached or opened: "
                         f"{first_line(err)}") from None
    except SQLAlchemyError as err:
        engine.dispose()
        raise StoreError(f"The database at {safe_url(parsed)} cannot be used: {first_line(err)}") from None
    return engine


def _check_sqlite(engine: Engine) -> None:
    """WAL mode and a quick integrity check; damage raises the driver's error for the caller to report."""
    Path(cast(str, engine.url.database)).parent.mkdir(parents=True, exist_ok=True)
    raw = engine.raw_connection()  # outside any transaction: journal_mode cannot change inside one
    try:
        driver = cast(sqlite3.Connection, raw.driver_connection)
        driver.execute("PRAGMA journal_mode = WAL")  # persistent: set once per file
        check = driver.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({check[0] if check else '?'})")
    finally:
        raw.close()
