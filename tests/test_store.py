"""Tests of coach.store: exact resume, feedback, practice scores, concurrency and a damaged file."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from coach.engine.protocol import Coach
from coach.engine.session import Session
from coach.models import Role
from coach.store import DB_NAME, SessionStore, StoreError

FIXED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _talk(coach: Coach, session: Session, answers: list[str]) -> None:
    for answer in answers:
        coach.reply(session, answer)


def _texts(session: Session) -> list[tuple[str, str, str | None]]:
    return [(t.role.value, t.text, t.slot.value if t.slot else None) for t in session.transcript]


def test_round_trip_resumes_exactly(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    coach = Coach()
    session = coach.start("Deliver an Android app by the end of Q2.")
    _talk(coach, session, ["More of our customers could use us on the go", "People open it every week"])
    store.save(session)

    loaded = store.load(session.id)
    assert loaded is not None
    assert loaded == session
    assert loaded.model_dump_json() == session.model_dump_json()

    # Both copies continue the same way: nothing the protocol needs was lost.
    answers = ["customers who mostly use their phone",
               "they check their dashboards from their phone each week"]
    _talk(coach, session, answers)
    _talk(coach, loaded, answers)
    assert _texts(loaded) == _texts(session)
    assert loaded.slots == session.slots and loaded.pending == session.pending


def test_list_delete_and_export(tmp_path: Path) -> None:
    times = iter([datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 1, 2, tzinfo=timezone.utc)])
    store = SessionStore(tmp_path / DB_NAME, clock=lambda: next(times))
    first, second = Coach().start("Launch dark mode"), Coach().start("Grow ARR by 20%")
    store.save(first)
    store.save(second)
    assert [s.id for s in store.list()] == [second.id, first.id]
    assert store.list()[0].status == "active" and store.list()[0].title == second.title
    assert Session.model_validate_json(store.export_json(first.id)) == first
    assert store.delete(first.id) is True
    assert store.delete(first.id) is False
    assert store.load(first.id) is None
    with pytest.raises(StoreError):
        store.export_json(first.id)


def test_feedback_is_stored_on_the_turn(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    session = Coach().start("Publish 50 help articles")
    store.save(session)
    coach_index = next(i for i, t in enumerate(session.transcript) if t.role is Role.coach)

    store.set_feedback(session.id, coach_index, "down", "too long")
    turn = store.load(session.id).transcript[coach_index]
    assert (turn.feedback, turn.feedback_reason) == ("down", "too long")
    store.set_feedback(session.id, coach_index, "down")  # a second click keeps the reason
    assert store.load(session.id).transcript[coach_index].feedback_reason == "too long"
    store.set_feedback(session.id, coach_index, "up")
    turn = store.load(session.id).transcript[coach_index]
    assert (turn.feedback, turn.feedback_reason) == ("up", "")
    with pytest.raises(StoreError):
        store.set_feedback(session.id, 0, "up")  # the user's own message


def test_practice_scores_and_traps_kept_missing(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    assert store.practice_score("ana").drills == 0
    store.record_drill("ana", False, {"wrong_moment"}, set())
    store.record_drill("ana", False, {"wrong_moment", "no_guardrail"}, {"no_guardrail", "vanity_metric"})
    store.record_drill("ana", True, set(), set())
    store.record_drill("ben", True, {"wrong_moment"}, {"wrong_moment"})
    score = store.practice_score("ana")
    assert (score.drills, score.correct) == (3, 1)
    by_trap = {t.trap: t for t in score.traps}
    assert (by_trap["wrong_moment"].attempts, by_trap["wrong_moment"].misses) == (2, 2)
    assert by_trap["vanity_metric"].false_alarms == 1 and by_trap["no_guardrail"].misses == 0
    assert [t.trap for t in score.keeps_missing()] == ["wrong_moment"]
    assert store.practice_score("ben").keeps_missing() == []


def test_concurrent_writers_from_threads(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    shared = Coach().start("Run five customer webinars this quarter.")
    store.save(shared)
    errors: list[BaseException] = []
    ids: list[str] = []

    def worker(n: int) -> None:
        try:
            own_store = SessionStore.for_data_dir(tmp_path)  # as another app session would
            coach = Coach()
            session = coach.start(f"Integrate with tool number {n}")
            ids.append(session.id)
            for answer in ["teams can sync their deals", "they sync deals every week", "sales teams"]:
                coach.reply(session, answer)
                own_store.save(session)
            store.set_feedback(shared.id, 1, "up" if n % 2 else "down", f"from {n}")
            store.record_drill("team", n % 2 == 0, {"wrong_moment"}, set())
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {s.id for s in store.list()} == set(ids) | {shared.id}
    for session_id in ids:
        assert len(store.load(session_id).transcript) == 8
    assert store.practice_score("team").drills == 12
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_damaged_file_is_kept_and_reported(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    garbage = b"this is not sqlite at all\x00" * 200
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as caught:
        SessionStore(path, clock=lambda: FIXED)
    copy = tmp_path / f"{DB_NAME}.corrupt-20250102T030405Z"
    assert str(path) in str(caught.value) and str(copy) in str(caught.value)
    assert copy.read_bytes() == garbage
    assert path.read_bytes() == garbage  # never replaced silently

    with pytest.raises(StoreError):  # trying again keeps no second copy of the same damage
        SessionStore(path, clock=lambda: FIXED)
    assert len(list(tmp_path.glob("*.corrupt-*"))) == 1
    path.write_bytes(garbage + b"more")  # other damage: another copy, the first is not overwritten
    with pytest.raises(StoreError):
        SessionStore(path, clock=lambda: FIXED)
    assert (tmp_path / f"{DB_NAME}.corrupt-20250102T030405Z-2").read_bytes() == garbage + b"more"
    assert copy.read_bytes() == garbage


def test_start_fresh_after_damage(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    store.save(Coach().start("Launch dark mode"))
    store.path.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StoreError) as caught:
        store.list()
    assert caught.value.damaged
    fresh, kept = SessionStore.start_fresh(store.path)
    assert kept is not None and kept.read_bytes().startswith(b"\x00garbage")
    assert fresh.list() == []


def test_an_unreadable_row_is_an_error_not_a_loss(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    session = Coach().start("Launch dark mode")
    store.save(session)
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE sessions SET json = '{broken' WHERE id = ?", (session.id,))
    with pytest.raises(StoreError, match=session.id):
        store.load(session.id)
    assert [s.id for s in store.list()] == [session.id]
