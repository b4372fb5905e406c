"""The coach's talk around the card: reading the outcome back, taking the user's rewrite or corrections,
editing fields by hand, and undoing the last answer. A mixin of `Coach` (coach.engine.protocol)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from coach.engine import card as cards
from coach.engine import compose
from coach.engine.classifier import classify
from coach.engine.interpreter import Interpretation
from coach.engine.numbers import parse_numbers
from coach.engine.session import Session
from coach.engine.understand import corrections, first_person, understand
from coach.models import Kind, Role, Slot, Turn
from coach.textinput import InputError, clean_text

if TYPE_CHECKING:
    from coach.engine.writer import OfflineWriter, Writer

# Talk about the card, not a new outcome sentence: never taken as the user's rewrite.
META_TALK = re.compile(r"\b(?:wrong|garbled|gibberish|broken|nonsense|mistake|the card|fix|not what i|"
                       r"the (?:who|behaviou?r|metric|guardrail|outcome|target|baseline|value moment|segment)"
                       r"(?: line| field)? (?:says|is|should|was))\b", re.I)


# "Keep it", "looks good", "yes, keep it I guess": the read-back is approved, whatever else follows.
KEEP = re.compile(r"^\W*(?:(?:ok(?:ay)?|yes|yeah|yep|sure|fine|great|good|perfect)[,.!]?\s+)?(?:keep (?:it|"
                  r"that|this)|looks? (?:good|fine|right)|that works|sounds (?:good|right)|perfect|approved?|"
                  r"ship it)\b",
                  re.I)
# A label before a rewrite: "Shorter version: ...", "My rewrite: ...", "Try this: ...".
LABEL = re.compile(r"^\W*(?:(?:my |a |the )?(?:shorter|better|cleaner|new|final|revised|"
                   r"tighter)?\s*(?:version|rewrite|take|wording|attempt|suggestion|try this|try|how "
                   r"about)(?: \d)?)\s*:\s*", re.I)


def heard_question(text: str) -> bool:
    return "question" in understand(text, Slot.confidence).acts or text.strip().endswith("?")


class CardTalk:
    """Read-back, rewrites, corrections, edits and undo; the protocol class supplies the rest."""

    if TYPE_CHECKING:  # supplied by Coach (coach.engine.protocol)
        writer: Writer
        offline_writer: OfflineWriter

        def finish(self, session: Session) -> Turn: ...
        def _compose(self, session: Session) -> str: ...
        def _say_plain(self, session: Session, text: str, slot: Slot) -> Turn: ...

    def undo(self, session: Session) -> bool:
        """Take back the user's last answer and the coach's reply to it (the Coach page's undo button)."""
        return session.undo()

    def edit_card(self, session: Session, **fields: str) -> list[str]:
        """Change card fields by hand; returns the fields changed. Text is checked like any answer, and the
        self-checks are run again on the new wording."""
        card = session.card
        if card is None:
            raise InputError("There is no card to edit yet.")
        metric_fields = {"metric_name": "name", "definition": "definition", "baseline": "baseline",
                         "target": "target", "time_frame": "time_frame"}
        changed = []
        for key, value in fields.items():
            value = clean_text(value, what=key.replace("_", " "),
                               require_words=False) if value.strip() else ""
            if key in metric_fields:
                if getattr(card.metric, metric_fields[key]) != value:
                    setattr(card.metric, metric_fields[key], value)
                    changed.append(key)
            elif key == "outcome_type":
                if value not in ("learning", "performance"):
                    raise InputError("Outcome type is 'learning' or 'performance'.")
                if card.outcome_type != value:
                    card.outcome_type, changed = value, [*changed, key]  # type: ignore[assignment]
            elif key in ("product_outcome", "who", "behavior", "value_moment", "guardrail",
                         "business_outcome"):
                if getattr(card, key) != value:
                    setattr(card, key, value)
                    changed.append(key)
            else:
                raise InputError(f"The card has no field {key!r}.")
        if "guardrail" in changed and not session.outcome_text and card.guardrail:
            # The sentence the coach wrote carries the guardrail: keep the two saying the same thing.
            head = re.split(r",\s*(?:without|while)\b", card.product_outcome, maxsplit=1)[0].rstrip(".")
            card.product_outcome = f"{head}, {compose.guard_phrase(compose.guard_limit(card.guardrail))}."
        if changed:
            agreed = "guardrail" in changed or Slot.guardrail not in card.assumed_slots
            card.checks = cards.self_checks(card.product_outcome, card.guardrail, agreed)
            card.assumed_slots = [s for s in card.assumed_slots if s.value not in changed]
        return changed

    def _read_back(self, session: Session, prefix: str = "") -> Turn:
        """Read the composed outcome back once, to keep or rewrite in the user's words; past six messages the
        card itself carries the read-back (a rewrite after it updates the card)."""
        if session.reading_back or session.read_back_done or session.coach_turns >= 6:
            return self.finish(session)
        session.reading_back = True
        sentence = self._compose(session)
        text = self.offline_writer.bank["read_back"].format(sentence=sentence)
        turn = Turn(role=Role.coach, text=f"{prefix} {text}".strip(), slot=Slot.behavior,
                    engine=self.writer.name, sources=["outcome-statement-anatomy"])
        session.transcript.append(turn)
        session.pending = Slot.behavior
        return turn

    def _after_read_back(self, session: Session, text: str, meaning: Interpretation) -> Turn:
        session.reading_back, session.read_back_done = False, True
        keep = meaning.intent in ("approve", "draft", "dont_know") or KEEP.match(text)
        guard = self._guardrail_of(text)
        if guard:  # said now, in answer to the read-back: it replaces whatever was read before
            session.slots.pop(Slot.guardrail, None)
            session.fill(Slot.guardrail, guard)
        fixes = self._fixes(text)
        for key in ("who", "behavior", "value_moment", "guardrail"):
            if value := fixes.pop(key,
                                  ""):  # 'the who is first-time customers': the sentence is written again
                slot = Slot(key)
                session.slots.pop(slot, None)
                session.fill(slot, compose.clean_part(slot, value))
        if not keep and not guard and (rewrite := self._rewrite_of(text)):
            session.outcome_text = rewrite
            self._numbers_from_rewrite(session, rewrite)
        turn = self.finish(session)
        if fixes and session.card is not None:
            try:
                self.edit_card(session, **fixes)
            except InputError:
                pass
        return turn

    @staticmethod
    def _fixes(text: str) -> dict[str, str]:
        """Card fixes said in words, with a stated target read as numbers: 'target is 4 min to under 2 by
        Q3'."""
        fixes = corrections(text)
        for key in ("target", "baseline"):
            if key in fixes and len(fixes[key].split()) > 3:
                nums = parse_numbers(fixes[key])
                if nums.target or nums.baseline:
                    fixes.pop(key)
                    # 'target is 35% by Q3': one number, the target
                    lone = nums.baseline if not nums.target else ""
                    said = {"target": nums.target or (lone if key == "target" else ""),
                            "baseline": lone if key == "baseline" else (nums.baseline if nums.target else ""),
                            "time_frame": nums.time_frame}
                    fixes.update({k: v for k, v in said.items() if v})
        return fixes

    @staticmethod
    def _guardrail_of(text: str) -> str:
        """A guardrail said after the read-back or the card ('support tickets shouldn't go up'), as a
        limit."""
        heard = understand(text, Slot.guardrail)
        clause = heard.parts.get(Slot.guardrail, "")
        if not clause or not compose.GUARD.search(clause) or re.match(r"(?i)\W*(?:more|fewer)\s",
                                                                      heard.content):
            return ""
        if re.search(r"(?i)\b(?:outcome|sentence|rewrite|wording)\b", text):
            return ""
        return compose.guard_limit(clause)

    @staticmethod
    def _numbers_from_rewrite(session: Session, rewrite: str) -> None:
        """The user's own sentence wins: its numbers, and its segment after 'More', replace what was read
        before."""
        nums = parse_numbers(rewrite)
        if not nums.empty:
            session.numbers = nums.merged(session.numbers)
        if re.match(r"(?i)more\s+\S+", rewrite):
            who, _ = compose.split_outcome("share of "
                                           + rewrite[5:].split(",")[0].replace(" get ", " who get ", 1))
            if who and who != "customers" and len(who.split()) <= 8 and session.card is not None:
                session.card.who = who
        if session.card is not None:
            card = session.card
            card.metric.baseline = session.numbers.baseline or card.metric.baseline
            card.metric.target = session.numbers.target or card.metric.target
            card.metric.time_frame = session.numbers.time_frame or card.metric.time_frame

    @staticmethod
    def _rewrite_of(text: str) -> str:
        """The user's own outcome sentence, when the text is one (not a 'yes', a worry or a question)."""
        text = LABEL.sub("", text.strip())
        heard = understand(re.split(r"(?:rewrite|rephrase)(?: it)?(?: as| to)?\s*:|how about\s*:|try\s*:|"
                                    r"i'?d (?:say|write)(?: it(?: as)?)?\s*:|instead\s*:|better\s*:|should "
                                    r"(?:read|say)\s*:|what i (?:said|meant)\s*:|like this\s*:|my "
                                    r"version\s*:",
                                    text, flags=re.I)[-1], Slot.behavior)
        candidates = [c for c in re.split(r"(?<=[.!?])\s+", heard.content) if len(c.split()) >= 6]
        rewrite = max(candidates, key=len) if candidates else heard.content
        if first_person(rewrite) or META_TALK.search(rewrite) or not heard.has_content \
                or len(rewrite.split()) < 6 or re.match(
                r"^(?:yes|yeah|yep|ok|okay|sure|keep|fine|good|great|looks good|that works|perfect|thanks)\b",
                rewrite, re.I):
            return ""
        if classify(rewrite).kind is not Kind.product_outcome or compose.GUARD_START.match(rewrite):
            return ""
        if compose.part_problem(Slot.value_moment, rewrite) == "talk":
            return ""  # talk about the work ("the board", "north star", a question), not an outcome sentence
        if len(rewrite.split()) < 8 and not re.match(r"(?i)(?:more|fewer|increase|raise|grow|reduce|lower|"
                                                     r"cut|double|halve|get|help|improve|boost|lift|"
                                                     r"move)\b", rewrite):
            return ""  # a segment or a remark, not an outcome sentence
        return rewrite[:1].upper() + rewrite[1:].rstrip(".!") + "."

    def _after_card(self, session: Session, text: str) -> Turn:
        try:
            clean_text(text, what="message")
        except InputError as err:
            return self._say_plain(session, str(err), Slot.confidence)
        session.transcript.append(Turn(role=Role.user, text=text))
        fixes = self._fixes(text)
        if fixes and session.card is not None:
            try:
                changed = self.edit_card(session, **fixes)
            except InputError as err:
                return self._say_plain(session, str(err), Slot.metric)
            if changed and not session.outcome_text and set(changed) & {"who", "behavior", "value_moment"}:
                for key in set(changed) & {"who", "behavior",
                                           "value_moment"}:  # the coach's sentence follows the fix
                    session.slots.pop(Slot(key), None)
                    session.fill(Slot(key), compose.clean_part(Slot(key), getattr(session.card, key)))
                session.card.product_outcome = self._compose(session)
            if changed:
                names = self.offline_writer.bank["field_names"]
                said = "; ".join(f"{names.get(k, k)}: {v}" for k, v in fixes.items() if k in changed)
                return self._say_plain(session, self.offline_writer.bank["fixed"].format(fields=said),
                                       Slot.metric)
        guard = self._guardrail_of(text)
        if guard and session.card is not None and not KEEP.match(text):
            self.edit_card(session, guardrail=guard)
            names = self.offline_writer.bank["field_names"]
            return self._say_plain(session, self.offline_writer.bank["fixed"].format(
                fields=f"{names['guardrail']}: {guard}"), Slot.guardrail)
        rewrite = self._rewrite_of(text)
        if rewrite and session.card is not None:
            session.outcome_text = rewrite
            self._numbers_from_rewrite(session, rewrite)
            card = session.card
            card.product_outcome = rewrite
            # The objective follows the user's sentence, so the card does not say two different things.
            objective = re.split(r",\s*(?:without|while|and not)\b|\s+without\s", rewrite,
                                 maxsplit=1)[0].rstrip(".")
            objective = re.sub(r"(?i)^(?:more|get more|help more)\s+", "", objective)
            card.okr.objective = objective[:1].upper() + objective[1:]
            card.checks = cards.self_checks(rewrite, card.guardrail)
            return self._say_plain(session,
                                   self.offline_writer.bank["rewrite_taken"].format(sentence=rewrite),
                                   Slot.behavior)
        if heard_question(text):
            return self._say_plain(session, self.offline_writer.bank["after_card_question"], Slot.confidence)
        done = self.offline_writer.bank["card_done"]
        return self._say_plain(session, done, Slot.confidence)
