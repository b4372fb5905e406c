"""Interpreters read a user's answer to a coach question.

The protocol only needs an `Interpretation`; the offline interpreter below gets it
from patterns and the classifier, the LLM one (coach.llm) from a model.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from coach.engine.classifier import classify
from coach.models import Kind, Slot, Trap

Intent = Literal["answer", "dont_know", "draft", "approve", "evasive", "restart"]


_BUILD_TALK = re.compile(
    r"^\s*(?:we\s+(?:will|would|could|can|should|'ll)?\s*)?(?:ship|build|launch|add|release|deliver|create|"
    r"make|develop|implement|integrate|publish|roll out|redesign)\b|\bwe(?:'ll| will| would| can| could)? "
    r"(?:ship|build|launch|add|release|deliver|create|develop|implement|integrate|roll out)\b",
    re.IGNORECASE,
)


class Interpretation(BaseModel):
    """What an answer means for the protocol."""

    intent: Intent = Field(description="answer, dont_know, draft, approve, evasive or restart.")
    text: str = Field(default="", description="The answer, cleaned, as it should fill the slot.")
    kind: Kind | None = Field(default=None, description="The kind of the answer, when it is a statement.")
    traps: list[Trap] = Field(default_factory=list, description="Traps in the answer, when it is a metric.")
    outcome_type: Literal["learning", "performance"] | None = None
    still_output: bool = Field(default=False,
                               description="The answer describes more work to build, not its value.")


class Interpreter(Protocol):
    name: str

    def interpret(self, slot: Slot, answer: str, context: str) -> Interpretation: ...


_DRAFT = re.compile(
    r"\b(?:just )?(?:give|show|write|make|draft)\b.{0,20}\b(?:draft|card|outcome|it)\b|\bskip (?:to|ahead)\b|"
    r"\bjust draft\b|\bdraft (?:it|now|please)\b|^draft\b|\bi'?m (?:in a hurry|short on time)\b",
    re.IGNORECASE,
)
_APPROVE = re.compile(
    r"^\s*(?:(?:that |this |it )?looks good|lgtm|perfect|great,? (?:that'?s it|thanks)|that'?s it|"
    r"(?:i'?m |we'?re )?(?:done|happy with (?:that|this|it))|ship it|good enough|approved?|sounds good|"
    r"works for me|fine by me)\b",
    re.IGNORECASE,
)
_DONT_KNOW = re.compile(
    r"^\s*(?:i )?(?:don'?t|do not|dont) know\b|^\s*(?:not sure|no idea|unsure|dunno|idk|no clue|"
    r"i'?m not sure|hard to say|can'?t say|no answer|unknown|\?+)\s*[.!?]*\s*$|^\s*(?:not sure|no idea)\b",
    re.IGNORECASE,
)
_RESTART = re.compile(r"^\s*(?:start over|restart|start again|new statement)\s*[.!]*\s*$", re.IGNORECASE)
_EVASIVE = re.compile(
    r"^\s*(?:ok(?:ay)?|yes|no|yeah|yep|nope|sure|maybe|whatever|fine|k|hmm+|meh|idc|n/?a|-+|\.+|it depends|"
    r"depends|everything|all of them|everyone|stuff|things|more|better|growth|success|value)\s*[.!]*\s*$",
    re.IGNORECASE,
)
_NO_GUARD = re.compile(r"^\s*(?:none|nothing|no guardrail|n/?a|no)\b|\bnothing (?:would|really|much|i can "
                       r"think)\b|\b(?:don'?t|do not) (?:really )?have (?:one|any)\b",
                       re.IGNORECASE)
_PERFORMANCE = re.compile(
    r"\b(?:we know|we'?ve (?:seen|done|proven|tested)|proven|has worked|worked before|it worked|already "
    r"(?:know|tested|works|moved)|evidence shows|last (?:time|quarter) .{0,30}(?:moved|worked|lifted)|"
    r"confident|performance)\b",
    re.IGNORECASE,
)
_LEARNING = re.compile(
    r"\b(?:not (?:sure|tried)|never (?:tried|done)|haven'?t|have not|no idea|don'?t know|new to|first time|"
    r"learn|unknown|untested|guess|hypothes[ie]s|explore|no data)\b",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^\s*(?:(?:well|so|um+|uh+|i think|i guess|probably|maybe|perhaps|basically|honestly|hmm+|not sure|"
    r"i'?m not sure|no idea|good question)[,\s]+)+",
    re.IGNORECASE,
)


def tidy(answer: str) -> str:
    """The answer without filler openings or a trailing full stop."""
    text = _LEADING_FILLER.sub("", answer.strip()).strip()
    return text.rstrip(" .!") if len(text) >= 3 else answer.strip().rstrip(" .!")


class OfflineInterpreter:
    """Reads answers with patterns and the offline classifier; deterministic."""

    name = "offline"

    def interpret(self, slot: Slot, answer: str, context: str = "") -> Interpretation:
        raw, text = answer.strip(), tidy(answer)
        if _DONT_KNOW.search(raw) and len(raw.split()) <= 4:
            return Interpretation(intent="dont_know")
        if _RESTART.match(text):
            return Interpretation(intent="restart")
        if _DRAFT.search(text):
            return Interpretation(intent="draft")
        if _APPROVE.match(text) and len(text.split()) <= 8:
            return Interpretation(intent="approve")
        if _DONT_KNOW.search(text) and len(text.split()) <= 8:
            return Interpretation(intent="dont_know")
        if slot is Slot.guardrail and _NO_GUARD.search(text) and len(text.split()) <= 8:
            return Interpretation(intent="dont_know")
        if _EVASIVE.match(text) or not re.search(r"[^\W\d_]{2,}", text):
            return Interpretation(intent="evasive")
        result = Interpretation(intent="answer", text=text)
        if slot is Slot.confidence:
            result.outcome_type = "performance" if _PERFORMANCE.search(text) \
                and not _LEARNING.search(text) else "learning"
            return result
        if slot in (Slot.value, Slot.success, Slot.behavior, Slot.metric, Slot.value_moment):
            verdict = classify(text)
            result.kind, result.traps = verdict.kind, verdict.traps
            result.still_output = verdict.kind is Kind.output and bool(_BUILD_TALK.search(text))
        return result
