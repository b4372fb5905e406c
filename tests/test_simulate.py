"""The simulated user reads only the coach's words, and talks like a real PM when its persona says so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from coach.evals.reader import asks_to_confirm, points_out_problem, topic_of
from coach.evals.simulate import ALREADY_SAID, APPROVE, DONT_KNOW, DRAFT, Reply, SimulatedUser, simulate

EVALS = Path(__file__).resolve().parent.parent / "coach" / "evals"


@pytest.mark.parametrize("module", ["simulate.py", "reader.py"])
def test_the_simulated_user_imports_nothing_from_the_engine(module):
    tree = ast.parse((EVALS / module).read_text(encoding="utf-8"))
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("coach.engine") or m.startswith("coach.llm")]


@pytest.mark.parametrize("message, topic", [
    ("What could customers do once it exists that they can't today?", "value"),
    ("How would you know it worked?", "success"),
    ("Which customers exactly? Name one segment.", "who"),
    ("What will they do differently that we could observe?", "behavior"),
    ("At what moment do they actually get value?", "value_moment"),
    ("How would you count it, and where is it today?", "metric"),
    ("What must not get worse while you push this?", "guardrail"),
    ("Which business result does this lead: retention, revenue, cost to serve?", "business_link"),
    ("Do you already know what moves this number, or must we learn first?", "confidence"),
    ("Nice weather today.", None),
])
def test_the_reader_reads_the_question_a_person_would(message, topic):
    assert topic_of(message) == topic


def test_problem_and_confirmation_are_read_from_words():
    assert points_out_problem("That counts sign-ups, a step before customers get value. When do they get it?")
    assert not points_out_problem("Which customers exactly?")
    assert asks_to_confirm("Here is how I would write it: ... Keep it, or rewrite it in your words?")


class Scripted:
    """A conversation whose coach says fixed lines: there is no slot field anywhere to peek at."""

    def __init__(self, lines: list[str]):
        self.lines = list(lines)
        self.heard: list[str] = []

    def start(self, statement: str) -> Reply:
        return Reply(self.lines.pop(0))

    def reply(self, answer: str) -> Reply:
        self.heard.append(answer)
        text = self.lines.pop(0)
        return Reply(text, card="CARD" if text == "card" else None)


PERSONA = {"value": "reps check accounts between visits", "who": "field reps",
           "metric": "about 18% now, 30% by Q3", "guardrail": "desktop use doesn't tank"}


def test_answers_follow_the_words_not_the_order():
    coach = Scripted(["How would you count it?", "Which customers exactly?", "card"])
    dialogue = simulate(coach, "Ship an Android app", PERSONA)
    assert coach.heard == ["about 18% now, 30% by Q3", "field reps"]
    assert dialogue.card == "CARD" and dialogue.said == {"metric": PERSONA["metric"], "who": "field reps"}


def test_a_question_asked_twice_gets_i_already_said():
    coach = Scripted(["Which customers?", "And which customers, exactly?", "Which segment then?", "card"])
    simulate(coach, "x", PERSONA)
    assert coach.heard == ["field reps", ALREADY_SAID, "field reps"]


def test_voices_push_back_go_off_topic_ask_back_and_want_a_draft():
    voice = {"opening_pushback": "Leadership decided, we ship it anyway.",
             "off_topic": "can we talk about pricing?",
             "asks_back": "What's the catch?", "dont_know": ["guardrail"], "draft_after": 5}
    user = SimulatedUser(PERSONA, voice)
    assert user.answer("What could customers do once it exists?") == voice["opening_pushback"]
    assert user.answer("Which customers exactly?") == voice["off_topic"]
    assert user.answer("That counts a step before value. When do they get it?") == voice["asks_back"]
    assert user.answer("What must not get worse?") == DONT_KNOW
    assert user.answer("Here is how I would write it. Keep it, or rewrite it?") == APPROVE
    assert user.answer("Which customers exactly?") == DRAFT


def test_a_topic_the_persona_does_not_know_is_not_sure_and_gibberish_is_questioned():
    user = SimulatedUser({"who": "admins"})
    assert user.answer("How would you count it?").startswith("not sure")
    assert user.answer("Blue sky thinking.") == "sorry, what do you mean?"
