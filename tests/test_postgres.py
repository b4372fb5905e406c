"""The shared store on a real PostgreSQL server started by the test suite (Debian's postgresql package).

Skipped, with the reason, where PostgreSQL cannot start (`make db-deps` installs it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from itertools import count

import pytest
from sqlalchemy import inspect

from coach.engine.protocol import Coach
from coach.servers import Postgres, postgres_unavailable, start_postgres
from coach.store import SessionStore, StoreError
from coach.store.db import current_revision
from coach.store.schema import HEAD, metadata

pytestmark = pytest.mark.skipif(postgres_unavailable() is not None, reason=str(postgres_unavailable()))
_names = count()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: Postgres) -> str:
    """A fresh, empty database on the shared server."""
    return postgres.database(f"t{next(_names)}")


def test_a_fresh_postgres_database_gets_the_whole_schema(pg_url: str) -> None:
    store = SessionStore(url=pg_url)
    assert store.path is None and current_revision(store.engine) == HEAD
    found = inspect(store.engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}
    store.close()


def test_sessions_resume_exactly_and_stay_private_on_postgres(pg_url: str) -> None:
    store = SessionStore(url=pg_url)
    coach = Coach()
    session = coach.start("Deliver an Android app by the end of Q2.")
    coach.reply(session, "More of our customers could use us on the go")
    store.save(session, owner="ana")
    other = SessionStore(url=pg_url)  # as a second app server would
    assert other.load(session.id, owner="ana").model_dump_json() == session.model_dump_json()
    assert other.load(session.id, owner="ben") is None and other.list(owner="ben") == []
    assert other.delete(session.id, owner="ben") is False
    store.set_feedback(session.id, 1, "down", "vague")
    assert other.load(session.id).transcript[1].feedback_reason == "vague"
    assert other.rename(session.id, "Mobile",
                        owner="ana") and store.list(owner="ana", search="mob")[0].title == "Mobile"
    store.close()
    other.close()


def test_many_writers_on_two_stores_lose_nothing(pg_url: str) -> None:
    stores = [SessionStore(url=pg_url), SessionStore(url=pg_url)]
    shared = Coach().start("Run five customer webinars this quarter.")
    stores[0].save(shared, owner="team")
    room = stores[0].open_room("fay", "load")
    errors: list[BaseException] = []
    ids: list[str] = []

    def worker(n: int) -> None:
        store = stores[n % 2]
        try:
            coach = Coach()
            session = coach.start(f"Integrate with tool number {n}")
            ids.append(session.id)
            store.join_room(room.code, f"u{n}")
            for answer in ["teams can sync their deals", "they sync deals every week", "sales teams"]:
                coach.reply(session, answer)
                store.save(session, owner=f"u{n}", room=room.code)
            store.set_feedback(shared.id, 1, "up" if n % 2 else "down", f"from {n}")
            store.record_drill(f"u{n}", n % 2 == 0, {"wrong_moment"}, set(), room=room.code)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for session_id in ids:
        saved = stores[1].load(session_id)
        assert len(saved.transcript) == 8
    report = stores[0].room_report(room.code)
    assert len(report.trainees) == 16 and sum(r.drills for r in report.trainees) == 16
    assert report.most_missed().misses == 16
    for store in stores:
        store.close()


def test_app_servers_starting_together_migrate_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            SessionStore(url=pg_url).close()
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_missing_database_is_one_clear_line(postgres: Postgres) -> None:
    with pytest.raises(StoreError) as caught:
        SessionStore(url=f"postgresql://coach@127.0.0.1:{postgres.port}/no_such_db")
    assert "no_such_db" in str(caught.value) and "\n" not in str(caught.value)
