"""AppTest tests of the Streamlit app: every page, a whole coaching dialogue, resume, and what must never
break."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from coach.engine.protocol import Coach
from coach.store import DB_NAME, SessionStore
from coach.ui.view import BUTTON_LABELS_WRAP, GENERIC_ERROR
from tests.apptools import PAGE, app, click, goto, ok

REPO = Path(__file__).resolve().parent.parent


def shown(at: AppTest) -> str:
    """All markdown and text on the page, with markdown escapes removed."""
    parts = [m.value for m in at.markdown] + [t.value for t in at.text]
    return "\n".join(parts).replace("\\", "")


def persona_case(case_id: str) -> dict:
    cases = yaml.safe_load((REPO / "evals/cases/tidy/dialogue.yaml").read_text(encoding="utf-8"))
    return next(c for c in cases if c["id"] == case_id)


def coach_to_card(at: AppTest, data_dir: Path, case: dict) -> str:
    """Type the case's statement and answer every question from its persona until the card is done."""
    ok(at.chat_input[0].set_value(case["statement"]).run())
    session_id = at.query_params["session"]
    store = SessionStore.for_data_dir(data_dir)
    for _ in range(16):
        session = store.load(session_id)
        if session.status == "done":
            break
        ok(at.chat_input[0].set_value(case["persona"].get(session.pending.value, "not sure")).run())
    return session_id


# --- every page renders ------------------------------------------------------------------


@pytest.mark.parametrize("title", list(PAGE))
def test_every_page_renders(app_data_dir: Path, title: str) -> None:
    at = ok(app().run())
    goto(at, title)
    assert at.title[0].value == title
    assert any("offline engine" in c.value for c in at.sidebar.caption)


def test_sidebar_names_the_engine_but_never_the_key(app_data_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_ENGINE", "llm")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret")
    at = goto(ok(app().run()), "Sessions")
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "LLM engine" in sidebar
    assert "sk-test-very-secret" not in sidebar + shown(at)


# --- coach ---------------------------------------------------------------------------------


def test_coaching_dialogue_to_a_finished_card(app_library_dir: Path) -> None:
    case = persona_case("android-app")
    at = app().run()
    session_id = coach_to_card(at, app_library_dir, case)
    session = SessionStore.for_data_dir(app_library_dir).load(session_id)
    assert session.status == "done" and session.card is not None

    assert "Outcome card" in [s.value for s in at.subheader]
    assert len(at.chat_message) == len(session.transcript)
    assert at.chat_message[0].markdown[0].value.replace("\\", "") == case["statement"]
    assert session.card.product_outcome in shown(at)
    dots = [g.proto.spec for g in at.get("graphviz_chart")]
    assert len(dots) == 2
    assert any("Output: Our goal" in d for d in dots)
    assert any("Outcome:" in d for d in dots)
    assert [b.label for b in at.download_button] == ["Download Markdown", "Download JSON"]
    why = [e for e in at.expander if e.label == "Why I'm asking"]
    assert why and any(t.value for e in why for t in e.text)  # the cited passage, as plain text
    assert set(session.card.sources) & set(case["sources_any"])


def test_first_turn_searches_the_library_and_thumbs_are_stored(app_library_dir: Path) -> None:
    at = ok(app().run())
    ok(at.chat_input[0].set_value("Publish 50 help articles this quarter").run())
    assert at.status and at.status[0].label.startswith("Library searched")
    session_id = at.query_params["session"]
    ok(at.feedback[0].set_value(0).run())
    ok(at.text_input(key=f"fb-{session_id}-1-why").set_value("too vague").run())
    turn = SessionStore.for_data_dir(app_library_dir).load(session_id).transcript[1]
    assert (turn.feedback, turn.feedback_reason) == ("down", "too vague")
    ok(at.feedback[0].set_value(1).run())
    assert SessionStore.for_data_dir(app_library_dir).load(session_id).transcript[1].feedback == "up"


def test_a_new_run_with_the_session_in_the_url_resumes_exactly(app_library_dir: Path) -> None:
    first = app().run()
    ok(first.chat_input[0].set_value("Our goal this quarter is to deliver an Android app.").run())
    ok(first.chat_input[0].set_value("More of our customers could use us on the go").run())
    session_id = first.query_params["session"]
    before = [m.markdown[0].value for m in first.chat_message]

    resumed = ok(app(session=session_id).run())  # as after a refresh or a server restart
    assert [m.markdown[0].value for m in resumed.chat_message] == before
    ok(resumed.chat_input[0].set_value("People open it every week").run())
    assert len(resumed.chat_message) == len(before) + 2
    assert len(SessionStore.for_data_dir(app_library_dir).load(session_id).transcript) == len(before) + 2


def test_draft_now_and_start_over(app_library_dir: Path) -> None:
    at = ok(app().run())
    ok(at.chat_input[0].set_value("Launch dark mode in the mobile app").run())
    session_id = at.query_params["session"]
    ok(click(at, "Draft the card now"))
    session = SessionStore.for_data_dir(app_library_dir).load(session_id)
    assert session.status == "done" and session.card.assumed_slots
    assert "Outcome card" in [s.value for s in at.subheader]
    assert at.button[0].disabled  # nothing left to draft
    ok(click(at, "Start over"))
    assert "session" not in at.query_params and not at.chat_message
    assert SessionStore.for_data_dir(app_library_dir).load(session_id) is not None  # kept in Sessions


def test_user_text_is_shown_as_typed_never_as_markup(app_library_dir: Path) -> None:
    nasty = 'Ship <script>alert(1)</script> [click](http://evil.example) $x$ **now**'
    at = ok(app().run())
    ok(at.chat_input[0].set_value(nasty).run())
    source = at.chat_message[0].markdown[0].value
    assert "[click](" not in source and "<script>" not in source and "**now**" not in source
    assert source.replace("\\", "") == nasty
    assert all(h.proto.body == BUTTON_LABELS_WRAP for h in at.get("html"))  # only the static button style


def test_an_unknown_session_in_the_url_is_a_message(app_data_dir: Path) -> None:
    at = ok(app(session="nope").run())
    assert any("no saved session" in w.value for w in at.warning)
    assert "session" not in at.query_params


def test_an_unexpected_error_shows_a_short_message_and_keeps_the_session(
        app_library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = ok(app().run())
    ok(at.chat_input[0].set_value("Run five customer webinars this quarter.").run())
    session_id = at.query_params["session"]
    saved = SessionStore.for_data_dir(app_library_dir).load(session_id)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr("coach.ui.services.make_coach", broken)
    at.chat_input[0].set_value("They learn the workflow").run()
    assert not at.exception
    assert GENERIC_ERROR in [e.value for e in at.error]
    assert "boom" not in shown(at) + " ".join(e.value for e in at.error)
    assert SessionStore.for_data_dir(app_library_dir).load(session_id) == saved


def test_a_damaged_sessions_file_is_reported_not_replaced(app_data_dir: Path) -> None:
    app_data_dir.mkdir(parents=True)
    (app_data_dir / DB_NAME).write_bytes(b"not a database" * 100)
    at = ok(app().run())
    assert any("damaged" in e.value for e in at.error)
    assert (app_data_dir / DB_NAME).read_bytes() == b"not a database" * 100
    assert list(app_data_dir.glob(f"{DB_NAME}.corrupt-*"))
    ok(at.button[0].click().run())  # start a fresh database, on request
    assert not any("damaged" in e.value for e in at.error)


# --- library -------------------------------------------------------------------------------


def test_the_library_answers_with_citations(app_library_dir: Path) -> None:
    at = goto(ok(app().run()), "Ask the library")
    at.text_input[0].set_value("Is NPS enough as a metric?")
    ok(at.button[0].click().run())
    assert "NPS" in shown(at)
    labels = [e.label.replace("\\", "") for e in at.expander if "(" in e.label]
    assert any("sentiment-pairing" in label for label in labels)


def test_the_guided_path_checks_answers_at_once(app_data_dir: Path) -> None:
    at = goto(ok(app().run()), "Ask the library")
    assert at.subheader[0].value.startswith("1. Output vs outcome")
    ok(at.radio[0].set_value(0).run())
    assert at.error and at.error[0].value.startswith("Not quite")
    ok(at.radio[0].set_value(1).run())
    assert at.success and at.success[0].value.startswith("Right")
    ok(click(at, "Next note"))
    assert at.subheader[0].value.startswith("2. The value ladder")


# --- practice ------------------------------------------------------------------------------


def test_practice_scores_and_names_the_traps_you_keep_missing(app_data_dir: Path) -> None:
    from coach.ui.drills import load_drills, order_for

    at = goto(ok(app().run()), "Practice")
    ok(at.text_input(key="learner").set_value("Ana").run())
    drills = order_for("Ana", load_drills())
    right, trapped = drills[0], [d for d in drills if d.traps]

    def answer(kind: object, traps: list[object]) -> None:
        at.radio[0].set_value(kind)
        ok(at.multiselect[0].set_value(traps).run())  # the Check button waits for a kind
        ok(click(at, "Check"))

    answer(right.kind, sorted(right.traps))
    assert at.success and at.success[0].value.startswith("Right")
    assert any("coach's reading" in m.value for m in at.markdown)
    for _ in range(2):  # now miss every trap, twice
        ok(click(at, "Next statement"))
        pos = at.session_state["drill-pos-Ana"]
        drill = drills[pos]
        answer(drill.kind, [])
        if drill.traps:
            assert at.error and "Missed" in at.error[0].value
    score = SessionStore.for_data_dir(app_data_dir).practice_score("Ana")
    assert score.drills == 3 and score.correct >= 1
    assert at.metric[0].value == "3"
    if score.keeps_missing():
        assert any("Traps you keep missing" in m.value for m in at.markdown)
    assert trapped  # the dev split has trapped statements to practise on


# --- workshop ------------------------------------------------------------------------------


def test_workshop_reviews_a_pasted_list_despite_bad_rows(app_data_dir: Path) -> None:
    at = goto(ok(app().run()), "Workshop")
    too_long = "Grow " + "very " * 500 + "much"
    at.text_area[0].set_value(f"Deliver an Android app\n\n- Increase NPS to 50\n{too_long}\n!!!\nGrow ARR by "
                              f"20%")
    ok(click(at, "Review the list"))
    frame = at.dataframe[0].value
    assert list(frame["statement"]) == ["Deliver an Android app", "Increase NPS to 50", "Grow ARR by 20%"]
    assert list(frame["kind"]) == ["output", "product_outcome", "business_outcome"]
    assert all(frame["question"].str.len() > 10) and all(frame["draft"].str.len() > 10)
    assert any("Skipped 1 empty line" in w.value for w in at.warning)
    assert "Line 4: The statement is too long" in shown(at) and "Line 5: " in shown(at)
    assert [b.label for b in at.download_button] == ["Download CSV", "Download Markdown"]


def test_workshop_reads_an_uploaded_latin1_csv(app_data_dir: Path) -> None:
    at = goto(ok(app().run()), "Workshop")
    data = "ID;Feature;Owner\n1;Lancer l'appli Android pour les équipes;Zoé\n2;;x\n3;Grow ARR by 20%;Bo\n"
    at.file_uploader[0].set_value(("backlog.csv", data.encode("latin-1"), "text/csv"))
    ok(at.run())
    ok(click(at, "Review the file"))
    frame = at.dataframe[0].value
    assert list(frame["statement"]) == ["Lancer l'appli Android pour les équipes", "Grow ARR by 20%"]
    assert list(frame["line"]) == ["2", "4"]
    warnings = " ".join(w.value for w in at.warning)
    assert "Latin-1" in warnings and "Skipped 1 empty row" in warnings


# --- sessions ------------------------------------------------------------------------------


def test_sessions_page_resumes_exports_and_deletes_with_a_confirm(app_data_dir: Path) -> None:
    store = SessionStore.for_data_dir(app_data_dir)
    coach = Coach()
    keep, drop = coach.start("Grow ARR by 20%"), coach.start("Launch dark mode in the mobile app")
    coach.finish(keep)
    store.save(keep)
    store.save(drop)

    at = goto(ok(app().run()), "Sessions")
    assert len(at.download_button) == 4
    ok(at.button(key=f"delete-{drop.id}").click().run())
    assert any("for good" in w.value for w in at.warning)
    ok(at.button(key=f"no-{drop.id}").click().run())
    assert store.load(drop.id) is not None
    ok(at.button(key=f"delete-{drop.id}").click().run())
    ok(at.button(key=f"yes-{drop.id}").click().run())
    assert store.load(drop.id) is None and store.load(keep.id) is not None

    ok(at.button(key=f"resume-{keep.id}").click().run())
    assert at.query_params.get("session") == keep.id
    assert at.title[0].value == "Coach" and "Outcome card" in [s.value for s in at.subheader]


# --- undo, card edits, long pastes (issue: a coach that listens) --------------------------


def test_undo_takes_back_the_last_answer(app_library_dir: Path) -> None:
    at = ok(app().run())
    ok(at.chat_input[0].set_value("Deliver an Android app").run())
    session_id = at.query_params["session"]
    store = SessionStore.for_data_dir(app_library_dir)
    ok(at.chat_input[0].set_value("field reps could check accounts between visits").run())
    before = store.load(session_id)
    assert len(before.transcript) == 4
    ok(click(at, "Undo my last answer"))
    after = store.load(session_id)
    assert len(after.transcript) == 2 and after.slots == {} and after.pending == before.transcript[1].slot
    assert "field reps could check accounts" not in shown(at)


def test_every_card_field_can_be_edited_and_the_checks_rerun(app_library_dir: Path) -> None:
    at = ok(app().run())
    ok(at.chat_input[0].set_value("Deliver an Android app").run())
    ok(at.chat_input[0].set_value("just give me a draft").run())
    session_id = at.query_params["session"]
    store = SessionStore.for_data_dir(app_library_dir)
    assert store.load(session_id).status == "done"
    labels = {t.label for t in at.text_area}
    assert {"Product outcome", "Who", "Behaviour", "Metric", "Baseline", "Target", "Guardrail"} <= labels
    next(t for t in at.text_area if t.label == "Guardrail").set_value("refund rate stays under 2%")
    next(t for t in at.text_area if t.label == "Baseline").set_value("18%")
    ok(at.button(key="FormSubmitter:edit-" + session_id + "-Save changes").click().run())
    card = store.load(session_id).card
    assert card.guardrail == "refund rate stays under 2%" and card.metric.baseline == "18%"
    assert any("Card updated" in s.value for s in at.success)


def test_a_paste_over_the_limit_gets_a_notice_and_is_not_lost(app_library_dir: Path) -> None:
    at = ok(app().run())
    long = "Deliver an Android app " * 120
    ok(at.chat_input[0].set_value(long).run())
    assert any("the limit is 2,000" in w.value for w in at.warning)
    assert at.code and at.code[0].value == long
    assert "session" not in at.query_params
