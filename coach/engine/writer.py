"""Writers phrase what the protocol decided: a question, a counter-question, the card.

The protocol hands a `Move`; the offline writer phrases it from the phrase bank in
`prompts/offline/dialogue.yaml`, the LLM writer (coach.llm) with a model.
"""

from __future__ import annotations

import hashlib
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from coach.engine.card import _clause
from coach.engine.classifier import read
from coach.engine.session import Session
from coach.engine.understand import valid_segment
from coach.models import Kind, OutcomeCard, Passage, Slot, Trap
from coach.prompts import load_offline

Act = Literal["ask", "ladder", "counter", "dont_know", "evasive", "bad_input", "explain", "rephrase", "vague",
              "unclear"]


class Move(BaseModel):
    """What the coach does next; the writer only decides the words."""

    act: Act
    slot: Slot
    trap: Trap | None = None
    answer: str = Field(default="", description="The user's last answer, when the move reacts to it.")
    opening: bool = Field(default=False, description="True for the first message of a session.")
    variant: str = Field(default="",
                         description="A question family other than the slot's own, e.g. behavior_business.")


class Writer(Protocol):
    @property
    def name(self) -> str: ...  # read-only: the LLM writer's name says which engine wrote the turn

    def phrase(self, session: Session, move: Move, evidence: list[Passage]) -> str: ...

    def polish(self, session: Session, card: OutcomeCard, evidence: list[Passage]) -> OutcomeCard: ...


def _pick(options: list[str] | str, seed: str) -> str:
    if isinstance(options, str):
        return options
    digest = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    return options[digest % len(options)]


def slot_words(session: Session) -> dict[str, str]:
    """What a question may quote: the statement, the thing it names and the clean segment; never a raw
    answer."""
    from coach.engine.card import output_object

    s = session.filled
    who = s(Slot.who)
    return {
        "thing": output_object(session.statement) if session.classification.kind is Kind.output else "this",
        "who": _clause(who, 60) if who and len(who.split()) <= 8 and valid_segment(who) else "your customers",
        "output": _clause(read(session.statement).main or session.statement, 120),
    }


class OfflineWriter:
    """Phrases moves from the phrase bank; varies wording by session and turn."""

    name = "offline"

    def __init__(self) -> None:
        self.bank = load_offline("dialogue")

    def phrase(self, session: Session, move: Move, evidence: list[Passage]) -> str:
        bank, words = self.bank, slot_words(session)
        seed = f"{session.id}:{session.coach_turns}:{move.slot}"
        hint = bank["hints"][move.slot.value]
        examples = bank["examples"][move.slot.value]
        family = (move.variant if move.variant in bank["questions"] else "") or (
            "value_again" if move.act == "ladder" else move.slot.value)
        if move.act == "rephrase":
            seed += ":again"
        question = _pick(bank["questions"][family], seed).format(**words)
        parts: list[str] = []
        if move.opening:
            parts.append(self._opening(session, words))
        if move.act == "counter" and move.trap:
            parts.append(bank["counter"][move.trap.value].format(**words))
            return " ".join(parts)
        if move.act == "explain":
            key = move.trap.value if move.trap else move.variant
            parts.append(bank["explain"].get(key, bank["explain"]["none"]))
        elif move.act == "vague":
            parts.append(bank["vague"])
            return " ".join(parts)
        elif move.act == "unclear":
            unclear = bank["unclear"]
            reason = move.variant if move.variant in unclear else "talk"
            text = unclear.get(f"{move.slot.value}_{reason}") or unclear[reason]
            parts.append(text.format(**words, example=examples.split(";")[0].strip()))
            return " ".join(parts)
        if move.act == "dont_know":
            parts.append(bank["dont_know"].format(hint=hint, examples=examples))
        elif move.act == "evasive":
            parts.append(bank["evasive"].format(hint=hint, examples=examples))
            return " ".join(parts) + " " + question
        elif move.act == "bad_input":
            parts.append(bank["bad_input"].format(hint=hint))
        parts.append(question)
        return " ".join(parts)

    def _opening(self, session: Session, words: dict[str, str]) -> str:
        c, opening = session.classification, self.bank["opening"]
        if Trap.multiple_outcomes in c.traps:
            return opening["multiple"].format(**words)
        if c.kind is Kind.product_outcome and c.traps:
            return opening["product_outcome_trapped"].format(trap_plain=self.bank["explain"][c.traps[0].value]
                                                             .replace("The catch: ", "").capitalize(),
                                                             **words)
        if c.kind is Kind.product_outcome and session.good_outcome:
            return opening["product_outcome_good"].format(**words)
        return opening[c.kind.value].format(**words)

    def card_message(self, session: Session, card: OutcomeCard) -> str:
        bank = self.bank
        intro = _pick(bank["card_intro"], session.id)
        assumed = card.assumed_slots
        names = bank["slot_names"]
        note = " " + bank["card_assumed"].format(slots=", ".join(names[s.value] for s in assumed)) \
            if assumed else ""
        if session.read_back_done or session.outcome_text:
            return f"{intro} **Outcome:** {card.product_outcome}{note} {bank['card_done']}"
        read_back = bank["read_back_card"].format(sentence=card.product_outcome)
        return f"{intro} {read_back}{note} {bank['card_done']}"

    def polish(self, session: Session, card: OutcomeCard, evidence: list[Passage]) -> OutcomeCard:
        return card
