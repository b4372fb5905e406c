"""The Workshop coaches each row: the trap, the one question, a draft only where there is enough, duplicates.

Unit tests of `coach.engine.rowcoach` and the LLM row drafter (FakeChatModel), then the page itself
(AppTest) on a realistic 30-row backlog written for this test (tests/data/workshop_backlog.csv):
30 distinct rows, the duplicate flagged, and every "needs coaching" row opens in the Coach.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from coach.engine.classifier import classify
from coach.engine.rowcoach import advise, duplicates, is_thin, normalised
from coach.llm import FakeChatModel, ProviderError
from coach.settings import Settings
from coach.ui.backlog import Backlog, from_csv, review
from coach.ui.rowllm import llm_drafter
from tests.apptools import app, click, goto, ok

BACKLOG = Path(__file__).parent / "data" / "workshop_backlog.csv"


def _advice(statement: str):
    return advise(statement, classify(statement))


# --- the per-row rules -----------------------------------------------------------------------------


@pytest.mark.parametrize("statement,who", [
    ("Increase the share of new teams who invite a colleague in their first week from 20% to 30%",
     "new teams"),
    ("More shoppers reorder a saved basket within a month", "shoppers"),
    ("Patients book a follow-up appointment within 14 days of a visit", "patients"),
    ("More warehouse staff pick orders without a second scan", "warehouse staff"),
])
def test_a_row_naming_who_and_what_they_do_gets_a_draft_built_from_it(statement: str, who: str) -> None:
    advice = _advice(statement)
    assert advice.draft and not advice.needs_coaching
    assert advice.draft.startswith(f"More {who} ") and "without" in advice.draft
    assert advice.card is not None and advice.card.who == who and advice.card.guardrail
    assert advice.card.product_outcome == advice.draft


@pytest.mark.parametrize("statement", [
    "Build a partner portal",             # an output: the behaviour has to come from the team
    "Grow gross margin to 40%",           # a business result
    "Increase the number of blog posts",  # output in disguise: a draft would repeat the trap
    "Raise NPS to 45",                    # sentiment only
    "Reporting",                          # too thin
])
def test_a_row_without_enough_to_draft_from_needs_coaching(statement: str) -> None:
    advice = _advice(statement)
    assert advice.needs_coaching and advice.card is None and advice.reason
    assert advice.question.endswith("?")


def test_the_question_fits_the_trap_and_quotes_the_row() -> None:
    cases = {
        "Increase app installs": ("after the installs", "instead"),
        "Raise CSAT of the help centre to 4.6": ("CSAT", "doing differently"),
        "Maximise weekly sessions per player": ("must not get worse", "weekly sessions"),
        "Deliver a Salesforce connector": ("Once a Salesforce connector is live", "who will do what"),
        "Cut onboarding time, grow upsell and reduce refunds": ("Which one matters most", "grow upsell"),
        "Increase the number of invoices sent through the app": ("each of the invoices sent through the app",
                                                                 ),
        "Migrate to the new payments provider": ("Once the new payments provider is live",),
        "Grow Instagram followers to 50k": ("What action should the Instagram followers lead to",),
    }
    for statement, words in cases.items():
        question = _advice(statement).question
        assert all(w in question for w in words), (statement, question)


def test_a_sentiment_row_never_gets_the_same_score_as_its_guardrail() -> None:
    from coach.engine.rowcoach import guardrail_for

    assert "CSAT" not in guardrail_for("Raise CSAT to 4.5 among learners", "learners")
    assert "CSAT" in guardrail_for("More learners finish a course", "learners") or \
        "active a month later" in guardrail_for("More learners finish a course", "learners")


def test_thin_rows_are_recognised() -> None:
    assert is_thin("Q3 stuff") and is_thin("Search improvements") and is_thin("Reporting")
    assert not is_thin("Launch the Android app for learners")


def test_duplicates_by_normalised_text_and_by_embedding() -> None:
    assert normalised("- Launch the App!") == normalised("launch the app")
    texts = ["Launch the app", "Grow ARR", "launch the APP.", "Ship the app"]
    vectors = np.array([[1, 0], [0, 1], [1, 0], [0.96, 0.28]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = duplicates(texts, vectors)
    assert found[2] == (0, 1.0)
    assert found[3][0] == 0 and 0.8 <= found[3][1] < 1.0
    assert 1 not in found
    assert duplicates(texts, None) == {2: (0, 1.0)}  # without embeddings, exact repeats only


def test_minilm_flags_a_rewording_and_not_a_neighbour() -> None:
    rows = review(Backlog(statements=[(1, "Increase the number of reviews per course"),
                                      (2, "Raise NPS from 31 to 40"),
                                      (3, "More reviews per course"), (4, "Raise support CSAT to 4.5")]))
    assert rows[2].advice.duplicate_of == 1 and rows[2].advice.similarity < 1.0
    assert rows[3].advice.duplicate_of is None and rows[1].advice.duplicate_of is None


# --- the LLM drafter --------------------------------------------------------------------------------

LLM = Settings(engine="llm", base_url="http://127.0.0.1:9", _env_file=None)


def test_the_llm_drafter_uses_a_valid_model_draft_and_falls_back_per_row() -> None:
    good = {"enough": True, "who": "hosts", "behavior": "reply to guest messages within a day",
            "product_outcome": "More hosts reply to guest messages within a day of receiving them, without "
                               "the "
                               "share of guests who cancel rising."}
    pasted_trap = {"enough": True, "who": "hosts", "behavior": "write listings",
                   "product_outcome": "Increase the number of listings written by hosts."}
    invented = {"enough": True, "who": "investors", "behavior": "buy shares",
                "product_outcome": "More investors buy shares every month, without churn rising."}
    chat = FakeChatModel(good, pasted_trap, invented)
    drafter = llm_drafter(LLM, chat=chat)
    assert drafter is not None
    statements = ["More hosts reply to guest messages within a day",
                  "Increase the number of listings written by hosts",
                  "More hosts update their calendar every week"]
    rows = review(Backlog(statements=list(enumerate(statements, 1))), drafter=drafter)
    assert rows[0].advice.draft == good["product_outcome"] and rows[0].card.who == "hosts"
    # the model's draft kept the trap
    assert rows[1].advice.needs_coaching and "not used" in rows[1].advice.notice
    assert rows[2].advice.draft != invented["product_outcome"] and "not the row's" in rows[2].advice.notice
    assert rows[2].advice.draft.startswith("More hosts update their calendar every week")  # the offline draft
    assert len(chat.history) == 3 \
            and "More hosts reply to guest messages within a day" in chat.history[0][1][1]


def test_a_dead_provider_costs_one_call_and_every_row_keeps_its_offline_advice() -> None:
    chat = FakeChatModel(ProviderError("connection refused"))
    rows = review(Backlog(statements=[(1, "More hosts reply to guests within a day"),
                                      (2, "Launch a host app"),
                                      (3, "More guests leave a review after a stay")]),
                                      drafter=llm_drafter(LLM, chat=chat))
    assert len(chat.history) == 1  # the breaker opened after the first failure
    assert all(r.advice is not None and r.advice.notice for r in rows)
    assert rows[0].advice.draft.startswith("More hosts reply to guests") and rows[1].advice.needs_coaching


def test_no_drafter_offline() -> None:
    assert llm_drafter(Settings(engine="offline", _env_file=None)) is None


# --- the page on a 30-row backlog -------------------------------------------------------------------


def test_a_30_row_backlog_gives_30_distinct_rows_and_flags_the_duplicate() -> None:
    backlog = from_csv(BACKLOG.read_bytes())
    assert len(backlog.statements) == 30 and not backlog.error
    rows = review(backlog)
    assert all(r.advice is not None for r in rows)
    questions = [r.advice.question for r in rows]
    drafts = [r.advice.draft for r in rows if r.advice.draft]
    assert len(set(questions)) == 30, "two rows got the same question"
    assert len(set(drafts)) == len(drafts) >= 5, "two rows got the same draft"
    titles = [row["title"] for row in csv.DictReader(BACKLOG.open(encoding="utf-8"))]
    flagged = {r.statement: r.advice.duplicate_of for r in rows if r.advice.duplicate_of is not None}
    assert flagged == {titles[20]: 2}  # line 2 of the file is its first row
    thin = [r for r in rows if r.statement in ("Q3 stuff", "Search improvements", "Offline lessons")]
    assert thin and all(r.advice.needs_coaching for r in thin)
    assert any(r.unsure for r in rows) and all(r.kind for r in rows)


def test_every_needs_coaching_row_opens_in_the_coach(app_data_dir: Path) -> None:
    at = goto(ok(app().run()), "Workshop")
    at.file_uploader[0].set_value(("backlog.csv", BACKLOG.read_bytes(), "text/csv"))
    ok(at.run())
    ok(click(at, "Review the file"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Statements reviewed"] == "30" and metrics["Duplicates"] == "1"
    assert int(metrics["Drafted"]) + int(metrics["Need coaching"]) == 30
    assert any("Duplicate of line 2" in w.value for w in at.warning)
    rows = {r.line: r for r in at.session_state["workshop"][1]}
    keys = [b.key for b in at.button if b.label == "Coach this row"]
    assert len(keys) == int(metrics["Need coaching"])
    for key in keys:
        line = int(key.split("-")[1])
        at.switch_page("coach/ui/pages/workshop.py").run()
        ok(at.button(key=key).click().run())
        assert at.title[0].value == "Coach", key
        opened = at.chat_message[0].markdown[0].value.replace("\\", "")
        assert opened == rows[line].statement, (opened, rows[line].statement)
        assert len(at.chat_message) >= 2  # the coach has answered the row
    sessions = at.session_state["session"]
    assert sessions


# --- the trainer's papercuts: Learn the basics, trap definitions on Practice --------------------------


def test_learn_the_basics_progress_moves_on_a_right_answer(app_data_dir: Path) -> None:
    from coach.ui.library import guided_path

    at = goto(ok(app().run()), "Ask the library")

    def progress() -> str:
        [bar] = at.get("progress")
        return bar.proto.text

    total = len(guided_path())
    assert progress() == f"0 of {total} checks answered right"
    step = guided_path()[0]
    wrong = next(i for i in range(len(step["options"])) if i != step["answer"])
    ok(at.radio(key="path-0").set_value(wrong).run())
    assert progress() == f"0 of {total} checks answered right"
    ok(at.radio(key="path-0").set_value(step["answer"]).run())
    assert at.success and progress() == f"1 of {total} checks answered right"  # in the same run, not the next


def test_practice_shows_each_traps_definition_where_traps_are_picked(app_data_dir: Path) -> None:
    from coach.engine.traps import TRAP_DEFINITIONS, TRAP_NAMES

    at = goto(ok(app().run()), "Practice")
    ok(at.text_input(key="learner").set_value("Ben").run())
    shown = " ".join(c.value for c in at.caption).replace("\\", "")
    for trap, definition in TRAP_DEFINITIONS.items():
        assert f"{TRAP_NAMES[trap]}**: {definition}" in shown, trap


def test_the_llm_engine_drafts_rows_through_the_real_client_and_keeps_offline_advice_per_row(
        app_data_dir: Path, fake_openai, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakeopenai import TEST_KEY

    model_draft = ("More hosts reply to guest messages within a day of receiving them, without the share of "
                   "guests who cancel rising.")

    def respond(request) -> dict:
        said = request.body["messages"][-1]["content"]
        if "More hosts reply to guest messages" in said:
            return {"enough": True, "who": "hosts", "behavior": "reply to guest messages within a day",
                    "product_outcome": model_draft}
        if "Grow bookings" in said:
            return {"enough": True, "who": "investors", "behavior": "buy",
                    "product_outcome": "More investors buy."}
        return {"enough": False, "who": "", "behavior": "", "product_outcome": ""}

    fake_openai.responder = respond
    for name, value in {"COACH_ENGINE": "llm", "COACH_BASE_URL": fake_openai.url, "COACH_API_KEY": TEST_KEY,
                        "COACH_MODEL": "fake-model"}.items():
        monkeypatch.setenv(name, value)
    at = goto(ok(app().run()), "Workshop")
    at.text_area[0].set_value("More hosts reply to guest messages within a day\nGrow bookings by 10%\nLaunch "
                              "a host app")
    ok(click(at, "Review the list"))
    rows = at.session_state["workshop"][1]
    assert len(fake_openai.requests) == 3  # one call per row, through the real OpenAI client
    assert rows[0].advice.draft == model_draft and rows[0].card.product_outcome == model_draft
    # invented customers: offline kept
    assert rows[1].advice.needs_coaching and "not used" in rows[1].advice.notice
    assert rows[2].advice.needs_coaching and not rows[2].advice.notice  # the model agreed it is not enough
    assert any(model_draft in m.value.replace("\\", "") for m in at.markdown)
