"""The LLM engine: an Interpreter and a Writer for the coaching protocol, a classifier and `ask`.

The protocol (coach.engine.protocol) still decides every move; the model only reads
answers and phrases messages. Every reply is validated, passed through the guard, and
its cited passage ids are checked against the passages actually retrieved. These
classes raise `LLMError` on any failure; coach.llm.fallback turns that into an offline turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from coach.engine.classifier import classify, sources_for
from coach.engine.interpreter import Interpretation, OfflineInterpreter
from coach.engine.session import Session
from coach.engine.writer import Move, OfflineWriter
from coach.llm.client import ChatModel
from coach.llm.errors import MalformedReply
from coach.llm.guard import Guard
from coach.llm.ledger import Ledger
from coach.llm.meaning import outcome_problem, question_problem, reading_problem
from coach.llm.prompting import build, data_block, passages_block, user_text
from coach.models import OKR, Answer, Assumption, Classification, OutcomeCard, Passage, Slot, Usage

MAX_MESSAGE_CHARS = 1200
COMMANDS = {"draft", "restart", "approve"}  # intents the offline patterns catch reliably

SLOT_MEANING: dict[Slot, str] = {
    Slot.value: "what the output is for: what it lets someone do, and who benefits",
    Slot.success: "how we would know it worked",
    Slot.who: "which customers or segment",
    Slot.behavior: "what those customers will do differently, observably",
    Slot.value_moment: "the moment the customer actually gets value",
    Slot.metric: "how it is counted: definition, baseline, target, time frame",
    Slot.guardrail: "what must not get worse while we push the metric",
    Slot.business_link: "which business outcome this leads, and how",
    Slot.confidence: "do we already know what moves it (performance) or must we learn first (learning)",
}
ACT_RULE: dict[str, str] = {
    "ask": "ask about the target slot",
    "ladder": "the last answer still describes something to build; ask what its value is for the customer",
    "counter": "the last answer falls into the trap below; name the problem kindly and ask a question that "
               "gets past it",
    "dont_know": "they did not know the last one; reassure them in a few words, say an assumption is noted, "
                 "then ask about the target slot",
    "evasive": "the last answer was too vague to use; ask again, more concretely, with a hint",
    "bad_input": "the last input could not be read; ask again simply",
    "explain": "they asked what the catch is; explain the trap below in plain words, then ask about the "
               "target slot",
    "rephrase": "ask about the target slot again, in other words than before",
    "vague": "the last answer said who wanted it, not what it does for them; ask what it lets them do",
    "unclear": "the last answer could not go on the card as said: the problem today, talk about the work, or "
               "not an action; ask for it again in a few plain words",
}


class Phrasing(BaseModel):
    """The coach's next message and the passages it drew on."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The message to the product manager, ending with one question.")
    cited: list[str] = Field(description="Ids of the passages used; [] if none.")


class CardProse(BaseModel):
    """The prose fields of an outcome card, reworded; nothing else of the card may change."""

    model_config = ConfigDict(extra="forbid")

    product_outcome: str = Field(description="Who does what differently, at the value moment.")
    okr: OKR
    alternatives: list[str] = Field(description="Other outputs that could move the same outcome.")
    assumptions: list[Assumption] = Field(description="Riskiest assumptions, each with a small test.")
    cited: list[str] = Field(description="Ids of the passages used; [] if none.")


class Searcher(Protocol):
    def search(self, query: str, k: int | None = None) -> list[Passage]: ...


def known_ids(cited: list[str], passages: list[Passage]) -> list[str]:
    """Cited ids that name a retrieved passage, in order, without repeats; unknown ones dropped."""
    allowed = {p.id for p in passages}
    return list(dict.fromkeys(c.strip() for c in cited if c.strip() in allowed))


class LLMInterpreter:
    """Reads an answer with the model (`prompts/llm/interpret.md`)."""

    name = "llm"

    def __init__(self, chat: ChatModel, guard: Guard, ledger: Ledger | None = None) -> None:
        self.chat, self.guard, self.ledger = chat, guard, ledger or Ledger()
        self.commands = OfflineInterpreter()

    def interpret(self, slot: Slot, answer: str, context: str = "") -> Interpretation:
        command = self.commands.interpret(slot, answer, context)
        if command.intent in COMMANDS:  # "just give me a draft", "start over": explicit, no model needed
            return command
        messages = build("interpret", self.guard.canary, {
            "slot": slot.value, "slot_meaning": SLOT_MEANING[slot],
            "statement": user_text("statement", context or "(none)"), "answer": user_text("answer", answer)})
        reply, usage = self.chat.complete(messages, Interpretation)
        self.ledger.add(usage)
        reply = self.guard.clean_model(reply)
        if reply.intent == "answer" and not reply.text.strip():
            reply.text = answer.strip()
        if reply.intent == "answer" and (problem := reading_problem(reply.text, answer)):
            raise MalformedReply(problem, usage=Usage())
        if slot is Slot.confidence and reply.intent == "answer" and reply.outcome_type is None:
            reply.outcome_type = "learning"
        return reply


class LLMWriter:
    """Phrases the protocol's moves and polishes the card with the model."""

    name = "llm"

    def __init__(self, chat: ChatModel, guard: Guard, ledger: Ledger | None = None,
                 offline: OfflineWriter | None = None) -> None:
        self.chat, self.guard, self.ledger = chat, guard, ledger or Ledger()
        self.offline = offline or OfflineWriter()

    def phrase(self, session: Session, move: Move, evidence: list[Passage]) -> str:
        reference = self.offline.phrase(session, move, evidence)
        filled = "\n".join(f"{slot.value}: {fill.text}" for slot, fill in session.slots.items()
                           if fill.origin != "assumed") or "(nothing yet)"
        act = ACT_RULE[move.act] + ("; this is the first message of the session, so open with one sentence "
                                    "on what the statement is, as the reference question "
                                    "does" if move.opening else "")
        messages = build("phrase", self.guard.canary, {
            "act": move.act, "act_rule": act, "slot": move.slot.value,
            "slot_meaning": SLOT_MEANING[move.slot],
            "trap": move.trap.value if move.trap else "none",
            "statement": user_text("statement", session.statement),
            "filled": data_block("context", filled),
            "answer": user_text("answer", move.answer or "(none)"),
            "reference": data_block("reference_question", reference),
            "passages": passages_block(evidence)})
        reply, usage = self.chat.complete(messages, Phrasing)
        self.ledger.add(usage)
        text = self.guard.clean(reply.text).strip()
        if not text or len(text) > MAX_MESSAGE_CHARS:
            raise MalformedReply("empty or overlong message", usage=Usage())
        if problem := question_problem(text, move.slot, move.answer, evidence, quoted=session.statement):
            raise MalformedReply(problem, usage=Usage())
        self.ledger.cite(known_ids(reply.cited, evidence))
        return text

    def polish(self, session: Session, card: OutcomeCard, evidence: list[Passage]) -> OutcomeCard:
        draft = card.model_dump_json(include={"output", "product_outcome", "who", "behavior", "value_moment",
                                              "metric",
                                              "guardrail", "business_outcome", "outcome_type", "okr",
                                              "alternatives",
                                              "assumptions"}, indent=1)
        messages = build("polish_card", self.guard.canary, {
            "statement": user_text("statement", session.statement),
            "card": data_block("draft_card", draft), "passages": passages_block(evidence)})
        reply, usage = self.chat.complete(messages, CardProse)
        self.ledger.add(usage)
        prose = self.guard.clean_model(reply)
        update: dict[str, Any] = {}
        if prose.product_outcome.strip() and not _adds_traps(card.product_outcome, prose.product_outcome) \
                and outcome_problem(prose.product_outcome) is None:
            update["product_outcome"] = prose.product_outcome.strip()
        if prose.okr.objective.strip() and 2 <= len(prose.okr.key_results) <= 3 and not any(
                re.match(r"(?i)\s*(?:ship|launch|build|deliver|release|implement)\b",
                         kr) or outcome_problem(kr)
                for kr in prose.okr.key_results):
            update["okr"] = prose.okr
        if prose.alternatives:
            update["alternatives"] = prose.alternatives[:5]
        if prose.assumptions:
            update["assumptions"] = prose.assumptions[:5]
        cited = known_ids(prose.cited, evidence)
        self.ledger.cite(cited)
        update["sources"] = list(dict.fromkeys([*card.sources, *cited]))
        # Only prose changes: the checks, metric, guardrail and slots stay the protocol's.
        return card.model_copy(update=update)

    def card_message(self, session: Session, card: OutcomeCard) -> str:
        return self.offline.card_message(session, card)


def _adds_traps(before: str, after: str) -> bool:
    """True when a reworded outcome picks up a trap the draft did not have."""
    return bool(set(classify(after).traps) - set(classify(before).traps))


def classify_llm(chat: ChatModel, statement: str, guard: Guard, usage: Usage | None = None) -> Classification:
    """Kind, traps and explanation from the model (enums only), with the learned classifier's nearest labelled
    examples as few-shot context; the learned verdict is shown as a second opinion when the two disagree."""
    offline = classify(statement)
    examples = "\n".join(f"- {e['statement']} => kind {e['kind']}; traps {', '.join(e['traps']) or 'none'}"
                         for e in offline.similar) or "(none)"
    values = {"statement": user_text("statement", statement), "examples": data_block("examples", examples)}
    reply, spent = chat.complete(build("classify", guard.canary, values), Classification)
    if usage is not None:
        usage.add(spent)
    reply = guard.clean_model(reply)
    traps = list(dict.fromkeys(reply.traps))
    explanation = reply.explanation.strip()
    agree = reply.kind is offline.kind and set(traps) == set(offline.traps)
    if not agree:
        second = f" with {', '.join(t.value for t in offline.traps)}" if offline.traps else ", no trap"
        explanation += f" Second opinion (offline classifier): {offline.kind.value}{second}."
    return Classification(kind=reply.kind, traps=traps, explanation=explanation,
                          sources=sources_for(reply.kind, traps), similar=offline.similar,
                          confidence=offline.confidence if agree else None)


_CITE = re.compile(r"\[([^\[\]\n]{1,200})\]")


def ground(text: str, passages: list[Passage]) -> tuple[str, list[Passage]]:
    """The answer with unknown citations removed, and the passages it cites (in citation order)."""
    by_id = {p.id: p for p in passages}
    cited: list[str] = []

    def keep(match: re.Match[str]) -> str:
        ids = [i.strip() for i in match.group(1).split(",")]
        if not all(re.fullmatch(r"[\w.#-]+", i) for i in ids):
            return match.group(0)  # not a citation (e.g. "[see note 2]"): prose stays as written
        good = [i for i in ids if i in by_id]
        cited.extend(good)
        return f"[{', '.join(good)}]" if good else ""

    cleaned = re.sub(r"[ \t]{2,}", " ", _CITE.sub(keep, text))
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned).strip()
    return cleaned, [by_id[i] for i in dict.fromkeys(cited)]


def ask_llm(chat: ChatModel, kb: Searcher, question: str, guard: Guard, k: int = 3,
            usage: Usage | None = None,
            on_delta: Callable[[str], None] | None = None, passages: list[Passage] | None = None) -> Answer:
    """A streamed answer grounded in the retrieved passages; raises LLMError when it cites none."""
    passages = kb.search(question, k=k) if passages is None else passages
    if not passages:
        from coach.knowledge.ask import NOTHING_FOUND

        return Answer(answer=NOTHING_FOUND, sources=[])
    stream = chat.stream(build("ask", guard.canary, {"question": user_text("question", question),
                                                       "passages": passages_block(passages)}))
    try:
        text = stream.collect(on_delta)  # all or nothing: a cut stream raises, never half an answer
    finally:
        if usage is not None:
            usage.add(stream.usage)
    text, cited = ground(guard.clean(text), passages)
    if not cited:
        raise MalformedReply("answer cites no retrieved passage")
    return Answer(answer=text, sources=cited)
