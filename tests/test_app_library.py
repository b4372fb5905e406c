"""AppTest of the "Ask the library" conversation: history, follow-ups, "not covered", and citations that open
notes."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from coach.knowledge.ask import NOT_COVERED
from tests.apptools import app, goto, ok


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts).replace("\\", "")


def ask(at: AppTest, question: str) -> AppTest:
    field = next(t for t in at.text_input if t.label == "Your question")
    field.set_value(question)
    return ok(next(b for b in at.button if b.label == "Ask").click().run())


def button(at: AppTest, starts: str):
    return next(b for b in at.button if b.label.replace("\\", "").startswith(starts))


def test_the_conversation_keeps_every_answer_and_reads_a_follow_up(app_library_dir: Path) -> None:
    at = goto(ok(app().run()), "Ask the library")
    ask(at, "How many outcomes should a team have per quarter?")
    ask(at, "and for a B2B team?")
    history = at.session_state["library_history"]
    assert [t["question"] for t in history] == ["How many outcomes should a team have per quarter?",
                                                "and for a B2B team?"]
    users = [m.markdown[0].value.replace("\\", "") for m in at.chat_message if m.name == "user"]
    assert users == ["How many outcomes should a team have per quarter?", "and for a B2B team?"]
    text = shown(at)
    assert "Read as a follow-up to: How many outcomes should a team have per quarter?" in text
    # both answers stay on the page
    assert text.count("A product team should work on one outcome at a time") == 2
    assert history[1]["answer"].follow_up_of == history[0]["question"]
    # A question that stands on its own starts afresh, even inside the conversation.
    ask(at, "What is a vanity metric?")
    assert at.session_state["library_history"][2]["answer"].follow_up_of == ""
    ok(button(at, "Start a new conversation").click().run())
    assert at.session_state["library_history"] == [] and not [m for m in at.chat_message]


def test_a_citation_opens_the_note_it_cites(app_library_dir: Path) -> None:
    at = goto(ok(app().run()), "Ask the library")
    ask(at, "Is NPS a good key result?")
    # the citation, tagged in the answer
    assert "`sentiment-pairing`" in "\n".join(m.value for m in at.markdown)
    ok(button(at, "Sentiment metrics").click().run())
    assert at.subheader[0].value.startswith("Sentiment metrics (NPS, CSAT, satisfaction)")
    assert "The Meta lesson: engagement at all costs" in shown(at)  # the whole note, not the passage
    assert at.query_params["note"] == ["sentiment-pairing"] or at.query_params["note"] == "sentiment-pairing"
    assert len(at.session_state["library_history"]) == 1  # opening a note keeps the conversation
    ok(button(at, "Close the note").click().run())
    assert "The Meta lesson: engagement at all costs" not in shown(at)


def test_a_question_the_library_does_not_cover_says_so_and_offers_the_nearest_notes(
        app_library_dir: Path) -> None:
    at = goto(ok(app().run()), "Ask the library")
    ask(at, "How do I set up a Jira board?")
    assert NOT_COVERED in shown(at) and "Nearest notes" in shown(at)
    nearest = at.session_state["library_history"][0]["answer"].nearest
    ok(button(at, nearest[0].title).click().run())
    assert at.subheader[0].value == nearest[0].title


def test_a_note_named_in_the_url_opens_on_load(app_library_dir: Path) -> None:
    at = ok(app(note="guardrails").run())
    at = goto(at, "Ask the library")
    assert any(s.value.startswith("Guardrails and counter-metrics") for s in at.subheader)
    at = goto(ok(app(note="no-such-note").run()), "Ask the library")
    assert any("no note called" in i.value for i in at.info)
