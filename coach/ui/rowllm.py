"""The LLM engine's drafter for Workshop rows: a model draft per row, validated for meaning, offline on any
failure.

A model draft is used only when it reads as a clean product outcome (the classifier finds
no trap in it that a draft must avoid), names customers and a behaviour the row itself
mentions, and repeats no other row's draft. Otherwise, and on any provider failure, the
row keeps the offline advice with a short notice. A dead provider trips the breaker once,
so a 30-row backlog does not wait 30 timeouts.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from coach.engine.classifier import classify, read
from coach.engine.rowcoach import DRAFTABLE_TRAPS, RowAdvice, is_thin, row_card
from coach.models import Classification, Kind
from coach.settings import Settings
from coach.ui.backlog import RowDrafter


class RowDraft(BaseModel):
    """The model's reading of one backlog row."""

    model_config = ConfigDict(extra="forbid")

    enough: bool = Field(description="Does the row itself name who and what they do (or a real customer "
                                     "metric)?")
    who: str = Field(description="The customers, in the row's words; '' when not enough.")
    behavior: str = Field(description="What they do, in the row's words; '' when not enough.")
    product_outcome: str = Field(description="One sentence: who does what differently, with a guardrail; ''.")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]{3,}", text.lower())


def draft_problem(draft: RowDraft, statement: str, others: set[str]) -> str | None:
    """Why a model draft may not be used for this row, or None."""
    from coach.llm.meaning import outcome_problem

    if problem := outcome_problem(draft.product_outcome):
        return problem
    said = set(_words(statement))
    who = _words(draft.who)
    if not who or not any(w.rstrip("s") in {s.rstrip("s") for s in said} for w in who):
        return "the customers are not the row's"
    does = _words(draft.behavior)
    if not does or sum(w in said for w in does) * 2 < len(does):
        return "the behaviour is not the row's"
    verdict = classify(draft.product_outcome)
    if verdict.kind is not Kind.product_outcome or set(verdict.traps) - DRAFTABLE_TRAPS:
        return "the draft is not a clean product outcome"
    if draft.product_outcome.strip().lower() in others:
        return "the same draft as another row"
    return None


def llm_drafter(settings: Settings, chat=None, guard=None, breaker=None) -> RowDrafter | None:  # noqa: ANN001
    """A drafter for the LLM engine, or None when the offline engine is on (or no model is configured)."""
    if settings.engine != "llm" or (chat is None and not settings.llm_configured):
        return None
    from coach.llm import Breaker, Guard, Ledger, make_chat
    from coach.llm.prompting import build, data_block, user_text

    guard = guard or Guard()
    ledger = Ledger(breaker=breaker or Breaker())
    seen: set[str] = set()
    state = {"chat": chat}

    def draft(statement: str, verdict: Classification, offline: RowAdvice) -> RowAdvice:
        if is_thin(statement):
            return offline  # two words are not enough for anyone to draft from
        if offline.draft:
            seen.add(offline.draft.lower())
        ledger.begin()
        if not ledger.available():
            ledger.skip()
            offline.notice = ledger.notice_of("draft")
            return offline
        try:
            state["chat"] = state["chat"] or make_chat(settings)
            messages = build("workshop_row", guard.canary, {
                "statement": user_text("statement", statement),
                "verdict": data_block("verdict", f"kind {verdict.kind.value}; traps "
                                                 f"{', '.join(t.value for t in verdict.traps) or 'none'}"),
                "offline": data_block("offline_draft", offline.draft or "(none)")})
            reply, usage = state["chat"].complete(messages, RowDraft)
            ledger.add(usage)
            reply = guard.clean_model(reply)
        except Exception as exc:  # noqa: BLE001 - any failure: this row keeps the offline advice
            ledger.fail(exc, "workshop draft")
            offline.notice = ledger.notice_of("draft")
            return offline
        if not reply.enough:
            return offline
        if problem := draft_problem(reply, statement, seen - {offline.draft.lower()}):
            offline.notice = f"The model's draft was not used ({problem}); this is the offline advice."
            return offline
        sentence = reply.product_outcome.strip()
        seen.add(sentence.lower())
        offline.draft, offline.reason, offline.notice = sentence, "", ""
        offline.card = row_card(statement, sentence, reply.who.strip(), reply.behavior.strip(),
                                read(statement))
        return offline

    return draft
