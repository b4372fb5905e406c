"""The shared vocabulary of ../shared/coaching-model.md as pydantic models.

Every other module (engine, knowledge, llm, evals, cli, app) speaks these names.
The same models double as the structured-output schemas sent to an LLM.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Kind(StrEnum):
    """What a statement is (coaching-model.md section 1)."""

    output = "output"
    product_outcome = "product_outcome"
    business_outcome = "business_outcome"


class Trap(StrEnum):
    """What is wrong with a statement (coaching-model.md section 2)."""

    output_in_disguise = "output_in_disguise"
    traction_metric = "traction_metric"
    wrong_moment = "wrong_moment"
    sentiment_only = "sentiment_only"
    vanity_metric = "vanity_metric"
    no_guardrail = "no_guardrail"
    multiple_outcomes = "multiple_outcomes"


class Slot(StrEnum):
    """What a coach question is after (coaching-model.md section 3), in ladder order."""

    value = "value"
    success = "success"
    who = "who"
    behavior = "behavior"
    value_moment = "value_moment"
    metric = "metric"
    guardrail = "guardrail"
    business_link = "business_link"
    confidence = "confidence"


OutcomeType = Literal["learning", "performance"]


class Classification(BaseModel):
    """The verdict on one statement; the JSON of `coach classify --json`."""

    kind: Kind = Field(description="Exactly one kind for the statement.")
    traps: list[Trap] = Field(default_factory=list, description="Traps found; empty for a clean outcome.")
    explanation: str = Field(description="Why, in plain words, for a PM.")
    sources: list[str] = Field(default_factory=list, description="Ids of knowledge notes behind the verdict.")
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="Calibrated chance that kind and traps are both right (among verdicts given 0.9, about 9 "
                    "in 10 are); None when no trained model gave the verdict.")
    similar: list[dict] = Field(
        default_factory=list,
        description="Up to 3 labelled examples nearest the statement, each {statement, kind, traps}.")


class Passage(BaseModel):
    """One retrieved piece of the knowledge corpus."""

    id: str = Field(description="Note id, e.g. 'value-ladder'.")
    title: str = Field(description="Note title.")
    section: str = Field(default="", description="Section heading within the note.")
    text: str = Field(description="The passage text.")
    score: float = Field(default=0.0, description="Fused retrieval score; higher is better.")
    chunk_id: str = Field(default="", description="Stable id of the chunk (note id + section slug).")
    source: str = Field(default="corpus",
                        description="'corpus' for shipped notes, 'user' for ingested documents.")


class Answer(BaseModel):
    """The reply of `coach ask`."""

    answer: str
    sources: list[Passage] = Field(default_factory=list)
    covered: bool = Field(default=True, description="False when the library does not answer the question.")
    nearest: list[Passage] = Field(default_factory=list,
                                   description="When not covered: the nearest notes, offered.")
    follow_up_of: str = Field(default="",
                              description="The earlier question this one was read as following, if any.")


class Metric(BaseModel):
    """How an outcome is counted."""

    name: str = Field(description="Short metric name.")
    definition: str = Field(default="", description="Exactly what is counted, for whom, over what window.")
    baseline: str = Field(default="unknown: instrument first",
                          description="Current value, or 'unknown: instrument first'.")
    target: str = Field(default="", description="Where we want it to be.")
    time_frame: str = Field(default="", description="By when, e.g. 'this quarter'.")


class KeyResult(BaseModel):
    text: str = Field(description="An effect on customers or the business, never 'ship X'.")


class OKR(BaseModel):
    objective: str
    key_results: list[str] = Field(default_factory=list, description="2-3 key results that describe effects.")


class Assumption(BaseModel):
    assumption: str = Field(description="Something that must be true for the outcome to move.")
    test: str = Field(description="A small, cheap test of it.")


class Check(BaseModel):
    """One of the four self-checks of coaching-model.md section 4."""

    name: Literal["behavior_change", "needs_customer_value", "not_single_feature", "has_counter_metric"]
    passed: bool
    reason: str


class OutcomeCard(BaseModel):
    """What the coach hands back (coaching-model.md section 4)."""

    output: str = Field(description="The statement the user came with.")
    product_outcome: str = Field(description="Who does what differently, at the value moment.")
    who: str = ""
    behavior: str = ""
    value_moment: str = ""
    metric: Metric
    guardrail: str = Field(default="", description="The counter-metric that must not get worse.")
    business_outcome: str = Field(default="", description="The lagging business result this leads.")
    outcome_type: OutcomeType = "learning"
    okr: OKR
    alternatives: list[str] = Field(default_factory=list,
                                    description="Other outputs that could move the outcome.")
    assumptions: list[Assumption] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list, description="Knowledge note ids drawn on.")
    assumed_slots: list[Slot] = Field(default_factory=list,
                                      description="Slots filled by assumption, not by the user.")


class Usage(BaseModel):
    """Token counts reported by an LLM provider (shared by the engine's sessions and the LLM layer)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


class Role(StrEnum):
    coach = "coach"
    user = "user"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Turn(BaseModel):
    """One message of a coaching transcript."""

    model_config = ConfigDict(use_enum_values=False)

    role: Role
    text: str
    slot: Slot | None = Field(default=None, description="For a coach question: the slot it is after.")
    sources: list[str] = Field(default_factory=list, description="Note ids the message drew on.")
    traps: list[Trap] = Field(default_factory=list,
                              description="Traps the coach pointed out in this message.")
    engine: str = Field(default="offline", description="Which engine wrote this message.")
    notice: str = Field(default="", description="A visible notice, e.g. a fallback to the offline engine.")
    evidence: list[Passage] = Field(default_factory=list,
                                    description="Passages shown under 'why I'm asking'.")
    tokens: int = Field(default=0,
                        description="LLM tokens (prompt + completion) spent on this turn; 0 offline.")
    feedback: Literal["up", "down"] | None = Field(default=None,
                                                   description="The user's thumbs on this message.")
    feedback_reason: str = ""
    at: datetime = Field(default_factory=utcnow)
