"""Rooms in the store and the facilitator's report: scores, the most-missed trap, cards reached, exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from coach.engine.protocol import Coach
from coach.identity import LOCAL, from_claims, from_name, may_open_rooms
from coach.rooms import CODE_ALPHABET, normalize_code, report_csv, report_markdown
from coach.store import SessionStore, StoreError
from coach.textinput import InputError


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore.for_data_dir(tmp_path)


def test_codes_are_short_and_forgiving_to_type() -> None:
    assert normalize_code(" k7q-2mx ") == "K7Q2MX"
    assert normalize_code("K7Q2M") == "" and normalize_code("K7Q2M0") == ""  # too short; 0 is never used
    assert "0" not in CODE_ALPHABET and "O" not in CODE_ALPHABET and "1" not in CODE_ALPHABET


def test_a_room_report_shows_scores_the_most_missed_trap_and_cards(store: SessionStore) -> None:
    store.touch_user("ana", "Ana")
    store.touch_user("ben", "Ben")
    room = store.open_room("fay", "Berlin PMs")
    assert store.join_room(room.code.lower(), "ana").code == room.code
    store.join_room(room.code, "ben")
    store.record_drill("ana", False, {"wrong_moment"}, set(), room=room.code)
    store.record_drill("ana", True, {"vanity_metric"}, {"vanity_metric"}, room=room.code)
    store.record_drill("ben", False, {"wrong_moment", "no_guardrail"}, {"no_guardrail"}, room=room.code)
    store.record_drill("ben", False, {"sentiment_only"}, set())  # outside the room: not counted for it
    coach = Coach()
    done = coach.start("Deliver an Android app")
    coach.finish(done)
    store.save(done, owner="ana", room=room.code)
    store.save(coach.start("Grow ARR by 20%"), owner="ben", room=room.code)

    report = store.room_report(room.code)
    rows = {r.member: r for r in report.trainees}
    assert (rows["ana"].name, rows["ana"].drills, rows["ana"].correct) == ("Ana", 2, 1)
    assert (rows["ben"].drills, rows["ben"].correct, rows["ben"].score) == (1, 0, 0.0)
    assert rows["ana"].cards == [done.card.product_outcome] and rows["ben"].cards == []
    assert rows["ben"].sessions == 1
    worst = report.most_missed()
    assert (worst.trap, worst.attempts, worst.misses, worst.missed_by) == ("wrong_moment", 2, 2, 2)
    assert "sentiment_only" not in [t.trap for t in report.traps]
    # the personal score still counts everything
    assert store.practice_score("ben").drills == 2 and store.practice_score("ben", room=room.code).drills == 1

    markdown = report_markdown(report)
    assert f"# Room {room.code}: Berlin PMs" in markdown
    assert "| Ana | 2 | 50% | 1 |" in markdown and "wrong moment: missed 2 of 2" in markdown
    assert done.card.product_outcome in markdown
    table = list(csv.reader(io.StringIO(report_csv(report))))
    assert table[0][:5] == ["room", "trainee", "drills", "correct", "score"]
    assert [room.code, "Ana", "2", "1", "0.50", "1"] == table[1][:6]
    assert ["room", "trap", "attempts", "misses", "miss_rate", "missed_by"] in table
    assert [room.code, "wrong_moment", "2", "2", "1.00", "2"] in table


def test_joining_leaving_and_closing(store: SessionStore) -> None:
    room = store.open_room("fay", "")
    assert room.name == "Training room" and store.user_role("fay") is None  # never seen: no row to upgrade
    with pytest.raises(StoreError, match="no room with the code"):
        store.join_room("ZZZZZZ", "ana")
    store.join_room(room.code, "ana")
    assert store.current_room("ana") == room
    later = store.open_room("fay", "Second")
    store.join_room(later.code, "ana")
    assert store.current_room("ana").code == later.code  # the last joined is the current one
    store.leave_room(later.code, "ana")
    assert store.current_room("ana").code == room.code
    assert store.close_room(room.code, "ana") is False  # only its facilitator can close it
    assert store.close_room(room.code, "fay") is True
    assert store.current_room("ana") is None
    with pytest.raises(StoreError, match="closed"):
        store.join_room(room.code, "ben")
    assert [r.code for r in store.rooms_of("fay")] == sorted([room.code, later.code],
                                                             key=lambda c: c != later.code)


def test_opening_a_room_makes_a_known_user_a_facilitator(store: SessionStore) -> None:
    store.touch_user("fay", "Fay")
    assert store.user_role("fay") == "member"
    store.open_room("fay", "x")
    assert store.user_role("fay") == "facilitator"
    store.touch_user("fay", "Fay R.")  # seeing them again keeps the role
    assert store.user_role("fay") == "facilitator"


def test_users_from_names_and_sign_in_claims() -> None:
    assert from_name("  Ana   Lopez ").id == "Ana Lopez"
    for bad in ("", "   ", "local", "x\x00y", "n" * 61):
        with pytest.raises(InputError):
            from_name(bad)
    user = from_claims({"email": "Ana@Example.com", "name": "Ana", "sub": "123"})
    assert (user.id, user.name, user.via) == ("ana@example.com", "Ana", "oidc")
    assert from_claims({"sub": "42", "iss": "https://idp"}).id == "https://idp#42"
    assert from_claims({}) is None
    assert may_open_rooms(from_name("Fay"), "") and not may_open_rooms(LOCAL, "")
    assert may_open_rooms(user,
                          "ana@example.com, bo@x.org") and not may_open_rooms(from_name("Fay"), "bo@x.org")


def test_a_name_typed_as_a_formula_is_not_run_by_a_spreadsheet(store: SessionStore) -> None:
    store.touch_user("x", "=HYPERLINK(\"http://evil\")")
    room = store.open_room("fay", "r")
    store.join_room(room.code, "x")
    rows = list(csv.reader(io.StringIO(report_csv(store.room_report(room.code)))))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"
