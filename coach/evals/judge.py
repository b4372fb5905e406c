"""An LLM judge for what code cannot check: one binary pass/fail rubric per failure mode.

    judge = make_judge(settings)                 # None unless an LLM is configured
    verdict = judge.behaviour_change(statement, card.product_outcome)
    verdict = judge.socratic(slot, answer, coach_message)
    verdict.passed, verdict.reason

Rubrics are files in `prompts/judge/` with the rubric delimited in <rubric> tags (in the
static system prefix) and the item under judgment delimited in <item> tags. The reply
must end with a line `VERDICT: PASS` or `VERDICT: FAIL`, or be exactly the JSON
{"verdict": "pass"|"fail", "reason": "..."}; anything else raises JudgeError, never a pass.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.llm.client import ChatModel
from coach.llm.errors import LLMError
from coach.llm.prompting import SPLIT, escape
from coach.llm.structured import Message
from coach.prompts import PROMPTS_DIR, Template
from coach.settings import Settings

#: rubric name -> the failure mode it catches
RUBRICS: dict[str, str] = {
    "behaviour_change": "the drafted outcome is not a real behaviour change",
    "socratic_question": "the coach's question leads instead of asking",
    "dialogue_rubric": "a session fails a criterion of ../shared/rubric.md (a-h)",
}
#: The dialogue criteria of the rubric, in order.
CRITERIA = ("a", "b", "c", "d", "e", "f", "g", "h")
_VERDICT_LINE = re.compile(r"VERDICT: (PASS|FAIL)")
_ANY_VERDICT = re.compile(r"^\W*verdict\s*:", re.IGNORECASE)


class JudgeError(Exception):
    """The judge gave no parseable verdict, or could not be reached. Never counts as a pass."""


class Verdict(BaseModel):
    """One rubric's result for one item."""

    rubric: str
    passed: bool
    reason: str = ""


class _JsonVerdict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Literal["pass", "fail"]
    reason: str


@cache
def load_rubric(name: str) -> tuple[str, Template]:
    """(static head with the rubric, item template) of `prompts/judge/NAME.md`."""
    if name not in RUBRICS:
        raise KeyError(f"no rubric {name!r}; known: {sorted(RUBRICS)}")
    raw = (PROMPTS_DIR / "judge" / f"{name}.md").read_text(encoding="utf-8")
    variables: list[str] = []
    if raw.startswith("---\n"):
        import yaml

        head, _, raw = raw[4:].partition("\n---\n")
        variables = list((yaml.safe_load(head) or {}).get("variables", []))
    static, sep, body = raw.strip().partition(SPLIT)
    if not sep or "<rubric>" not in static or "</rubric>" not in static:
        raise ValueError(f"rubric {name}: needs a <rubric> block and an '=== input ===' line")
    return Template(f"{name}:head", static, []).render().strip(), Template(name, body, variables)


def parse_verdict(text: str) -> tuple[bool, str]:
    """(passed, reason) from a judge reply; JudgeError for anything but the two accepted shapes."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = _JsonVerdict.model_validate_json(stripped, strict=True)
        except (ValidationError, ValueError) as err:
            raise JudgeError("judge JSON is not {\"verdict\": \"pass\"|\"fail\", \"reason\": ...}") from err
        return parsed.verdict == "pass", parsed.reason.strip()
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if not lines or not _VERDICT_LINE.fullmatch(lines[-1]):
        raise JudgeError("judge reply does not end with 'VERDICT: PASS' or 'VERDICT: FAIL'")
    if any(_ANY_VERDICT.match(line) for line in lines[:-1]):
        raise JudgeError("judge reply has more than one verdict line")
    return lines[-1].endswith("PASS"), " ".join(lines[:-1])


class _Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # "pass" is a keyword, so the field is read by alias.
    passed: bool = Field(alias="pass")
    reason: str


def parse_rubric(text: str) -> dict[str, Verdict]:
    """Per-criterion verdicts a-h from a judge's JSON reply; JudgeError unless every criterion is graded."""
    try:
        raw = json.loads(text.strip())
    except ValueError as err:
        raise JudgeError("judge reply is not JSON") from err
    if not isinstance(raw, dict) or set(raw) != set(CRITERIA):
        raise JudgeError(f"judge reply must grade exactly the criteria {', '.join(CRITERIA)}")
    try:
        graded = {k: _Criterion.model_validate(raw[k], strict=True) for k in CRITERIA}
    except ValidationError as err:
        raise JudgeError("a criterion is not {\"pass\": true|false, \"reason\": \"...\"}") from err
    return {k: Verdict(rubric=f"dialogue_rubric.{k}", passed=v.passed, reason=v.reason.strip())
            for k, v in graded.items()}


class Judge:
    """Grades items against the rubrics with an injected chat model."""

    def __init__(self, chat: ChatModel) -> None:
        self.chat = chat

    def messages(self, rubric: str, **values: str) -> list[Message]:
        head, body = load_rubric(rubric)
        return [("system", head), ("user", body.render(**{k: escape(v) for k, v in values.items()}).strip())]

    def grade(self, rubric: str, **values: str) -> Verdict:
        """One verdict, or JudgeError (an unreachable judge or an unparseable reply is not a pass)."""
        try:
            text, _ = self.chat.complete(self.messages(rubric, **values))
        except LLMError as err:
            raise JudgeError(f"judge unavailable ({err.reason})") from err
        passed, reason = parse_verdict(str(text))
        return Verdict(rubric=rubric, passed=passed, reason=reason)

    def behaviour_change(self, statement: str, outcome: str) -> Verdict:
        return self.grade("behaviour_change", statement=statement, outcome=outcome)

    def socratic(self, slot: str, answer: str, question: str) -> Verdict:
        return self.grade("socratic_question", slot=slot, answer=answer or "(none yet)", question=question)

    def dialogue(self, session) -> dict[str, Verdict]:
        """Grade a played session on the rubric's criteria a-h (JudgeError: unreachable or unparseable)."""
        transcript = "\n".join(f"{'Coach' if t.role.value == 'coach' else 'PM'}: {t.text}"
                               for t in session.transcript)
        card = session.card.model_dump_json(indent=1,
                                            exclude={"sources", "checks"}) if session.card else "(no card)"
        try:
            text, _ = self.chat.complete(self.messages("dialogue_rubric", statement=session.statement,
                                                       transcript=transcript, card=card))
        except LLMError as err:
            raise JudgeError(f"judge unavailable ({err.reason})") from err
        return parse_rubric(str(text))


def make_judge(settings: Settings, chat: ChatModel | None = None) -> Judge | None:
    """A judge at temperature 0, or None when no LLM is configured (the judge is never faked silently)."""
    if chat is not None:
        return Judge(chat)
    if not settings.llm_configured:
        return None
    from coach.llm.client import OpenAIChat

    return Judge(OpenAIChat(settings.model_copy(update={"temperature": 0.0})))
