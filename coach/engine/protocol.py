"""The coaching protocol: a deterministic state machine over the slots.

Both engines run this same protocol; only the interpreter (reads answers) and the
writer (phrases questions and the card) differ. Every coach message carries the
slot it is after and the note ids it drew on, and a card is always reached within
TURN_BUDGET coach messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from coach.engine import card as cards
from coach.engine import compose
from coach.engine.cardtalk import CardTalk
from coach.engine.classifier import TRAP_NOTES, classify, read
from coach.engine.interpreter import Interpretation, Interpreter, OfflineInterpreter
from coach.engine.numbers import parse_numbers
from coach.engine.session import SLOT_ORDER, Session
from coach.engine.understand import Understanding, understand, valid_segment
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
    Slot.success: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric,
                   Trap.sentiment_only},
    Slot.behavior: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric,
                    Trap.sentiment_only},
    Slot.metric: {Trap.output_in_disguise, Trap.traction_metric, Trap.wrong_moment, Trap.vanity_metric,
                  Trap.sentiment_only},
}
GAP_BEHAVIOUR = "[do what differently: to confirm]"
GAP_MOMENT = "[at the moment they get value: to confirm]"
CATCH = re.compile(r"catch|wrong with|problem|bad|why (?:is|does|not)|matter|isn'?t that|good for|no\?", re.I)
UNSURE = 0.35  # below this confidence the coach asks what the statement is instead of saying it
SOFT_BUDGET = 8  # coach messages, the card included, that a session aims for (../shared/rubric.md g)
# Slots whose answer must read as a clean part before it is filed (else the coach asks once more).
CONFIRMED = (Slot.behavior, Slot.success, Slot.value_moment, Slot.guardrail)
LADDER_LIMIT = 1  # "what is the value of that?" at most this many times
# Slots the coach asks about; the rest are inferred from the answers and shown on the card as such.
ASKED: list[Slot] = [Slot.value, Slot.who, Slot.behavior, Slot.value_moment, Slot.metric, Slot.guardrail]
# For a trapped outcome, the first question is the trap's counter-question.
FIRST_MOVE: dict[Trap, Slot] = {Trap.wrong_moment: Slot.value_moment, Trap.no_guardrail: Slot.guardrail,
                                Trap.output_in_disguise: Slot.value}


class Coach(CardTalk):
    """Runs coaching sessions with an injected interpreter, writer and retriever."""

    def __init__(self, interpreter: Interpreter | None = None, writer: Writer | None = None,
                 retriever: Retriever | None = None):
        self.interpreter = interpreter or OfflineInterpreter()
        self.writer = writer or OfflineWriter()
        self.retriever = retriever
        self.offline_writer = OfflineWriter()

    # -- public API -------------------------------------------------------------------------------

    def start(self, statement: str, session_id: str | None = None) -> Session:
        """Open a session on a statement; the first coach question is in its transcript. A given id (an eval's
        seed) fixes the phrasing the coach picks, so a run can be repeated exactly."""
        statement = clean_text(statement)
        session = Session(statement=statement, classification=classify(statement), engine=self.writer.name,
                          **({"id": session_id} if session_id else {}))
        session.transcript.append(Turn(role=Role.user, text=statement))
        self._prefill(session)
        first = self._next_slot(session)
        variant = ""
        c = session.classification
        if Trap.multiple_outcomes in c.traps:
            variant = "behavior_focus"
        elif c.kind is Kind.business_outcome and first is Slot.behavior:
            variant = "behavior_business"
        for trap in c.traps[:1]:
            session.bump(f"explain:{trap.value}")  # the opening explains it; a question back gets an example
        if c.confidence is not None and c.confidence < UNSURE and looks_english(statement):
            return self._ask_kind(session)
        if first is None:  # nothing missing: confirm and read it back
            opening = self.offline_writer.bank["opening"]["product_outcome_good"].format(
                output=session.statement.rstrip("."))
            turn = self._read_back(session, prefix=opening.replace(" Let's make it complete.", ""))
        else:
            turn = self._ask(session, Move(act="ask", slot=first, opening=True, variant=variant),
                             extra_notes=c.sources)
        if not looks_english(statement):
            turn.notice = self.offline_writer.bank["not_english"]
            turn.text = f"{turn.notice} {turn.text}"
        return session

    def reply(self, session: Session, text: str) -> Turn:
        """Take the user's answer and return the coach's next message (a question, a read-back or the
        card)."""
        session.snapshot()
        if session.status == "done":
            return self._after_card(session, text)
        slot = session.pending or self._next_slot(session) or Slot.guardrail
        try:
            text = clean_text(text, what="answer", require_words=False)
        except InputError as err:
            return self._say(session, Move(act="bad_input", slot=slot), prefix=str(err))
        session.transcript.append(Turn(role=Role.user, text=text, slot=slot))
        meaning = self.interpreter.interpret(slot, text, session.statement)
        if meaning.intent == "restart":
            session.restart_requested = True
            return self._say_plain(session,
                                   "Say the next statement you'd like to reframe and I'll start a new "
                                   "session.", slot)
        if session.reading_back:
            return self._after_read_back(session, text, meaning)
        if session.asking_kind:
            return self._settle_kind(session, text)
        heard = understand(text, slot)
        if meaning.intent in ("draft", "approve"):
            kept = [s for s in re.split(r"(?<=[.!?])\s+|,\s+", text)
                    if not re.search(r"(?i)\b(?:draft|write (?:it|this) up|short on time|in a hurry|give me|"
                                     r"skip|card|wrap (?:it )?up)\b", s)]
            rest = understand(" ".join(kept), slot)
            part = rest.parts.get(slot) or rest.content
            if len(rest.content.split()) >= 8 \
                    and not compose.part_problem(slot, compose.clean_part(slot, part), part):
                self._file(session, slot, rest, part)
            else:
                self._file_parts(session, slot, rest)
            return self.finish(session)
        if "undo" in heard.acts and not heard.has_content:
            return self._undo(session)
        if "undo" in heard.acts:  # "wait, go back - I meant X": replace the last answer with this one
            filled = [s for s, f in session.slots.items() if f.origin == "user"]
            if filled:
                slot = filled[-1]
                session.slots.pop(slot)
                heard = understand(heard.content, slot)
        if meaning.intent == "dont_know":
            self._assume(session, slot)
            return self._advance(session, Move(act="dont_know", slot=slot))
        if not heard.has_content:
            return self._non_answer(session, slot, heard, meaning)
        prefix = self._acknowledge(session, heard)
        return self._take_answer(session, slot, meaning, heard, prefix)

    def _ask_kind(self, session: Session) -> Session:
        """Not sure what the statement is: ask rather than assert (the answer settles the kind)."""
        session.asking_kind = True
        text = self.offline_writer.bank["ask_kind"].format(output=session.statement.rstrip("."))
        session.transcript.append(Turn(role=Role.coach, text=text, slot=Slot.value, engine=self.writer.name,
                                       sources=["output-vs-outcome", "business-vs-product-outcomes"]))
        session.pending = Slot.value
        return session

    def _settle_kind(self, session: Session, text: str) -> Turn:
        """The user said what the statement is: take it as the kind, keep the traps that fit, and go on."""
        session.asking_kind = False
        lowered = text.lower()
        c = session.classification
        if re.search(r"\b(?:build|ship|launch|deliver|make|creat|we (?:will|'ll)|our team|the team|feature|"
                     r"project|roadmap|output)", lowered):
            kind = Kind.output
        elif re.search(r"\b(?:revenue|churn|retention|money|cost|profit|business|sales|arr|margin)\b",
                       lowered):
            kind = Kind.business_outcome
        elif re.search(r"\b(?:customers?|users?|people|they|do|behaviou?r|patients|buyers|members)\b",
                       lowered):
            kind = Kind.product_outcome
        else:
            kind = c.kind
        traps = [t for t in c.traps if kind is Kind.product_outcome or t is Trap.output_in_disguise
                 and kind is Kind.output]
        session.classification = c.model_copy(update={"kind": kind, "traps": traps})
        session.slots.clear()
        self._prefill(session)
        nxt = self._next_slot(session)
        if nxt is None:
            return self._read_back(session, self.offline_writer.bank["kind_settled"][kind.value])
        return self._say(session, Move(act="ask", slot=nxt),
                         prefix=self.offline_writer.bank["kind_settled"][kind.value])

    def _non_answer(self, session: Session, slot: Slot, heard: Understanding,
                    meaning: Interpretation) -> Turn:
        """Pushback, a question back, 'I already said', off-topic or a vague reply: answer it as a coach
        would."""
        acts = heard.acts
        if "question" in acts and not CATCH.search(heard.question):
            return self._say(session, Move(act="evasive", slot=slot),
                             prefix=self.offline_writer.bank["clarify"])
        if "question" in acts:
            trap = self._live_trap(session)
            if session.bump(f"explain:{trap or session.classification.kind.value}") <= 1:
                return self._say(session, Move(act="explain", slot=slot, trap=trap,
                                               variant="" if trap else session.classification.kind.value))
            return self._say(session, Move(act="evasive", slot=slot))
        if "already" in acts:
            self._recover_from_statement(session, slot)
            if slot in session.slots:
                return self._advance(session, Move(act="ask", slot=slot),
                                     prefix=self.offline_writer.bank["fair_point"])
            return self._say(session, Move(act="rephrase", slot=slot))
        if "pushback" in acts:
            # It ships either way: ask how they will know it worked, which is the value question seen from
            # after launch.
            ask = Slot.success if slot is Slot.value else slot
            return self._say(session, Move(act="rephrase", slot=ask), prefix=self._pushback_reply(slot))
        if "off_topic" in acts:
            return self._say(session, Move(act="rephrase", slot=slot),
                             prefix=self.offline_writer.bank["off_topic"])
        if "vague" in acts and session.bump(f"vague:{slot}") <= 1:
            return self._say(session, Move(act="vague", slot=slot))
        if session.bump(f"nudge:{slot}") <= 1:
            return self._say(session, Move(act="evasive", slot=slot))
        self._assume(session, slot)
        return self._advance(session, None)

    def _pushback_reply(self, slot: Slot) -> str:
        bank = self.offline_writer.bank
        return bank["pushback"] if slot is Slot.value else bank["pushback_metric"]

    def _acknowledge(self, session: Session, heard: Understanding) -> str:
        bank = self.offline_writer.bank
        if "pushback" in heard.acts:
            return self._pushback_reply(session.pending or Slot.value)
        if "off_topic" in heard.acts:
            return bank["off_topic"]
        if "question" in heard.acts and not CATCH.search(heard.question):
            return ""
        if "question" in heard.acts:
            trap = self._live_trap(session)
            key = trap.value if trap else session.classification.kind.value
            if session.bump(f"explain:{key}") <= 1:
                return bank["explain"].get(key, bank["explain"]["none"])
        return ""

    def _live_trap(self, session: Session) -> Trap | None:
        """The trap the coach last pointed out, else the statement's first, for 'what's the catch?'."""
        for turn in reversed(session.transcript):
            if turn.role is Role.coach and turn.traps:
                return turn.traps[0]
        traps = [t for t in session.classification.traps]
        return traps[0] if traps else None

    def _recover_from_statement(self, session: Session, slot: Slot) -> None:
        """'It's in the statement' / 'I already said': look for the part in what was said before."""
        countered = {c.split(":")[0] for c in session.countered}
        for turn in session.transcript[:-1]:
            if turn.role is Role.user and (turn.slot is None or turn.slot.value not in countered):
                part = understand(turn.text, turn.slot or Slot.value).parts.get(slot)
                if part:
                    session.fill(slot, compose.clean_part(slot, part), "user")
                    return

    def _undo(self, session: Session) -> Turn:
        """'Wait, go back': forget the last slot the user filled and ask it again."""
        filled = [s for s, f in session.slots.items() if f.origin == "user"]
        if not filled:
            return self._say(session, Move(act="rephrase", slot=session.pending or Slot.value))
        last = filled[-1]
        session.slots.pop(last)
        return self._say(session, Move(act="ask", slot=last), prefix=self.offline_writer.bank["undo"])

    def finish(self, session: Session) -> Turn:
        """Draft the card now, filling what is missing by assumption."""
        for slot in SLOT_ORDER:
            if slot not in session.slots:
                self._assume(session, slot)
                # never asked by design: inferred from the case, not a gap the user left
                if slot not in ASKED:
                    session.slots[slot].origin = "inferred"
        draft = cards.draft_card(session, self._business_default(session), self._guardrail_default(session),
                                 self._compose(session))
        draft.sources = self._sources(session)
        evidence = self._evidence("outcome card self-checks guardrail",
                                  ["four-self-checks", "outcome-statement-anatomy"])
        card = self.writer.polish(session, draft, evidence)
        fill = session.slots.get(Slot.guardrail)
        card.checks = cards.self_checks(card.product_outcome, card.guardrail,
                                        fill is not None and fill.origin != "assumed")
        session.card, session.status, session.pending = card, "done", None
        text = getattr(self.writer, "card_message", self.offline_writer.card_message)(session, card)
        turn = Turn(role=Role.coach, text=text, sources=card.sources[:4], engine=self.writer.name,
                    evidence=evidence)
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
            return
        if Trap.multiple_outcomes in c.traps:
            return
        main = r.main or session.statement
        if not c.traps:
            # Already an outcome: keep the PM's sentence, and ask only for what it lacks.
            who, behavior = compose.split_outcome(main)
            session.good_outcome = True
            session.numbers = parse_numbers(session.statement)
            for slot, text in ((Slot.who, who), (Slot.behavior, behavior), (Slot.value_moment, behavior),
                               (Slot.metric, main)):
                session.fill(slot, text, "statement")
        else:
            session.unresolved_traps[Slot.success] = [t.value for t in c.traps]
        if r.guarded and r.cues.get("guardrail"):
            session.fill(Slot.guardrail, compose.guard_limit(r.cues["guardrail"]), "statement")

    def _next_slot(self, session: Session) -> Slot | None:
        c = session.classification
        if not session.coach_turns and Slot.behavior not in session.slots:
            if c.kind is Kind.business_outcome or Trap.multiple_outcomes in c.traps:
                return Slot.behavior  # translate a business outcome down, or pick one of several, first
            if c.kind is Kind.product_outcome and c.traps:
                return FIRST_MOVE.get(c.traps[0], Slot.behavior)
        for slot in ASKED:
            if slot not in session.slots:
                return slot
        return None

    def _take_answer(self, session: Session, slot: Slot, meaning: Interpretation, heard: Understanding,
                     prefix: str = "") -> Turn:
        answer = heard.parts.get(slot) or heard.content
        if slot is Slot.who and Slot.who not in heard.parts and self.interpreter.name == "offline":
            # No group named ("fine", "really", a remark): ask once more, then assume rather than invent one.
            if session.bump("nudge:who") <= 1:
                return self._say(session, Move(act="evasive", slot=slot), prefix=prefix)
            self._assume(session, slot)
            return self._advance(session, None, prefix=prefix)
        if self.interpreter.name != "offline" and meaning.text.strip():
            answer = meaning.text  # the model read the answer; the guard has already checked its words
        if slot is Slot.value and meaning.still_output and session.bump("ladder") <= LADDER_LIMIT:
            return self._say(session, Move(act="ladder", slot=Slot.value, answer=answer), prefix=prefix)
        # Only what reads as a metric is checked as one, and never the moment the user already named as value.
        traps = [t for t in meaning.traps if t in CHALLENGED.get(slot, set())]
        moment = session.filled(Slot.value_moment).lower()
        if moment and any(w in answer.lower() for w in moment.split()[1:4] if len(w) > 3):
            traps = [t for t in traps if t is not Trap.wrong_moment]
        fresh = [t for t in traps if f"{slot}:{t}" not in session.countered]
        if fresh and slot in (Slot.metric,
                              Slot.success) or (fresh and slot is Slot.behavior and heard.numbers.empty
                                                              and Trap.sentiment_only not in fresh):
            trap = fresh[0]
            session.countered.append(f"{slot}:{trap}")
            if slot is Slot.metric and not heard.numbers.empty:
                session.dropped = (
                    " to ".join(n for n in (heard.numbers.baseline, heard.numbers.target) if n)
                    + f"{' ' + heard.numbers.time_frame if heard.numbers.time_frame else ''} on "
                    f"{compose.shorten(answer, 8)}")
            return self._say(session, Move(act="counter", slot=slot, trap=trap, answer=answer),
                             extra_notes=[TRAP_NOTES[trap]], prefix=prefix)
        if traps:
            session.unresolved_traps[slot] = [t.value for t in traps]
        if slot in CONFIRMED and (problem := compose.part_problem(slot, compose.clean_part(slot, answer),
                                                                  answer)):
            # The answer holds no clean behaviour or moment (the pain today, talk about the work, a remark):
            # ask once more in plainer words rather than put debris on the card; then go on without it.
            others = Understanding(raw=heard.raw,
                                   parts={k: v for k, v in heard.parts.items() if k is not slot},
                                   numbers=heard.numbers)
            self._file_parts(session, slot, others)
            if session.bump(f"unclear:{slot}") <= 1:
                return self._say(session, Move(act="unclear", slot=slot, variant=problem), prefix=prefix)
            self._assume(session, slot)
            return self._advance(session, None, prefix=prefix)
        self._file(session, Slot.value if slot is Slot.success and Slot.value not in session.slots else slot,
                   heard, answer)
        return self._advance(session, None, prefix=prefix)

    def _file(self, session: Session, slot: Slot, heard: Understanding, answer: str) -> None:
        """File the answer under the slot asked, and each other part where it belongs (never over the user's
        words)."""
        session.fill(slot, compose.clean_part(slot, answer))
        if slot is Slot.who and (rest := compose.behaviour_after_segment(answer)) \
                and Slot.behavior not in session.slots:
            session.fill(Slot.behavior, compose.clean_part(Slot.behavior, rest))
        if slot is Slot.metric:
            session.numbers = session.numbers.merged(parse_numbers(answer))
        self._file_parts(session, slot, heard)
        if slot is Slot.value and Slot.success not in session.slots:
            session.fill(Slot.success, session.filled(Slot.value), "inferred")

    @staticmethod
    def _file_parts(session: Session, slot: Slot, heard: Understanding) -> None:
        """File the parts of an answer that speak to other slots, when they are clean enough to quote."""
        if slot is not Slot.metric and (metric_part := heard.parts.get(Slot.metric, "")):
            session.numbers = session.numbers.merged(parse_numbers(metric_part))
        for other, part in heard.parts.items():
            if other is slot or (other in session.slots and session.slots[other].origin == "user"):
                continue
            clean = compose.clean_part(other, part)
            if other is Slot.who and not valid_segment(clean):
                continue
            if not compose.part_problem(other, clean, part):
                session.fill(other, clean)

    def _advance(self, session: Session, move: Move | None, prefix: str = "") -> Turn:
        nxt = self._next_slot(session)
        # Keep one message in hand for the card.
        if session.coach_turns >= SOFT_BUDGET - 1:
            # the card is message eight at most; what is missing is marked as assumed
            return self.finish(session)
        if nxt is None:
            return self._read_back(session, prefix)
        if move is None:
            move = Move(act="ask", slot=nxt)
        elif move.act == "dont_know":
            move = Move(act="dont_know", slot=nxt)
        return self._say(session, move.model_copy(update={"slot": nxt}) if move.slot != nxt else move,
                         prefix=prefix)

    def _compose(self, session: Session) -> str:
        s = session.filled
        if not (s(Slot.behavior) or s(Slot.success) or s(Slot.value)) and not session.good_outcome:
            # Nothing said yet about what customers do: an honest draft shows the gaps, not an invented
            # behaviour.
            return compose.outcome_sentence(s(Slot.who) or "customers", GAP_BEHAVIOUR,
                                            s(Slot.value_moment) or GAP_MOMENT, s(Slot.guardrail))
        if session.good_outcome and not session.outcome_text:
            return cards.polished_statement(session.statement, cards.agreed_guardrail(session))
        behavior = cards.said_behaviour(session) or GAP_BEHAVIOUR
        moment = s(Slot.value_moment)
        moment = "" if compose.part_problem(Slot.value_moment, moment) else moment
        who = s(Slot.who)
        who = who if who and not compose.part_problem(Slot.who, who) else "customers"
        return compose.outcome_sentence(who, behavior, moment, s(Slot.guardrail))

    def _say(self, session: Session, move: Move, extra_notes: list[str] | None = None,
             prefix: str = "") -> Turn:
        if session.coach_turns >= SOFT_BUDGET - 1:
            return self.finish(session)
        return self._ask(session, move, extra_notes=extra_notes, prefix=prefix)

    def _ask(self, session: Session, move: Move, extra_notes: list[str] | None = None,
             prefix: str = "") -> Turn:
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

    # -- assumptions and grounding -----------------------------------------------------------------

    def _assume(self, session: Session, slot: Slot) -> None:
        s = session.filled
        defaults = {
            Slot.value: "",
            Slot.success: s(Slot.value),
            Slot.who: "active customers",
            Slot.behavior: s(Slot.success) or s(Slot.value),
            Slot.value_moment: "",
            Slot.metric: "",
            Slot.guardrail: self._guardrail_default(session),
            Slot.business_link: self._business_default(session),
            Slot.confidence: cards.outcome_type_of(session),
        }
        session.fill(slot, defaults[slot], "assumed")

    def _business_default(self, session: Session) -> str:
        if session.classification.kind is Kind.business_outcome:
            return session.statement.rstrip(".")
        return compose.business_default(" ".join(f.text for f in session.slots.values()) + " "
                                        + session.statement)

    def _guardrail_default(self, session: Session) -> str:
        return "satisfaction (CSAT) of the same customers does not drop"

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
