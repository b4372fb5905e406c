"""The app with users: private Sessions (search, rename), the Rooms page and the facilitator's live view."""

from __future__ import annotations

from pathlib import Path

from apptools import app, click, goto, ok
from streamlit.testing.v1 import AppTest

from coach.engine.protocol import Coach
from coach.store import SessionStore


def _field(at: AppTest, label: str):
    return next(t for t in at.text_input if t.label == label)


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "info", "success", "warning", "error")
                    for e in getattr(at, kind))


def test_a_chosen_name_is_remembered_and_sessions_stay_private(app_data_dir: Path) -> None:
    store = SessionStore.for_data_dir(app_data_dir)
    coach = Coach()
    mine, theirs, old = coach.start("Deliver an Android app"), coach.start("Grow ARR by 20%"), \
        coach.start("Launch dark mode")
    store.save(mine, owner="Ana")
    store.save(theirs, owner="Ben")
    store.save(old)  # saved before users existed: "this computer" keeps it

    at = goto(ok(app(user="Ana").run()), "Sessions")
    assert {b.key for b in at.button if b.key and b.key.startswith("resume-")} == {f"resume-{mine.id}"}
    assert any("Working as **Ana**" in c.value for c in at.sidebar.caption)
    local = goto(ok(app().run()), "Sessions")
    assert {b.key for b in local.button if b.key and b.key.startswith("resume-")} == {f"resume-{old.id}"}

    # Ben cannot open Ana's session by its URL either
    ben = ok(app(user="Ben", session=mine.id).run())
    assert any("no saved session" in w.value for w in ben.warning)
    assert "session" not in ben.query_params

    # the sidebar picks a name for this tab and keeps it in the URL
    fresh = ok(app().run())
    ok(next(t for t in fresh.sidebar.text_input if t.label == "Name").set_value("Cleo").run())
    assert fresh.query_params["user"] == "Cleo" and fresh.session_state["coach_user"] == "Cleo"
    goto(fresh, "Sessions")
    assert any("No saved sessions yet" in i.value for i in fresh.info)


def test_sessions_search_and_rename(app_data_dir: Path) -> None:
    store = SessionStore.for_data_dir(app_data_dir)
    coach = Coach()
    first, second = coach.start("Deliver an Android app"), coach.start("Increase NPS to 50")
    store.save(first, owner="Ana")
    store.save(second, owner="Ana")
    at = goto(ok(app(user="Ana").run()), "Sessions")
    ok(at.text_input(key="session-search").set_value("android").run())
    assert [b.key for b in at.button if b.key and b.key.startswith("resume-")] == [f"resume-{first.id}"]
    ok(at.button(key=f"rename-btn-{first.id}").click().run())
    at.text_input(key=f"rename-{first.id}").set_value("Mobile bet for Q3")
    ok(click(at, "Save name"))
    assert store.list(owner="Ana", search="mobile bet")[0].id == first.id
    ok(at.text_input(key="session-search").set_value("mobile bet").run())
    assert any("Mobile bet for Q3" in m.value for m in at.markdown)
    ok(at.text_input(key="session-search").set_value("nothing like this").run())
    assert any("No session matches" in i.value for i in at.info)


def test_a_room_from_opening_to_the_facilitators_view(app_library_dir: Path) -> None:
    store = SessionStore.for_data_dir(app_library_dir)
    fay = goto(ok(app(user="Fay").run()), "Rooms")
    _field(fay, "Room name").set_value("Berlin PMs")
    ok(click(fay, "Open a room"))
    room = store.rooms_of("Fay")[0]
    assert room.name == "Berlin PMs" and any(room.code in m.value for m in fay.markdown)

    ana = goto(ok(app(user="Ana").run()), "Rooms")
    _field(ana, "Room code").set_value(room.code.lower())
    ok(click(ana, "Join"))
    assert store.current_room("Ana").code == room.code
    assert any(room.code in s.value for s in ana.success)
    goto(ana, "Practice")
    assert any(f"in room {room.code}" in c.value for c in ana.caption)
    from coach.ui.drills import load_drills, order_for

    drill = next(d for d in order_for("Ana", load_drills()) if d.traps)
    while ana.session_state["drill-pos-Ana"] != order_for("Ana", load_drills()).index(drill):
        ok(click(ana, "Next statement"))
    ana.radio[0].set_value(drill.kind)
    ok(ana.multiselect[0].set_value([]).run())
    ok(click(ana, "Check"))
    goto(ana, "Coach")
    ok(ana.chat_input[0].set_value("Deliver an Android app").run())
    session_id = ana.query_params["session"]
    assert store.list(owner="Ana", room=room.code)[0].id == session_id

    ok(fay.run())  # the facilitator's view, redrawn
    table = fay.table[0].value
    assert list(table["trainee"]) == ["Ana"] and list(table["drills"]) == [1] \
            and list(table["sessions"]) == [1]
    worst = sorted(drill.traps)[0].value.replace("_", " ")
    assert any(m.value.startswith("**Most missed trap:") for m in fay.markdown)
    assert worst in _texts(fay) or any(worst in str(v) for v in fay.table[1].value["trap"])
    assert [b.label for b in fay.download_button][-2:] == ["Export Markdown", "Export CSV"]

    # a trainee sees no facilitator view of someone else's room
    assert not [b for b in ana.button if b.label == "Close this room to new trainees"]


def test_a_wrong_database_url_is_one_line_on_every_page(app_data_dir: Path, monkeypatch) -> None:
    from apptools import PAGE

    monkeypatch.setenv("COACH_DATABASE_URL", "postgresql://coach:pw@127.0.0.1:1/coach")
    at = ok(app().run())
    for title in PAGE:
        if title in ("Ask the library", "Workshop"):
            continue  # these pages do not use the store
        goto(at, title)
        errors = [e.value for e in at.error]
        assert errors and all("\n" not in e and "pw@" not in e for e in errors), title
        assert any("cannot be reached" in e for e in errors), title


def test_with_sign_in_configured_nobody_works_unsigned(app_data_dir: Path) -> None:
    store = SessionStore.for_data_dir(app_data_dir)
    session = Coach().start("Deliver an Android app")
    store.save(session)  # even "this computer"'s sessions are not shown to someone not signed in
    at = app(user="Ana", session=session.id)  # a chosen name counts for nothing once sign-in is configured
    at.secrets["auth"] = {"client_id": "x", "client_secret": "y", "redirect_uri": "http://localhost/cb",
                          "cookie_secret": "z", "server_metadata_url": "http://localhost/.well-known"}
    ok(at.run())
    assert [b.label for b in at.button if b.label == "Sign in"] and not at.chat_input
    for title in ("Sessions", "Practice", "Rooms"):
        goto(at, title)
        assert any(i.value.startswith("Sign in") for i in at.info), title
        assert not at.text_input and not [b for b in at.button if (b.key or "").startswith("resume-")], title
