"""Live checks against a real provider; run with `pytest --runlive` and OPENAI_API_KEY (or COACH_API_KEY) set.

The provider comes from the environment as usual (COACH_MODEL, COACH_BASE_URL,
COACH_STRUCTURED_OUTPUT, ...). These tests spend a few thousand tokens.
"""

from __future__ import annotations

import pytest

from benchmarks.loadtest import PERSONA as ANDROID_PERSONA
from coach.evals.judge import make_judge
from coach.llm import build_coach, classify_with
from coach.models import Kind, Role
from coach.settings import Settings

pytestmark = pytest.mark.live

PERSONA = ANDROID_PERSONA  # the android-app case of evals/cases/tidy/dialogue.yaml


@pytest.fixture
def live() -> Settings:
    settings = Settings(engine="llm", read_timeout=60.0)
    if not settings.llm_configured:
        pytest.skip("no provider configured")
    return settings


def test_live_classify(live):
    verdict, notice = classify_with(live, "Increase the number of course reviews on our platform")
    assert notice == "", notice
    assert verdict.kind in set(Kind) and verdict.explanation


def test_live_session_reaches_a_card_on_the_llm(live):
    coach, notice = build_coach(live)
    assert notice == ""
    session = coach.start("Our goal this quarter is to deliver an Android app.")
    for _ in range(20):
        if session.status == "done":
            break
        coach.reply(session, PERSONA.get(session.transcript[-1].slot.value, "not sure"))
    coach_turns = [t for t in session.transcript if t.role is Role.coach]
    assert session.status == "done" and session.card is not None
    assert [t.notice for t in coach_turns if t.notice] == []
    assert session.usage.prompt_tokens > 0 and session.usage.completion_tokens > 0


def test_live_judge_tells_good_from_bad(live):
    judge = make_judge(live)
    assert judge is not None
    assert judge.behaviour_change("Deliver an Android app",
                                  "More customers who mostly use their phone act on a dashboard alert from "
                                  "their phone each week, without desktop satisfaction dropping.").passed
    assert not judge.behaviour_change("Deliver an Android app",
                                      "Ship the Android app by the end of Q3.").passed
