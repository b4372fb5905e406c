"""The coaching protocol: a deterministic state machine over the slots.

Both engines run this same protocol; only the interpreter (reads answers) and the
writer (phrases questions and the card) differ. Every coach message carries the
slot it is after and the note ids it drew on, and a card is always reached within
TURN_BUDGET coach messages.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.engine import card as cards
from coach.engine import lexicon as lx
from coach.engine.classifier import TRAP_NOTES, classify, read
from coach.engine.interpreter import Interpretation, Interpreter, OfflineInterpreter
from coach.engine.session import SLOT_ORDER, TURN_BUDGET, Session
from coach.engine.writer import Move, OfflineWriter, Writer
from coach.models import Kind, Passage, Role, Slot, Trap, Turn
from coach.textinput import InputError, clean_text, looks_english

#: Finds passages for a query, preferring the given note ids: (query, note_ids) -> passages.
Retriever = Callable[[str, list[str]], list[Passage]]

SLOT_NOTES: dict[Slot, list[str]] = {
    Slot.value: ["value-ladder"],
    Slot.success: ["value-ladder"],
    Slot.who: ["one-outcome-at-a-time"],
    Slot.behavior: ["output-vs-outcome", "value-ladder"],
    Slot.value_moment: ["value-creation-moment"],
    Slot.metric: ["outcome-statement-anatomy", "instrumentation-and-cadence"],
    Slot.guardrail: ["guardrails"],
    Slot.business_link: ["product-outcomes-from-business-outcomes", "business-outcomes-from-revenue-model"],
    Slot.confidence: ["learning-vs-performance"],
}
# Traps an answer may carry in each slot before the coach challenges it.
CHALLENGED: dict[Slot, set[Trap]] = {
    Slot.success: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric, Trap.sentiment_only},
    Slot.behavior: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric, Trap.sentiment_only},
    Slot.metric: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric, Trap.sentiment_only},
}
LADDER_LIMIT = 2  # "what is the value of that?" at most this many times


class Coach:
    """Runs coaching sessions with an injected interpreter, writer and retriever."""

    def __init__(self, interpreter: Interpreter | None = None, writer: Writer | None = None,
                 retriever: Retriever | None = None):
        self.interpreter = interpreter or OfflineInterpreter()
        self.writer = writer or OfflineWriter()
        self.retriever = retriever
        self.offline_writer = OfflineWriter()

    # -- public API -------------------------------------------------------------------------------

    def start(self, statement: str) -> Session:
        """Open a session on a statement; the first coach question is in its transcript."""
        statement = clean_text(statement)
        session = Session(statement=statement, classification=classify(statement), engine=self.writer.name)
        session.transcript.append(Turn(role=Role.user, text=statement))
        self._prefill(session)
        first = self._next_slot(session)
        variant = ""
        c = session.classification
        if Trap.multiple_outcomes in c.traps:
            variant = "behavior_focus"
        elif c.kind is Kind.business_outcome and first is Slot.behavior:
            variant = "behavior_business"
        turn = self._ask(session, Move(act="ask", slot=first, opening=True, variant=variant), extra_notes=c.sources)
        if not looks_english(statement):
            turn.notice = self.offline_writer.bank["not_english"]
            turn.text = f"{turn.notice} {turn.text}"
        return session

    def reply(self, session: Session, text: str) -> Turn:
        """Take the user's answer and return the coach's next message (a question or the card)."""
        if session.status == "done":
            return self._after_card(session, text)
        slot = session.pending or self._next_slot(session) or Slot.confidence
        try:
            text = clean_text(text, what="answer", require_words=False)
        except InputError as err:
            return self._say(session, Move(act="bad_input", slot=slot), prefix=str(err))
        session.transcript.append(Turn(role=Role.user, text=text, slot=slot))
        meaning = self.interpreter.interpret(slot, text, session.statement)
        if meaning.intent == "restart":
            session.restart_requested = True
            return self._say_plain(session, "Say the next statement you'd like to reframe and I'll start a new session.", slot)
        if meaning.intent in ("draft", "approve"):
            return self.finish(session)
        if meaning.intent == "dont_know":
            self._assume(session, slot)
            return self._advance(session, Move(act="dont_know", slot=slot))
        if meaning.intent == "evasive":
            if session.bump(f"nudge:{slot}") <= 1:
                return self._say(session, Move(act="evasive", slot=slot))
            self._assume(session, slot)
            return self._advance(session, None)
        return self._take_answer(session, slot, meaning)

    def finish(self, session: Session) -> Turn:
        """Draft the card now, filling what is missing by assumption."""
        for slot in SLOT_ORDER:
            if slot not in session.slots:
                self._assume(session, slot)
        draft = cards.draft_card(session, self._business_default(session), self._guardrail_default(session))
        draft.sources = self._sources(session)
        evidence = self._evidence("outcome card self-checks guardrail", ["four-self-checks", "outcome-statement-anatomy"])
        card = self.writer.polish(session, draft, evidence)
        card.checks = cards.self_checks(card.product_outcome, card.guardrail)
        session.card, session.status, session.pending = card, "done", None
        text = getattr(self.writer, "card_message", self.offline_writer.card_message)(session, card)
        turn = Turn(role=Role.coach, text=text, sources=card.sources[:4], engine=self.writer.name, evidence=evidence)
        session.transcript.append(turn)
        return turn

    # -- the protocol -----------------------------------------------------------------------------

    def _prefill(self, session: Session) -> None:
        c, r = session.classification, read(session.statement)
        if c.kind is Kind.output:
            return
        session.fill(Slot.value, session.statement, "statement")
        if c.kind is Kind.business_outcome:
            session.fill(Slot.business_link, session.statement, "statement")
            session.fill(Slot.success, session.statement, "statement")
            return
        if Trap.multiple_outcomes in c.traps:
            return
        session.fill(Slot.success, r.main or session.statement, "statement")
        clean_measure = not (set(c.traps) - {Trap.no_guardrail})
        if clean_measure:
            session.fill(Slot.behavior, r.main or session.statement, "statement")
            if any(ch.isdigit() for ch in session.statement):
                session.fill(Slot.metric, session.statement, "statement")
        else:
            session.unresolved_traps[Slot.success] = [t.value for t in c.traps]
        if r.guarded and r.cues.get("guardrail"):
            session.fill(Slot.guardrail, r.cues["guardrail"], "statement")

    def _next_slot(self, session: Session) -> Slot | None:
        c = session.classification
        if (c.kind is Kind.business_outcome or Trap.multiple_outcomes in c.traps) and Slot.behavior not in session.slots \
                and not session.coach_turns:
            return Slot.behavior  # translate a business outcome down, or pick one of several, first
        for slot in SLOT_ORDER:
            if slot not in session.slots:
                return slot
        return None

    def _take_answer(self, session: Session, slot: Slot, meaning: Interpretation) -> Turn:
        answer = meaning.text
        previous = [t.text for t in session.transcript[:-1] if t.role is Role.user and t.slot is slot]
        repeated = answer in previous
        if slot is Slot.value and meaning.still_output and not repeated and session.bump("ladder") <= LADDER_LIMIT:
            return self._say(session, Move(act="ladder", slot=Slot.value, answer=answer))
        traps = [t for t in meaning.traps if t in CHALLENGED.get(slot, set())]
        fresh = [t for t in traps if f"{slot}:{t}" not in session.countered and not repeated]
        if fresh:
            trap = fresh[0]
            session.countered.append(f"{slot}:{trap}")
            return self._say(session, Move(act="counter", slot=slot, trap=trap, answer=answer),
                             extra_notes=[TRAP_NOTES[trap]])
        if traps:
            session.unresolved_traps[slot] = [t.value for t in traps]
        if slot is Slot.confidence:
            session.fill(slot, meaning.outcome_type or "learning")
        else:
            session.fill(slot, answer)
        self._opportunistic(session, slot, meaning)
        return self._advance(session, None)

    def _opportunistic(self, session: Session, slot: Slot, meaning: Interpretation) -> None:
        """An answer that already states a clean behaviour fills the next rung of the ladder too."""
        clean_behaviour = meaning.kind is Kind.product_outcome and not meaning.traps
        if slot is Slot.metric and Slot.confidence not in session.slots and not any(ch.isdigit() for ch in meaning.text):
            # No baseline yet means nobody knows what moves it: a learning outcome by definition.
            session.fill(Slot.confidence, "learning", "inferred")
        if slot is Slot.value and clean_behaviour and Slot.success not in session.slots:
            session.fill(Slot.success, meaning.text)
        if slot is Slot.success and clean_behaviour and Slot.behavior not in session.slots:
            if lx.ACTOR.search(meaning.text):
                session.fill(Slot.behavior, meaning.text)

    def _advance(self, session: Session, move: Move | None) -> Turn:
        nxt = self._next_slot(session)
        # Keep one message in hand for the card.
        if nxt is None or session.coach_turns >= TURN_BUDGET - 1:
            return self.finish(session)
        if move is None:
            move = Move(act="ask", slot=nxt)
        elif move.act == "dont_know":
            move = Move(act="dont_know", slot=nxt)
        return self._say(session, move.model_copy(update={"slot": nxt}) if move.slot != nxt else move)

    def _say(self, session: Session, move: Move, extra_notes: list[str] | None = None, prefix: str = "") -> Turn:
        if session.coach_turns >= TURN_BUDGET - 1:
            return self.finish(session)
        return self._ask(session, move, extra_notes=extra_notes, prefix=prefix)

    def _ask(self, session: Session, move: Move, extra_notes: list[str] | None = None, prefix: str = "") -> Turn:
        notes = list(dict.fromkeys((extra_notes or []) + SLOT_NOTES[move.slot]))
        evidence = self._evidence(f"{move.slot.value} {move.answer or session.statement}", notes)
        text = self.writer.phrase(session, move, evidence)
        if prefix:
            text = f"{prefix} {text}"
        turn = Turn(role=Role.coach, text=text, slot=move.slot, sources=notes[:3], engine=self.writer.name,
                    traps=[move.trap] if move.trap else [], evidence=evidence)
        session.transcript.append(turn)
        session.pending = move.slot
        return turn

    def _say_plain(self, session: Session, text: str, slot: Slot) -> Turn:
        turn = Turn(role=Role.coach, text=text, slot=slot, engine=self.writer.name)
        session.transcript.append(turn)
        return turn

    def _after_card(self, session: Session, text: str) -> Turn:
        try:
            clean_text(text, what="message")
        except InputError as err:
            return self._say_plain(session, str(err), Slot.confidence)
        session.transcript.append(Turn(role=Role.user, text=text))
        done = self.offline_writer.bank["card_done"]
        return self._say_plain(session, done, Slot.confidence)

    # -- assumptions and grounding -----------------------------------------------------------------

    def _assume(self, session: Session, slot: Slot) -> None:
        s = session.filled
        defaults = {
            Slot.value: f"get more done with {cards.output_object(session.statement)}",
            Slot.success: s(Slot.value) or session.statement,
            Slot.who: "active customers",
            Slot.behavior: s(Slot.success) or s(Slot.value) or session.statement,
            Slot.value_moment: "",
            Slot.metric: "",
            Slot.guardrail: self._guardrail_default(session),
            Slot.business_link: self._business_default(session),
            Slot.confidence: "learning",
        }
        session.fill(slot, defaults[slot], "assumed")

    def _business_default(self, session: Session) -> str:
        if session.classification.kind is Kind.business_outcome:
            return session.statement
        text = " ".join(f.text for f in session.slots.values()) + " " + session.statement
        lowered = text.lower()
        if any(w in lowered for w in ("ticket", "support", "call", "contact", "manual")):
            return "lower cost to serve"
        if any(w in lowered for w in ("buy", "purchase", "checkout", "convert", "paid", "upgrade", "order")):
            return "more revenue from conversion and repeat purchases"
        if any(w in lowered for w in ("sign", "invite", "refer", "share")):
            return "more new customers through referral and word of mouth"
        return "higher retention (customers who get value keep renewing)"

    def _guardrail_default(self, session: Session) -> str:
        who = session.filled(Slot.who) or "the same customers"
        return f"satisfaction (CSAT) of {who} does not drop"

    def _sources(self, session: Session) -> list[str]:
        ids = list(session.classification.sources)
        for turn in session.transcript:
            ids.extend(turn.sources)
        ids.extend(["value-ladder", "outcome-statement-anatomy"])
        return list(dict.fromkeys(ids))

    def _evidence(self, query: str, notes: list[str]) -> list[Passage]:
        if self.retriever is None:
            return []
        try:
            return self.retriever(query, notes)[:1]
        except Exception:  # a broken index must not stop the coaching
            return []
