"""Coaching one backlog row at a time, for the Workshop: the trap, the one question, and a draft when there is
enough.

A row gets a draft outcome only when it already holds who does what (or a real customer
metric) and no trap that a draft would merely repeat; every other row "needs coaching",
with a question fitted to its own words and trap. No Streamlit here; no model either
(the LLM drafter lives in `coach.ui.rowllm` and falls back to this per row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.engine import card as cards
from coach.engine import lexicon as lx
from coach.engine.classifier import Reading, read
from coach.engine.compose import SHARE_OF, business_default, guard_phrase, lower_first
from coach.engine.numbers import parse_numbers
from coach.engine.traps import KIND_VERDICTS, TRAP_DEFINITIONS, TRAP_NAMES
from coach.models import OKR, Assumption, Classification, Kind, Metric, OutcomeCard, Slot, Trap

#: Traps a draft may carry: a missing guardrail is fixed by the draft itself.
DRAFTABLE_TRAPS = {Trap.no_guardrail}
_DELIVERY = re.compile(r"^(?:launch|ship|build|deliver|release|redesign|rebuild|add|create|integrate with|"
                       r"integrate|implement|introduce|roll out|migrate(?:\s+(?:to|onto))?|move to|switch to|"
                       r"publish|run|make|improve|revamp|update|support)\s+", re.I)
_PUSH = re.compile(r"^(?:increase|raise|grow|boost|lift|improve|double|triple|maximi[sz]e|get|drive|cut|"
                   r"reduce|lower|decrease|halve|minimi[sz]e)\s+(?:the\s+)?", re.I)
_PER_WHO = re.compile(r"\b(?:per|by|among|for)\s+(?:each\s+|every\s+|new\s+)?(?P<who>[\w-]+s?)\b", re.I)
_GUARD_CUT = re.compile(r",?\s+(?:without|while|as long as|so that|but not)\b|[;.]\s", re.I)
_FUNCTION_WORDS = {"the", "a", "an", "more", "new", "our", "better", "faster", "dark", "offline", "all",
                   "every", "each"}
_THIN_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOP = {"the", "a", "an", "and", "or", "of", "for", "to", "in", "on", "our", "q1", "q2", "q3", "q4", "stuff",
         "things", "misc", "various", "etc", "tbd", "todo", "more", "new", "v2", "improvements",
         "improvement", "updates", "update", "fixes", "work", "tasks"}
# What the value moment usually is, for the step a wrong-moment metric counts.
_LATER_MOMENT = [
    (re.compile(r"click|view|open|visit", re.I), "using what they opened to get something done"),
    (re.compile(r"download|install", re.I), "opening it and using it for real in the first week"),
    (re.compile(r"sign[- ]?ups?|registr|subscri", re.I), "the first time they get something useful from it"),
    (re.compile(r"applica", re.I), "the applicant being accepted and starting"),
    (re.compile(r"enrol|book|request", re.I), "finishing what they enrolled in or booked"),
]


@dataclass
class RowAdvice:
    """What the Workshop shows for one row."""

    trap: str  # the main problem in plain words, e.g. "wrong moment" or "an output: ..."
    why: str  # one sentence on what that means for this row
    question: str  # the one question to ask for this row
    draft: str = ""  # a draft outcome sentence, or "" when the row needs coaching
    card: OutcomeCard | None = None
    reason: str = ""  # why there is no draft
    duplicate_of: int | None = None  # the line this row repeats
    similarity: float = 0.0
    notice: str = ""  # e.g. the model's draft was not used for this row
    traps: list[str] = field(default_factory=list)

    @property
    def needs_coaching(self) -> bool:
        return not self.draft


def _lower_first(text: str) -> str:
    """Lower-case a leading common word ('The app' -> 'the app'), never a name ('Slack', 'NPS')."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _FUNCTION_WORDS or first.lower() in _STOP else text


def _clip(text: str, words: int = 12) -> str:
    parts = text.strip().rstrip(".!?").split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def content_words(text: str) -> list[str]:
    """The words that carry meaning (no articles, no 'Q3', no 'stuff')."""
    return [w for w in _THIN_WORDS.findall(text) if w.lower() not in _STOP]


def is_thin(text: str) -> bool:
    """Too little to say what it is for: at most two meaningful words and no verb."""
    words = content_words(text)
    return len(words) <= 1 or (len(words) <= 2 and not _DELIVERY.match(text) and not _PUSH.match(text)
                               and not lx.BEHAVIOR.search(text))


def thing_of(statement: str) -> str:
    """What an output delivers: 'Launch the Android app for learners' -> 'the Android app for learners'."""
    text = statement.strip().rstrip(".!?")
    if m := re.match(r"^integrate\s+(?:with|into)\s+(.+)$", text, re.I):
        return f"the {m.group(1)} integration"
    text = _DELIVERY.sub("", text, count=1)
    return _lower_first(text)


def who_and_behaviour(reading: Reading) -> tuple[str, str]:
    """(who, what they do) when the row names both, else ('', '')."""
    for text in (_GUARD_CUT.split(reading.text)[0], reading.main):
        text = (text or "").strip().rstrip(".!?")
        if found := _leading_who(text):
            return found
        if m := SHARE_OF.match(_PUSH.sub("", text, count=1)):
            return lower_first(m.group(1)), m.group(2)
    return "", ""


def _leading_who(text: str) -> tuple[str, str] | None:
    """'(More) warehouse staff pick orders' -> ('warehouse staff', 'pick orders'): who acts, then what they
    do."""
    words = text.split()
    start = 1 if words and words[0].lower() == "more" else 0
    for n in range(3, 0, -1):  # the longest group first: 'team admins', not 'team'
        end = start + n
        if end >= len(words) or not all(re.fullmatch(r"[\w-]+", w) for w in words[start:end]):
            continue
        last, following = words[end - 1], words[end].lower()
        if following in ("who", "that", "which", "of", "per", "and", "or"):
            continue
        plural_after_more = start == 1 and last.lower().endswith("s") and re.fullmatch(r"[a-z]+", following)
        if lx.ACTOR.fullmatch(last) or plural_after_more:
            does = " ".join(words[end:])
            if lx.BEHAVIOR.search(does) or start or re.match(r"^[a-z]+s?\b", does):
                return lower_first(" ".join(words[start:end])), does
    return None


def metric_phrase(statement: str) -> str:
    """What a metric-like row measures, without the push verb or its numbers."""
    text = _GUARD_CUT.split(statement)[0].strip().rstrip(".!?")
    text = _PUSH.sub("", text, count=1)
    return re.sub(r"\s+(?:from|to|by)\s+[\d$£€].*$", "", text).strip()


def customer_of(reading: Reading) -> str:
    """The customers a metric-like row counts ('learners' in 'daily active learners'), or ''."""
    main = reading.main or reading.text
    if m := _PER_WHO.search(main):
        if lx.ACTOR.fullmatch(m.group("who")):
            return m.group("who") if m.group("who").endswith("s") else m.group("who") + "s"
    found = [m.group(0) for m in lx.ACTOR.finditer(main)]
    if not found:
        return ""
    who = lower_first(found[-1])
    return who if who.endswith("s") or who in ("staff", "people") else who + "s"


def guardrail_for(statement: str, who: str) -> str:
    """A counter-metric fitted to what the row pushes (never the row's own metric)."""
    s, who = statement.lower(), who or "customers"
    if re.search(r"\b(?:time from|time to|faster|quicker|cut the time|days? to)\b", s):
        return f"the share of {who} who need help from support on the way does not rise"
    if re.search(r"\b(?:finish|complete|pass)", s):
        return f"the share of {who} still active a month later does not drop"
    if re.search(r"\b(?:minutes|time spent|watch|sessions?|daily|weekly|active|engag|come back|return)", s):
        return f"the share of {who} who turn off reminders or unsubscribe does not rise"
    if re.search(r"\b(?:assign|invite|share\b(?! of)|send|notif|remind)", s):
        return "the share of people on the receiving end who opt out or ignore them does not rise"
    if lx.SENTIMENT.search(statement):
        return f"the share of {who} who cancel within 30 days does not rise"
    return f"satisfaction (CSAT) of {who} does not drop"


def _with_guardrail(sentence: str, guardrail: str) -> str:
    sentence = sentence.strip().rstrip(".!?")
    sentence = re.sub(r"^maximi[sz]e\b", "Increase", sentence, flags=re.I)
    if re.search(r"\b(?:without|while|as long as|not at the expense)\b", sentence, re.I):
        return sentence + "."
    return f"{sentence[:1].upper() + sentence[1:]}, {guard_phrase(guardrail)}."


def _draft(reading: Reading, c: Classification) -> tuple[str, str, str, str]:
    """(draft, who, behaviour, reason-without-draft) for a row."""
    if c.kind is not Kind.product_outcome:
        what = "an output" if c.kind is Kind.output else "a business result"
        return "", "", "", f"It is {what}: the customer behaviour behind it has to come from the team."
    blocking = [t for t in c.traps if t not in DRAFTABLE_TRAPS]
    if blocking:
        return "", "", "", "A draft would only repeat the trap; the question below gets past it first."
    who, does = who_and_behaviour(reading)
    numbers = parse_numbers(reading.text)
    if not who:
        who = customer_of(reading)
        if not who and numbers.empty:
            return "", "", "", "It does not say which customers, or what they do: too little to draft from."
        does = ""
    guardrail = guardrail_for(reading.text, who or "customers")
    if does:
        base = f"More {who} {does}"
        if not numbers.empty and numbers.baseline and numbers.target:
            base += (f" (from {numbers.baseline} to "
                     f"{numbers.target}{' ' + numbers.time_frame if numbers.time_frame else ''})")
    else:
        base = cards.polished_statement(reading.main or reading.text).rstrip(".")
    return _with_guardrail(base, guardrail), who or "customers", does, ""


def _question(statement: str, reading: Reading, c: Classification, who: str, does: str) -> str:
    """The one question a coach would ask about this row, in the row's own words."""
    quoted = _clip(statement)
    cues = reading.cues
    trap = c.traps[0] if c.traps else None
    if is_thin(statement):
        return (f"\u201c{quoted}\u201d is too short to reframe: what should change for customers once it is "
                f"done, and for which customers?")
    if trap is Trap.multiple_outcomes:
        parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|;\s*",
                                             reading.main or statement) if p.strip()]
        listed = (", ".join(lower_first(p) for p in parts[:-1]) + f" or {lower_first(parts[-1])}"
                  if len(parts) > 1 else quoted)
        return f"Which one matters most this quarter: {listed}?"
    actor, does = who_and_behaviour(reading)
    if trap is Trap.output_in_disguise:
        if actor:
            return f"Who gets value when {actor} {does}, and at what moment could you count that instead?"
        made = cues.get("produced") or ""
        if _DELIVERY.match(statement):
            made = thing_of(reading.main or statement)
        elif len(made.split()) < 2 and not made.endswith("s"):  # 'sent': name the things, not the verb
            made = re.sub(r"^(?:the\s+)?(?:number|count|amount)\s+of\s+", "", metric_phrase(statement),
                          flags=re.I)
        return (f"Who gets value from each of the {_lower_first(made)}, and at what moment could you count "
                f"that instead?")
    if trap is Trap.traction_metric:
        used = f"{actor} {does}" if actor else "they " \
            + _lower_first(cues.get("feature") or reading.measured or quoted)
        return (f"What are people trying to get done when {used}, and how would you see they "
                "managed it, whichever feature they use?")
    if trap is Trap.wrong_moment:
        step = f"{actor} {does}" if actor else "the " \
            + _lower_first(cues.get("moment") or reading.measured or quoted)
        later = next((m for p, m in _LATER_MOMENT if p.search(step)), "the moment they actually get value")
        return (f"What happens after {step} that shows customers got value (say, {later}), "
                "and can you count that instead?")
    if trap is Trap.sentiment_only:
        score = reading.measured or cues.get("sentiment") or "the score"
        return (f"If {score} went up, what would customers be doing differently in the product that you "
                f"could count?")
    if trap is Trap.vanity_metric:
        reach = cues.get("vanity") or reading.measured or quoted
        return (f"What action should the {_lower_first(reach)} lead to, that would show the attention was "
                f"worth something?")
    if trap is Trap.no_guardrail:
        pushed = metric_phrase(statement) or reading.measured or quoted
        return (f"What must not get worse while you push {_lower_first(pushed)} up, and what limit would you "
                f"set on it?")
    if c.kind is Kind.output:
        return (f"Once {thing_of(reading.main or statement)} is live, who will do what differently that they "
                f"cannot do today?")
    if c.kind is Kind.business_outcome:
        measured = reading.measured or quoted
        if re.search(r"churn|retention|renew|cancel", statement, re.I):
            return ("What do the customers who stay do in the product that those who leave do not, and how "
                    "often?")
        return f"Which customers would have to do what more often in the product for {measured} to move?"
    numbers, who = parse_numbers(statement), who or "customers"
    if not (numbers.baseline and numbers.target):
        doing = f"{who} {does}" if does else f"{who} show up in {_lower_first(metric_phrase(statement))}"
        return f"How many {doing} today, and what number by when would show a real change?"
    if does:
        return (f"Is it when {who} {does} that they get value, or later, and does the metric count that "
                f"moment?")
    measured = metric_phrase(statement)
    measured = measured if re.match(r"(?i)(?:the|a|an)\b", measured) else "the " + measured
    return (f"Does {measured} end at the moment {who} get value, or before it, "
            "and what would you count there?")


def advise(statement: str, classification: Classification) -> RowAdvice:
    """The trap, the question, and a draft with its card (or the reason there is none) for one row."""
    reading = read(statement)
    c = classification
    main_trap = c.traps[0] if c.traps else None
    if main_trap is not None:
        trap, why = TRAP_NAMES[main_trap], TRAP_DEFINITIONS[main_trap]
        if len(c.traps) > 1:
            trap += " (+ " + ", ".join(TRAP_NAMES[t] for t in c.traps[1:]) + ")"
    else:
        trap, why = KIND_VERDICTS[c.kind].split(": ", 1)
    draft, who, does, reason = _draft(reading, c)
    if is_thin(statement) and not draft:
        reason = "Too thin to draft from: it does not say who, or what they would do."
    advice = RowAdvice(trap=trap, why=why[:1].upper() + why[1:],
                       question=_question(statement, reading, c, who, does), draft=draft, reason=reason,
                       traps=[t.value for t in c.traps])
    if draft:
        advice.card = row_card(statement, draft, who, does, reading)
    return advice


def row_card(statement: str, draft: str, who: str, does: str, reading: Reading) -> OutcomeCard:
    """A card for a drafted row: the draft, its metric and guardrail, and what is still to confirm."""
    numbers = parse_numbers(statement)
    guardrail = guardrail_for(statement, who)
    measured = f"share of {who} who {does}" if does else metric_phrase(statement)
    metric = Metric(name=_clip(measured, 14),
                    definition=f"{measured}, counted {numbers.time_frame or 'each month'}",
                    baseline=numbers.baseline or "unknown: instrument first",
                    target=numbers.target or "to agree", time_frame=numbers.time_frame or "this quarter")
    krs = [f"{metric.name} moves from {metric.baseline} to {metric.target}" if numbers.baseline
           and numbers.target
           else f"Baseline of {metric.name} measured, and a target agreed",
           f"{guardrail[:1].upper() + guardrail[1:]}"]
    return OutcomeCard(
        output=statement, product_outcome=draft, who=who, behavior=does or _clip(measured, 10),
        value_moment="",
        metric=metric, guardrail=guardrail, business_outcome=business_default(statement),
        outcome_type="performance" if numbers.baseline else "learning",
        okr=OKR(objective=f"Help {who} {does}" if does else cards.polished_statement(
            re.sub(r"\s+(?:from|to|by)\s+[\d$£€].*$", "", _GUARD_CUT.split(statement)[0])).rstrip("."),
            key_results=krs),
        assumptions=[Assumption(assumption=f"More {who} doing this means they get more value",
                                test=f"Talk to five {who} who do it and five who do not")],
        checks=cards.self_checks(draft, guardrail, guardrail_agreed=False),
        sources=["outcome-statement-anatomy", "guardrails"],
        assumed_slots=[Slot.value_moment, Slot.guardrail])


_NORMAL = re.compile(r"[^a-z0-9%]+")
# MiniLM cosine; unrelated rows of one backlog stay below ~0.75, rewordings land above 0.85
NEAR_DUPLICATE = 0.80


def normalised(text: str) -> str:
    """Lower case, punctuation and bullets gone, spaces collapsed: 'Launch the app!' == 'launch the app'."""
    return " ".join(_NORMAL.sub(" ", text.lower()).split())


def duplicates(texts: list[str], vectors=None,
               threshold: float = NEAR_DUPLICATE) -> dict[int, tuple[int, float]]:
    """For each index that repeats an earlier row: (earlier index, similarity); 1.0 for the same normalised
    text.

    `vectors` are unit embeddings of the texts (one row each) or None to compare normalised text only.
    """
    found: dict[int, tuple[int, float]] = {}
    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = normalised(text)
        if key in first:
            found[i] = (first[key], 1.0)
        else:
            first[key] = i
    if vectors is None or len(texts) < 2:
        return found
    sims = vectors @ vectors.T
    for i in range(1, len(texts)):
        if i in found:
            continue
        j = int(sims[i, :i].argmax())
        if float(sims[i, j]) >= threshold:
            found[i] = (found.get(j, (j, 1.0))[0], round(float(sims[i, j]), 2))
    return found
