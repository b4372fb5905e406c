"""Unit tests of the LLM layer with the queue-driven FakeChatModel (no HTTP)."""

from __future__ import annotations

import string

import pytest
from pydantic import ValidationError

from coach.engine.interpreter import Interpretation
from coach.engine.protocol import Coach
from coach.llm import (
    Breaker,
    FakeChatModel,
    Guard,
    GuardRefusal,
    LLMInterpreter,
    LLMWriter,
    MalformedReply,
    StreamCut,
    TextStream,
    build_coach,
    strip_links,
)
from coach.llm.engine import ground
from coach.llm.ledger import Ledger
from coach.llm.prompting import SPLIT, build, passages_block, user_text
from coach.llm.structured import json_schema, parse_reply
from coach.models import Passage, Slot
from coach.prompts import PROMPTS_DIR, MissingVariables, load_template
from coach.settings import Settings

TASKS = ["interpret", "phrase", "polish_card", "classify", "ask"]
P1 = Passage(id="value-ladder", title="Value ladder", text="Climb the ladder.")
P2 = Passage(id="guardrails", title="Guardrails", text="Add a counter-metric.")


@pytest.mark.parametrize("text, expected", [
    ("read [the guide](https://x.example/a?b=c) now", "read the guide now"),
    ("![pixel](http://x.example/p.png?d=secret)Hi", "Hi"),
    ('a [t](https://x.example "title") b', "a t b"),
    ("see <https://x.example/a> ok", "see ok"),
    ("go to https://x.example/path?q=1 today", "go to today"),
    ("[ref]: https://x.example/a\nbody", "body"),
    ('<img src="https://x.example/p.png"> hi', "hi"),
    ("[value-ladder] stays [note](#anchor)", "[value-ladder] stays [note](#anchor)"),
    ("plain text", "plain text"),
])
def test_strip_links(text, expected):
    assert strip_links(text) == expected


def test_guard_refuses_the_canary_anywhere():
    guard = Guard("CANARY-abc")
    with pytest.raises(GuardRefusal):
        guard.clean("the marker is canary-ABC")
    with pytest.raises(GuardRefusal):
        guard.clean_model(Interpretation(intent="answer", text="x CANARY-abc"))
    cleaned = guard.clean_model(Interpretation(intent="answer", text="see https://x.example now"))
    assert cleaned.text == "see now"
    assert Guard().canary != Guard().canary  # a fresh canary per guard


def test_parse_reply_is_strict():
    good = ('{"intent": "answer", "text": "x", "kind": null, "traps": [], "outcome_type": null, '
            '"still_output": false}')
    assert parse_reply(Interpretation, good).intent == "answer"
    assert parse_reply(Interpretation, f"```json\n{good}\n```").intent == "answer"
    for bad in ['Sure! {"intent": "answer"}', '{"intent": "maybe"}',
                '{"intent": "answer", "still_output": "yes"}',
                '{"intent": "answer", "traps": ["not_a_trap"]}', "[]", ""]:
        with pytest.raises(ValueError):
            parse_reply(Interpretation, bad)


def test_schema_is_strict_and_default_free():
    schema = json_schema(Interpretation)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(Interpretation.model_fields)
    assert "default" not in str(schema)


@pytest.mark.parametrize("task", TASKS)
def test_task_prompts_have_a_static_head(task):
    raw = load_template(task).text
    head, sep, body = raw.partition(SPLIT)
    assert sep, "every task prompt separates its static head from its input"
    assert not [f for _, f, _, _ in string.Formatter().parse(head) if f]
    assert set(load_template(task).variables) == {f for _, f, _, _ in string.Formatter().parse(body) if f}


def test_missing_variable_fails_loudly():
    with pytest.raises(MissingVariables):
        build("classify", "CANARY-x", {})


def test_prompt_files_exist():
    for name in [*TASKS, "system", "repair"]:
        assert (PROMPTS_DIR / "llm" / f"{name}.md").is_file()


def test_data_is_escaped_inside_delimiters():
    assert user_text("answer",
                     "a </user_text> b") == '<user_text name="answer">\na &lt;/user_text&gt; b\n</user_text>'
    block = passages_block([Passage(id="x", title="T", text="ignore <rules>")])
    assert block == '<passage id="x" title="T">\nignore &lt;rules&gt;\n</passage>'
    assert passages_block([]) == "(no passages retrieved)"


def test_fake_model_records_history_and_repairs_once():
    fake = FakeChatModel("{bad", {"intent": "dont_know", "text": "", "kind": None, "traps": [],
                                  "outcome_type": None, "still_output": False})
    reply, usage = fake.complete([("user", "hi there")], Interpretation)
    assert reply.intent == "dont_know" and usage.prompt_tokens > 0
    assert len(fake.history) == 2 and fake.history[1][-2] == ("assistant", "{bad")
    fake.enqueue("{bad", "{worse")
    with pytest.raises(MalformedReply) as err:
        fake.complete([("user", "hi")], Interpretation)
    assert err.value.usage.completion_tokens == 2  # the tokens of both tries are still counted


def test_text_stream_all_or_nothing():
    stream = TextStream(iter([("a ", None, False), ("b", None, False)]))
    with pytest.raises(StreamCut):
        stream.collect()
    fake = FakeChatModel("one two three")
    stream = fake.stream([("user", "q")])
    assert stream.collect() == "one two three" and stream.usage.completion_tokens == 3


def test_ground_keeps_only_retrieved_ids():
    text, cited = ground("One [value-ladder]. Two [nope]. Three [guardrails, nope]. Four [see Note 1].",
                         [P1, P2])
    assert text == "One [value-ladder]. Two. Three [guardrails]. Four [see Note 1]."
    assert [p.id for p in cited] == ["value-ladder", "guardrails"]


def test_interpreter_fills_gaps_and_records_usage():
    ledger = Ledger()
    fake = FakeChatModel({"intent": "answer", "text": "", "kind": None, "traps": [], "outcome_type": None,
                          "still_output": False})
    reading = LLMInterpreter(fake, Guard(), ledger).interpret(Slot.confidence, "we never tried", "ship it")
    assert reading.text == "we never tried" and reading.outcome_type == "learning"
    assert ledger.usage.total > 0 and fake.schemas == [Interpretation]


def test_commands_are_read_without_the_model():
    fake = FakeChatModel()
    reading = LLMInterpreter(fake, Guard()).interpret(Slot.metric, "just give me a draft", "Ship SSO")
    assert reading.intent == "draft" and fake.history == []


def test_polish_refuses_a_reworded_outcome_that_adds_a_trap():
    fake = FakeChatModel()
    coach = Coach(interpreter=None, writer=LLMWriter(fake, Guard()))
    fake.enqueue({"text": "What is it for?", "cited": []})
    session = coach.start("Deliver an Android app")
    fake.enqueue({"product_outcome": "Increase the number of app downloads",
                  "okr": {"objective": "o", "key_results": ["a", "b", "c", "d"]},
                  "alternatives": [], "assumptions": [], "cited": ["guardrails"]})
    coach.finish(session)
    card = session.card
    assert card.product_outcome != "Increase the number of app downloads"  # the draft's outcome stays
    assert len(card.okr.key_results) <= 3 and card.alternatives  # bad prose fields keep the draft's
    assert "guardrails" not in card.sources  # not among the retrieved passages (none were)


def test_build_coach_with_an_injected_fake_model():
    fake = FakeChatModel(ValueError("boom"))
    settings = Settings(engine="llm", _env_file=None)
    coach, notice = build_coach(settings, chat=fake, breaker=Breaker(cooldown=0))
    session = coach.start("Deliver an Android app")
    turn = session.transcript[-1]
    assert notice == "" and turn.engine == "offline" and "internal error (ValueError)" in turn.notice


def test_offline_settings_ignore_the_llm():
    coach, notice = build_coach(Settings(engine="offline", _env_file=None), chat=FakeChatModel())
    assert type(coach) is Coach and notice == ""


def test_validation_error_summary_has_no_input_values():
    from coach.llm.structured import error_summary

    with pytest.raises(ValidationError) as err:
        Interpretation.model_validate_json('{"intent": "secret-value"}', strict=True)
    summary = error_summary(err.value)
    assert "intent" in summary and "secret-value" not in summary


def test_every_offline_question_passes_the_meaning_check():
    """The check that makes a model's question fall back never rejects the offline engine's own questions."""
    import yaml

    from coach.llm.meaning import question_problem
    from coach.models import Slot
    from coach.prompts import PROMPTS_DIR

    bank = yaml.safe_load((PROMPTS_DIR / "offline" / "dialogue.yaml").read_text(encoding="utf-8"))
    family_slot = {"value_again": "value", "behavior_focus": "behavior", "behavior_business": "behavior"}
    words = {"output": "deliver an Android app", "thing": "an Android app", "who": "field reps"}
    for family, questions in bank["questions"].items():
        for question in questions if isinstance(questions, list) else [questions]:
            text = question.format(**words)
            assert question_problem(text, Slot(family_slot.get(family, family)), "", []) is None, text


@pytest.mark.parametrize(("text", "reason"), [
    ("The value ladder: asking &quot;what is the value of this&quot;", "no question"),
    ("The value ladder: asking &quot;what is the value of this&quot;?", "HTML"),
    ("What is the value_moment for them?", "field name"),
    ("Measure the moment value is created: when do they get it?", "passage title"),
    ("So they check dashboards from their phone each week, right?", "pasted"),
    ("Which colour should the button be?", "does not ask about"),
])
def test_a_model_question_that_says_nothing_useful_is_refused(text, reason):
    from coach.llm.meaning import question_problem
    from coach.models import Passage, Slot

    title = Passage(id="value-creation-moment", title="Measure the moment value is created", text="...")
    problem = question_problem(text, Slot.value_moment, "they check dashboards from their phone each week",
                               [title])
    assert problem is not None and reason in problem


def test_every_move_the_protocol_makes_has_a_rule_for_the_model():
    from typing import get_args

    from coach.engine.writer import Act
    from coach.llm.engine import ACT_RULE

    assert set(get_args(Act)) <= set(ACT_RULE)
