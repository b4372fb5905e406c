"""Saved coaching sessions and practice scores behind SQLAlchemy (SQLite by default, or PostgreSQL).

One row per session holds its full JSON, so a load resumes exactly where the session was.
Every write is one short transaction. Sessions belong to an owner: pass `owner=` (a user id)
and only that user's sessions are listed, opened, renamed or deleted; leave it out (the CLI,
tests, the store's own tools) and there is no filter. A damaged SQLite file is never replaced
silently: a copy is kept next to it and `StoreError` says where.
"""

from __future__ import annotations

import filecmp
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from coach.engine.session import Session
from coach.models import Role, utcnow
from coach.store import schema as t
from coach.store.db import DB_NAME, StoreError, first_line, is_damage, open_engine, parse_url, safe_url
from coach.store.rooms import RoomsMixin

Feedback = Literal["up", "down"]
ANY: Any = object()  # no owner filter


@dataclass(frozen=True)
class SessionSummary:
    """One row of the session list."""

    id: str
    title: str
    statement: str
    status: str
    created: str
    updated: str
    owner: str | None = None
    room: str | None = None


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


_write_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _write_lock(path: Path | None) -> threading.Lock:
    """The one lock of this process for writing this SQLite file."""
    key = str(Path(path).resolve()) if path else ""
    with _locks_lock:
        return _write_locks.setdefault(key, threading.Lock())


def owned(column: Any, owner: Any, include_unowned: bool = False) -> Any:
    """The WHERE clause for `owner` (ANY: no filter); `include_unowned` adds rows saved before users
    existed."""
    if owner is ANY:
        return True
    clause = column == owner
    return or_(clause, column.is_(None)) if include_unowned else clause


class SessionStore(RoomsMixin):
    """Sessions, practice scores, users and rooms; safe to share across threads and processes."""

    def __init__(self, path: Path | str | None = None, *, url: str | None = None, busy_timeout: float = 10.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        if (path is None) == (url is None):
            raise ValueError("give a SQLite path or a database URL")
        if path is None:
            parsed = parse_url(url)  # type: ignore[arg-type]
            path = parsed.database if parsed.get_backend_name() == "sqlite" else None
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{self.path.resolve()}"
        assert url is not None  # given, or made from the path above
        self.url = url
        self.clock = clock
        try:
            self.engine = open_engine(url, busy_timeout)
        except (DBAPIError, sqlite3.DatabaseError, OSError) as err:
            if self.path is not None and is_damage(err):
                raise self._damaged(err) from None
            raise StoreError(f"The sessions database at {safe_url(url)} cannot be opened "
                             f"({first_line(err)}).") from None
        self.dialect = self.engine.dialect.name

    @classmethod
    def for_data_dir(cls, data_dir: Path | str, **kwargs: Any) -> SessionStore:
        """The SQLite store at `data_dir/sessions.db`."""
        return cls(Path(data_dir) / DB_NAME, **kwargs)

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> SessionStore:
        """The store these settings name: COACH_DATABASE_URL, else SQLite in the data dir."""
        from coach.store.db import database_url

        return cls(url=database_url(settings), **kwargs)

    def close(self) -> None:
        """Close pooled connections (PostgreSQL); the store can still be used after."""
        self.engine.dispose()

    # -- connections ------------------------------------------------------------------------------

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[Connection]:
        """A connection in one transaction (IMMEDIATE on SQLite for writes), with errors as StoreError."""
        # SQLite takes one writer at a time: threads of this process queue here, in order, rather than
        # spin in SQLite's busy handler (which, with many threads, starves some past the busy timeout).
        local = _write_lock(self.path) if write and self.dialect == "sqlite" else nullcontext()
        with local:
            try:
                conn = self.engine.connect()
                if write and self.dialect == "sqlite":
                    conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            except DBAPIError as err:
                raise self._error(err) from None
            try:
                with conn.begin():
                    yield conn
            except DBAPIError as err:
                raise self._error(err) from None
            except SQLAlchemyError as err:
                raise StoreError(f"The sessions database failed ({first_line(err)}); "
                                 "please try again.") from None
            finally:
                conn.close()

    def _error(self, err: DBAPIError) -> StoreError:
        if self.path is not None and is_damage(err):
            return self._damaged(err)
        return StoreError(f"The sessions database is busy or unavailable ({first_line(err)}); please try "
                          f"again.")

    def _damaged(self, err: Exception) -> StoreError:
        """Keep a copy of the damaged file and explain; the original is left where it is."""
        assert self.path is not None
        copy = keep_copy(self.path, self.clock)
        kept = f"a copy was kept at {copy}" if copy else "no copy could be made"
        return StoreError(
            f"The sessions database at {self.path} is damaged ({first_line(err)}); {kept}. "
            "Move the damaged file away (or start a fresh database) to go on.",
            damaged=True,
        )

    @classmethod
    def start_fresh(cls, path: Path | str, **kwargs: Any) -> tuple[SessionStore, Path | None]:
        """On the user's say-so after damage: keep a copy, remove the damaged file, open an empty store."""
        path = Path(path)
        clock = kwargs.get("clock", utcnow)
        copy = keep_copy(path, clock) if path.exists() else None
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        return cls(path, **kwargs), copy

    def _upsert(self, table: Any, values: dict[str, Any], keys: list[str], set_: Callable[..., dict]) -> Any:
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(table).values(**values)
        return stmt.on_conflict_do_update(index_elements=keys, set_=set_(stmt.excluded))

    # -- sessions ---------------------------------------------------------------------------------

    def save(self, session: Session, owner: str | None = None, room: str | None = None) -> None:
        """Upsert the whole session in one transaction; its owner and room, once set, are kept."""
        session.updated = self.clock()
        c = t.sessions.c
        values = {"id": session.id, "title": session.title, "statement": session.statement,
                  "status": session.status, "created": session.created.isoformat(),
                  "updated": session.updated.isoformat(), "json": session.model_dump_json(),
                  "owner": owner, "room": room}
        stmt = self._upsert(t.sessions, values, ["id"], lambda ex: {
            "title": ex.title, "statement": ex.statement, "status": ex.status, "updated": ex.updated,
            "json": ex.json, "owner": func.coalesce(c.owner, ex.owner),
            "room": func.coalesce(c.room, ex.room)})
        with self._db(write=True) as db:
            db.execute(stmt)

    def load(self, session_id: str, owner: Any = ANY, include_unowned: bool = False) -> Session | None:
        """The saved session, exactly as saved; None when there is none with this id for this owner."""
        c = t.sessions.c
        with self._db() as db:
            row = db.execute(select(c.json)
                             .where(c.id == session_id, owned(c.owner, owner, include_unowned))).first()
        if row is None:
            return None
        try:
            return Session.model_validate_json(row[0])
        except ValidationError:
            raise StoreError(f"The saved session {session_id} cannot be read; it is kept as it is.") from None

    def list(self, limit: int = 200, owner: Any = ANY, include_unowned: bool = False,
             search: str | None = None, room: str | None = None) -> list[SessionSummary]:
        """Saved sessions, most recently updated first; `search` matches the title, name or statement."""
        c = t.sessions.c
        query = select(func.coalesce(c.label, c.title), c.id, c.statement, c.status, c.created, c.updated,
                       c.owner, c.room).where(owned(c.owner, owner, include_unowned))
        if search and search.strip():
            words = search.strip().lower()
            query = query.where(or_(*(func.lower(col).contains(words, autoescape=True)
                                      for col in (c.title, c.statement, func.coalesce(c.label, "")))))
        if room is not None:
            query = query.where(c.room == room)
        with self._db() as db:
            rows = db.execute(query.order_by(c.updated.desc(), c.id).limit(limit)).all()
        return [SessionSummary(id=r[1], title=r[0], statement=r[2], status=r[3], created=r[4], updated=r[5],
                               owner=r[6], room=r[7]) for r in rows]

    def rename(self, session_id: str, title: str, owner: Any = ANY, include_unowned: bool = False) -> bool:
        """Give a session its own name in the list (an empty name restores the statement); True when
        renamed."""
        c = t.sessions.c
        name = " ".join(title.split())[:120] or None
        with self._db(write=True) as db:
            done = db.execute(update(t.sessions)
                              .where(c.id == session_id, owned(c.owner, owner, include_unowned))
                              .values(label=name))
            return done.rowcount > 0

    def delete(self, session_id: str, owner: Any = ANY, include_unowned: bool = False) -> bool:
        """Delete a session of this owner; True when there was one."""
        c = t.sessions.c
        with self._db(write=True) as db:
            done = db.execute(delete(t.sessions)
                              .where(c.id == session_id, owned(c.owner, owner, include_unowned)))
            return done.rowcount > 0

    def export_json(self, session_id: str, owner: Any = ANY, include_unowned: bool = False) -> str:
        """The saved session as indented JSON."""
        session = self.load(session_id, owner, include_unowned)
        if session is None:
            raise StoreError(f"There is no saved session {session_id}.")
        return session.model_dump_json(indent=2)

    def set_feedback(self, session_id: str, turn_index: int, feedback: Feedback | None,
                     reason: str | None = None, owner: Any = ANY, include_unowned: bool = False) -> Session:
        """Store thumbs (and an optional reason) on one coach turn, read-modify-write in one transaction."""
        c = t.sessions.c
        with self._db(write=True) as db:
            row = db.execute(select(c.json).where(c.id == session_id, owned(c.owner, owner, include_unowned))
                             .with_for_update()).first()
            if row is None:
                raise StoreError(f"There is no saved session {session_id}.")
            session = Session.model_validate_json(row[0])
            if not 0 <= turn_index < len(session.transcript) \
                    or session.transcript[turn_index].role is not Role.coach:
                raise StoreError("Feedback can only be given on a coach message.")
            turn = session.transcript[turn_index]
            turn.feedback = feedback
            if reason is not None or feedback != "down":
                turn.feedback_reason = (reason or "").strip()[:500] if feedback == "down" else ""
            db.execute(update(t.sessions).where(c.id == session_id).values(json=session.model_dump_json()))
        return session

    # -- practice ---------------------------------------------------------------------------------

    def record_drill(self, learner: str, correct: bool, expected: set[str], picked: set[str],
                     room: str | None = None) -> None:
        """Count one drill (and, in a room, count it for the room too): per trap, an attempt when expected or
        picked, a miss when expected but not picked, a false alarm when picked but not expected."""
        stmts = [self._upsert(t.practice_totals, {"learner": learner, "drills": 1, "correct": int(correct)},
                              ["learner"], lambda ex: {"drills": t.practice_totals.c.drills + 1,
                                                       "correct": t.practice_totals.c.correct + ex.correct})]
        if room:
            stmts.append(self._upsert(t.room_practice, {"room": room, "learner": learner, "drills": 1,
                                                        "correct": int(correct)}, ["room", "learner"],
                                      lambda ex: {"drills": t.room_practice.c.drills + 1,
                                                  "correct": t.room_practice.c.correct + ex.correct}))
        for trap in sorted(expected | picked):
            counts = {"attempts": 1, "misses": int(trap in expected - picked),
                      "false_alarms": int(trap in picked - expected)}
            for table, keys in ((t.practice_traps, {"learner": learner}),
                                (t.room_traps, {"room": room, "learner": learner})):
                if table is t.room_traps and not room:
                    continue
                stmts.append(self._upsert(table, keys | {"trap": trap} | counts, [*keys, "trap"],
                                          lambda ex, tb=table: {"attempts": tb.c.attempts + 1,
                                                                "misses": tb.c.misses + ex.misses,
                                                                "false_alarms": tb.c.false_alarms
                                                                + ex.false_alarms}))
        with self._db(write=True) as db:
            for stmt in stmts:
                db.execute(stmt)

    def practice_score(self, learner: str, room: str | None = None) -> PracticeScore:
        """A learner's totals and per-trap record, overall or in one room (zeros for a new learner)."""
        if room:
            totals, traps = t.room_practice, t.room_traps
            where_t = and_(totals.c.learner == learner, totals.c.room == room)
            where_p = and_(traps.c.learner == learner, traps.c.room == room)
        else:
            totals, traps = t.practice_totals, t.practice_traps
            where_t, where_p = totals.c.learner == learner, traps.c.learner == learner
        with self._db() as db:
            total = db.execute(select(totals.c.drills, totals.c.correct).where(where_t)).first()
            rows = db.execute(select(traps.c.trap, traps.c.attempts, traps.c.misses, traps.c.false_alarms)
                              .where(where_p).order_by(traps.c.trap)).all()
        drills, correct = tuple(total) if total else (0, 0)
        return PracticeScore(learner, drills, correct, [TrapScore(*r) for r in rows])
