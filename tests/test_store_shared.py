"""The shared store: migrations from the old single-file store, bad URLs, privacy, rename and search."""

from __future__ import annotations

import importlib.util
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from coach.engine.protocol import Coach
from coach.store import DB_NAME, SessionStore, StoreError, database_url
from coach.store.db import MIGRATIONS, current_revision, migrate
from coach.store.schema import HEAD, metadata

LEGACY = Path(__file__).resolve().parent / "data" / "legacy_store_v1.py"


def _legacy_module():
    """coach/store.py as it was before the shared store (kept verbatim in tests/data)."""
    spec = importlib.util.spec_from_file_location("legacy_store_v1", LEGACY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_head_is_the_newest_alembic_revision() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD]


def test_a_file_made_by_the_old_store_keeps_every_session_and_score(tmp_path: Path) -> None:
    legacy = _legacy_module()
    path = tmp_path / DB_NAME
    old = legacy.SessionStore(path)
    coach = Coach()
    sessions = [coach.start(s) for s in ("Deliver an Android app", "Grow ARR by 20%", "Increase NPS to 50")]
    coach.reply(sessions[0], "More of our customers could use us on the go")
    coach.finish(sessions[1])
    for session in sessions:
        old.save(session)
    old.set_feedback(sessions[0].id, 1, "down", "too vague")
    old.record_drill("ana", False, {"wrong_moment"}, set())
    old.record_drill("ana", True, set(), set())
    before = {s.id: old.load(s.id).model_dump_json() for s in sessions}
    with sqlite3.connect(path) as conn:
        assert "alembic_version" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}

    store = SessionStore(path)
    assert current_revision(store.engine) == HEAD
    assert {s.id for s in store.list()} == set(before)
    for session_id, dumped in before.items():
        assert store.load(session_id).model_dump_json() == dumped
    assert store.load(sessions[0].id).transcript[1].feedback_reason == "too vague"
    score = store.practice_score("ana")
    assert (score.drills, score.correct) == (2, 1) and score.traps[0].misses == 1
    # sessions from before users existed have no owner: a named user does not see them
    assert store.list(owner="ana") == [] and len(store.list(owner="local", include_unowned=True)) == 3
    # and the store keeps working on the migrated file
    coach.reply(sessions[0], "customers who mostly use their phone")
    store.save(sessions[0], owner="local")
    assert len(store.load(sessions[0].id).transcript) == len(sessions[0].transcript)
    assert migrate(store.engine) == "current"


def test_a_fresh_database_has_the_whole_schema(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    found = inspect(store.engine)
    for table in metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name
                                                                      for c in table.columns}, table.name


@pytest.mark.parametrize("url, words", [
    ("not a url at all", "not a database URL"),
    ("mysql://u:p@localhost/coach", "only sqlite and postgresql"),
    ("sqlite://", "names no SQLite file"),
])
def test_a_wrong_database_url_is_one_clear_line(url: str, words: str) -> None:
    with pytest.raises(StoreError) as caught:
        SessionStore(url=url)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    began = time.monotonic()
    with pytest.raises(StoreError) as caught:
        SessionStore(url=f"postgresql://coach:s3cret-pw@127.0.0.1:{port}/coach")
    message = str(caught.value)
    assert "cannot be reached" in message and f"127.0.0.1:{port}" in message
    assert "s3cret-pw" not in message and "\n" not in message
    assert time.monotonic() - began < 10


def test_settings_pick_sqlite_in_the_data_dir_or_the_url(tmp_path: Path) -> None:
    from coach.settings import Settings

    assert database_url(Settings(data_dir=tmp_path)) == f"sqlite:///{(tmp_path / DB_NAME).resolve()}"
    assert database_url(Settings(data_dir=tmp_path, database_url=" postgresql://h/db ")) == "postgresql://h/db"
    store = SessionStore.from_settings(Settings(data_dir=tmp_path))
    assert store.path == (tmp_path / DB_NAME).resolve()


def test_nobody_lists_opens_renames_or_deletes_anothers_session(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    coach = Coach()
    ana, ben = coach.start("Deliver an Android app"), coach.start("Grow ARR by 20%")
    store.save(ana, owner="ana")
    store.save(ben, owner="ben")
    store.save(ana, owner="ben")  # a later save never changes the owner
    assert [s.id for s in store.list(owner="ana")] == [ana.id]
    assert [s.id for s in store.list(owner="ben")] == [ben.id]
    assert store.load(ana.id, owner="ben") is None and store.load(ana.id, owner="ana") is not None
    assert store.delete(ana.id, owner="ben") is False and store.load(ana.id) is not None
    assert store.rename(ana.id, "stolen", owner="ben") is False
    with pytest.raises(StoreError):
        store.set_feedback(ana.id, 1, "up", owner="ben")
    with pytest.raises(StoreError):
        store.export_json(ana.id, owner="ben")
    assert store.delete(ana.id, owner="ana") is True and store.list(owner="ana") == []


def test_search_and_rename(tmp_path: Path) -> None:
    store = SessionStore.for_data_dir(tmp_path)
    coach = Coach()
    first, second = coach.start("Deliver an Android app"), coach.start("Increase NPS to 50")
    for session in (first, second):
        store.save(session, owner="ana")
    assert [s.id for s in store.list(owner="ana", search="android")] == [first.id]
    assert store.rename(second.id, "  Q3   satisfaction goal ", owner="ana")
    assert store.list(owner="ana", search="satisfaction")[0].title == "Q3 satisfaction goal"
    assert store.list(owner="ana", search="nps")[0].id == second.id  # the statement still matches
    store.save(second, owner="ana")  # saving a turn keeps the user's name for it
    assert store.list(owner="ana", search="Q3")[0].title == "Q3 satisfaction goal"
    assert store.rename(second.id, "", owner="ana")
    assert store.list(owner="ana", search="nps")[0].title == second.title
    assert store.list(owner="ana", search="%") == []  # a LIKE wildcard is matched as text


def test_two_stores_on_one_new_file_migrate_it_once(tmp_path: Path) -> None:
    import threading

    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            SessionStore(tmp_path / DB_NAME).list()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(f"sqlite:///{tmp_path / DB_NAME}")
    assert current_revision(engine) == HEAD
    engine.dispose()


def _cli(tmp_path: Path, *args: str, **env: str):
    import os
    import subprocess

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_", "CHROMA_"))}
    environ |= {"COACH_DATA_DIR": str(tmp_path / "data")} | env
    return subprocess.run([sys.executable, "-c", "from coach.cli import run; run()", *args],
                          capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_the_cli_says_where_the_store_is_or_one_line_why_not(tmp_path: Path) -> None:
    done = _cli(tmp_path, "db")
    assert done.returncode == 0 and f"schema {HEAD}, 0 sessions" in done.stdout
    for url in ("postgres//nope", "postgresql://coach:pw@127.0.0.1:1/coach"):
        done = _cli(tmp_path, "db", COACH_DATABASE_URL=url)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("coach: ") \
                and "Traceback" not in done.stderr
        assert "pw@" not in done.stderr
    done = _cli(tmp_path, "reframe", "Deliver an Android app", "--json", COACH_DATABASE_URL="mysql://x/y")
    assert done.returncode == 2 and "only sqlite and postgresql" in done.stderr and done.stdout == ""
