"""Saved coaching sessions and practice scores, in one SQLite file (`data_dir/sessions.db`).

One row per session holds its full JSON, so a load resumes exactly where the session
was. Every write is one short transaction on its own connection (WAL mode, a busy
timeout), so concurrent app sessions and threads never share a connection. A damaged
file is never replaced silently: a copy is kept next to it and `StoreError` says where.
"""

from __future__ import annotations

import filecmp
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from coach.engine.session import Session
from coach.models import Role, utcnow

DB_NAME = "sessions.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, statement TEXT NOT NULL, status TEXT NOT NULL,
    created TEXT NOT NULL, updated TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_updated ON sessions (updated DESC);
CREATE TABLE IF NOT EXISTS practice_totals (
    learner TEXT PRIMARY KEY, drills INTEGER NOT NULL DEFAULT 0, correct INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS practice_traps (
    learner TEXT NOT NULL, trap TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    misses INTEGER NOT NULL DEFAULT 0, false_alarms INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner, trap));
"""
# sqlite3 reports a damaged file with these words; "locked" or "busy" are not damage.
_DAMAGE = ("file is not a database", "malformed", "corrupt", "not a database", "disk image")

Feedback = Literal["up", "down"]


class StoreError(RuntimeError):
    """The session store cannot be used; the message is fit to show the user."""

    def __init__(self, message: str, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


@dataclass(frozen=True)
class SessionSummary:
    """One row of the session list."""

    id: str
    title: str
    statement: str
    status: str
    created: str
    updated: str


@dataclass(frozen=True)
class TrapScore:
    """How one learner does on one trap."""

    trap: str
    attempts: int
    misses: int
    false_alarms: int


@dataclass(frozen=True)
class PracticeScore:
    """A learner's drills so far."""

    learner: str
    drills: int
    correct: int
    traps: list[TrapScore]

    def keeps_missing(self, min_misses: int = 2) -> list[TrapScore]:
        """Traps missed at least `min_misses` times and at least half the time, worst first."""
        weak = [t for t in self.traps if t.misses >= min_misses and t.misses * 2 >= t.attempts]
        return sorted(weak, key=lambda t: (-t.misses, t.trap))


def keep_copy(path: Path, clock: Callable[[], datetime] = utcnow) -> Path | None:
    """Copy a database file (and its WAL side files) to `<name>.corrupt-<timestamp>`; None when that fails."""
    for earlier in sorted(path.parent.glob(f"{path.name}.corrupt-*")):
        if not earlier.name.endswith(("-wal", "-shm")) and filecmp.cmp(path, earlier, shallow=False):
            return earlier  # this damage is already kept; one copy is enough
    stamp = clock().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        shutil.copy2(path, target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                shutil.copy2(side, target.with_name(target.name + suffix))
    except OSError:
        return None
    return target


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # the connection is closed next; sqlite rolls back on close


def _is_damage(err: sqlite3.DatabaseError) -> bool:
    return type(err) is sqlite3.DatabaseError or any(w in str(err).lower() for w in _DAMAGE)


class SessionStore:
    """Sessions and practice scores in SQLite; safe to share across threads (a connection per call)."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._init()

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, **kwargs: object) -> SessionStore:
        """The store at `data_dir/sessions.db`."""
        return cls(Path(data_dir) / DB_NAME, **kwargs)  # type: ignore[arg-type]

    # -- connections ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return conn

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A fresh connection; a write runs in one IMMEDIATE transaction."""
        try:
            conn = self._connect()
        except sqlite3.DatabaseError as err:
            raise self._damaged(err) from None
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
            yield conn
            if write:
                conn.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            _rollback(conn)
            if _is_damage(err):
                raise self._damaged(err) from None
            raise StoreError(f"The sessions database is busy or unavailable ({err}); please try again.") from None
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()

    def _init(self) -> None:
        try:
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                check = conn.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed ({check[0] if check else '?'})")
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            finally:
                conn.close()
        except sqlite3.DatabaseError as err:
            if _is_damage(err):
                raise self._damaged(err) from None
            raise StoreError(f"The sessions database at {self.path} cannot be opened ({err}).") from None

    def _damaged(self, err: Exception) -> StoreError:
        """Keep a copy of the damaged file and explain; the original is left where it is."""
        copy = keep_copy(self.path, self.clock)
        kept = f"a copy was kept at {copy}" if copy else "no copy could be made"
        return StoreError(
            f"The sessions database at {self.path} is damaged ({err}); {kept}. "
            "Move the damaged file away (or start a fresh database) to go on.",
            damaged=True,
        )

    @classmethod
    def start_fresh(cls, path: Path | str, **kwargs: object) -> tuple[SessionStore, Path | None]:
        """On the user's say-so after damage: keep a copy, remove the damaged file, open an empty store."""
        path = Path(path)
        clock = kwargs.get("clock", utcnow)
        copy = keep_copy(path, clock) if path.exists() else None  # type: ignore[arg-type]
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return cls(path, **kwargs), copy  # type: ignore[arg-type]

    # -- sessions ---------------------------------------------------------------------------------

    def save(self, session: Session) -> None:
        """Upsert the whole session (its JSON and the list columns) in one transaction."""
        session.updated = self.clock()
        row = (session.id, session.title, session.statement, session.status, session.created.isoformat(),
               session.updated.isoformat(), session.model_dump_json())
        with self._db(write=True) as db:
            db.execute(
                "INSERT INTO sessions (id, title, statement, status, created, updated, json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
                "statement = excluded.statement, status = excluded.status, updated = excluded.updated, "
                "json = excluded.json",
                row,
            )

    def load(self, session_id: str) -> Session | None:
        """The saved session, exactly as saved, or None when there is none with this id."""
        with self._db() as db:
            row = db.execute("SELECT json FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        try:
            return Session.model_validate_json(row[0])
        except ValidationError:
            raise StoreError(f"The saved session {session_id} cannot be read; it is kept as it is.") from None

    def list(self, limit: int = 200) -> list[SessionSummary]:
        """Saved sessions, most recently updated first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, title, statement, status, created, updated FROM sessions "
                "ORDER BY updated DESC LIMIT ?", (limit,)).fetchall()
        return [SessionSummary(*row) for row in rows]

    def delete(self, session_id: str) -> bool:
        """Delete a session; True when there was one."""
        with self._db(write=True) as db:
            return db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    def export_json(self, session_id: str) -> str:
        """The saved session as indented JSON."""
        session = self.load(session_id)
        if session is None:
            raise StoreError(f"There is no saved session {session_id}.")
        return session.model_dump_json(indent=2)

    def set_feedback(self, session_id: str, turn_index: int, feedback: Feedback | None,
                     reason: str | None = None) -> Session:
        """Store thumbs (and an optional reason) on one coach turn, read-modify-write in one transaction."""
        with self._db(write=True) as db:
            row = db.execute("SELECT json FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise StoreError(f"There is no saved session {session_id}.")
            session = Session.model_validate_json(row[0])
            if not 0 <= turn_index < len(session.transcript) or session.transcript[turn_index].role is not Role.coach:
                raise StoreError("Feedback can only be given on a coach message.")
            turn = session.transcript[turn_index]
            turn.feedback = feedback
            if reason is not None or feedback != "down":
                turn.feedback_reason = (reason or "").strip()[:500] if feedback == "down" else ""
            db.execute("UPDATE sessions SET json = ? WHERE id = ?", (session.model_dump_json(), session_id))
        return session

    # -- practice ---------------------------------------------------------------------------------

    def record_drill(self, learner: str, correct: bool, expected: set[str], picked: set[str]) -> None:
        """Count one drill: per trap, an attempt when expected or picked, a miss when expected but not picked."""
        with self._db(write=True) as db:
            db.execute("INSERT INTO practice_totals (learner, drills, correct) VALUES (?, 1, ?) "
                       "ON CONFLICT(learner) DO UPDATE SET drills = drills + 1, correct = correct + excluded.correct",
                       (learner, int(correct)))
            for trap in sorted(expected | picked):
                miss, alarm = int(trap in expected - picked), int(trap in picked - expected)
                db.execute(
                    "INSERT INTO practice_traps (learner, trap, attempts, misses, false_alarms) VALUES (?, ?, 1, ?, ?) "
                    "ON CONFLICT(learner, trap) DO UPDATE SET attempts = attempts + 1, misses = misses + excluded.misses, "
                    "false_alarms = false_alarms + excluded.false_alarms",
                    (learner, trap, miss, alarm),
                )

    def practice_score(self, learner: str) -> PracticeScore:
        """A learner's totals and per-trap record (zeros for a new learner)."""
        with self._db() as db:
            total = db.execute("SELECT drills, correct FROM practice_totals WHERE learner = ?", (learner,)).fetchone()
            traps = db.execute("SELECT trap, attempts, misses, false_alarms FROM practice_traps WHERE learner = ? "
                               "ORDER BY trap", (learner,)).fetchall()
        drills, correct = total or (0, 0)
        return PracticeScore(learner, drills, correct, [TrapScore(*t) for t in traps])
