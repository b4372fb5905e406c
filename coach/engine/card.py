"""Drafting the outcome card from filled slots, and its four self-checks.

The drafting is deterministic; the LLM writer may rephrase the prose fields, but
the self-checks always come from the classifier run on the drafted outcome itself.
"""

from __future__ import annotations

import re

from coach.engine.classifier import classify
from coach.engine.session import Session
from coach.models import OKR, Assumption, Check, Kind, Metric, OutcomeCard, Slot, Trap

_SUBJECT = re.compile(
    r"^\s*(?:(?:they|we|people|customers|users|he|she|them|i|our customers|our users|the customers|the users)"
    r"(?:\s+(?:will|would|could|can|should|might|may|'ll|do|does))?\s+|(?:more|fewer) (?:of them )?)",
    re.IGNORECASE,
)
_WINDOW = re.compile(r"\b(?:each|every|per|a) (?:day|week|month)\b|\bweekly\b|\bmonthly\b|\bdaily\b",
                     re.IGNORECASE)

THEME_ALTERNATIVES: list[tuple[re.Pattern[str], list[str]]] = [
    (re.compile(r"\b(?:mobile|phone|android|ios)\b", re.I),
     ["a responsive mobile web version of the key screens",
      "alerts by push or email that open straight on the action"]),
    (re.compile(r"\b(?:onboard\w*|sign[- ]?up|activation|first (?:week|value)|setup|new (?:users|teams|"
                r"customers))\b", re.I),
     ["a guided first task with a ready-made template", "a concierge onboarding call for new accounts"]),
    (re.compile(r"\b(?:search|find|discover\w*|browse)\b", re.I),
     ["better default sorting and filters", "recommendations based on what similar customers chose"]),
    (re.compile(r"\b(?:reviews?|ratings?|articles?)\b", re.I),
     ["showing existing reviews or answers where the decision is made",
      "a prompt to ask for help at the moment of doubt"]),
    (re.compile(r"\b(?:support|tickets?|calls?|contact\w*)\b", re.I),
     ["fixing the top cause of contacts at its source",
      "in-context help on the screen where people get stuck"]),
    (re.compile(r"\b(?:checkout|cart|basket)\b", re.I),
     ["removing a step or a form field from checkout", "saved payment details for returning customers"]),
    (re.compile(r"\b(?:invite\w*|collaborat\w*|teammates?)\b", re.I),
     ["an invite prompt at the moment work is ready to share", "shared links that open without an account"]),
    (re.compile(r"\b(?:report\w*|dashboard\w*|insights?|analytics|data)\b", re.I),
     ["a weekly digest email with the one number that changed", "alerts when a metric crosses a threshold"]),
    (re.compile(r"\b(?:churn|retention|renew\w*|cancel\w*)\b", re.I),
     ["a save offer or pause option at cancellation", "a check-in when usage drops"]),
]
GENERIC_ALTERNATIVES = [
    "a smaller version tested as a prototype with five customers",
    "an email or in-app prompt at the value moment",
    "removing the biggest step that blocks customers today",
]


_MODAL_SUBJECT = re.compile(r"^(?:[\w'-]+\s+){1,5}?(?:can|could|will|would|should|might|may|are able to|get "
                            r"to)\s+", re.I)


def predicate(text: str) -> str:
    """An answer turned into a verb phrase: 'they check it weekly' -> 'check it weekly'."""
    text = text.strip().rstrip(".!")
    stripped = _SUBJECT.sub("", text, count=1).strip()
    stripped = _MODAL_SUBJECT.sub("", stripped, count=1).strip() or stripped
    return stripped or text


def output_object(statement: str) -> str:
    """What the output is, without its delivery verb: 'Ship the bulk import tool' -> 'the bulk import
    tool'."""
    from coach.engine.classifier import read
    from coach.engine.lexicon import DELIVERY_VERB

    main = read(statement).main or statement
    m = DELIVERY_VERB.match(main)
    rest = main[m.end():].strip() if m and main[m.end():].strip() else main
    return _clause(re.sub(r"^(?:with|to|into|for|on)\s+", "", rest, flags=re.I), 80)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:1].isupper() and not text[:2].isupper() else text


def _clause(text: str, limit: int = 140) -> str:
    text = _lower_first(text.strip().rstrip(".!"))
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "..."


def alternatives(session: Session) -> list[str]:
    text = session.statement
    options: list[str] = []
    for pattern, ideas in THEME_ALTERNATIVES:
        if pattern.search(text):
            options.extend(ideas)
    options.extend(GENERIC_ALTERNATIVES)
    from coach.engine.classifier import read

    bet = (read(session.statement).main or session.statement).rstrip(".")
    first = [f"{bet[:1].upper()}{bet[1:]} (the original bet)"] \
        if session.classification.kind is Kind.output else []
    return first + list(dict.fromkeys(options))[: 4 - len(first)]


_DEBRIS = re.compile(r"\[[^\]]*to confirm\]|\?|\.\.\.|\b(?:i|me|my|we|us|i'm|we're|honestly|i guess|i think|"
                     r"maybe|probably|not sure|don'?t know|no idea)\b", re.I)
_LIMIT = re.compile(r"\b(?:not|no|never|stays?|remains?|holds?|under|below|above|at least|at most|within|"
                    r"without)\b",
                    re.I)


def self_checks(product_outcome: str, guardrail: str, guardrail_agreed: bool = True) -> list[Check]:
    """The four self-checks of coaching-model.md, computed by classifying the outcome itself. A check fails on
    gaps and answer debris too: a card is not 'done' because its fields are filled."""
    verdict = classify(product_outcome)
    traps = set(verdict.traps)
    debris = _DEBRIS.search(product_outcome)
    behaviour = verdict.kind is Kind.product_outcome and Trap.sentiment_only not in traps and not debris
    if debris:
        return _checks(False, f"The outcome still has a gap or answer words to fix: \"{debris.group(0)}\".",
                       traps, guardrail, guardrail_agreed)
    return _checks(behaviour, "Measures what customers do." if behaviour
                   else f"Reads as {verdict.kind.value}, not a behaviour change.", traps, guardrail,
                   guardrail_agreed)


def _checks(behaviour: bool, reason: str, traps: set[Trap], guardrail: str, agreed: bool) -> list[Check]:
    value_traps = traps & {Trap.output_in_disguise, Trap.vanity_metric, Trap.wrong_moment}
    limit = bool(guardrail.strip()) and bool(_LIMIT.search(guardrail)) and agreed
    guard_reason = (f"Guardrail: {guardrail}" if limit else "No counter-metric yet." if not guardrail.strip()
                    else f"Assumed, not agreed with the team: {guardrail}" if not agreed
                    else f"Not stated as a limit: {guardrail}")
    return [
        Check(name="behavior_change", passed=behaviour, reason=reason),
        Check(name="needs_customer_value", passed=not value_traps,
              reason="Can't rise without customers getting value." if not value_traps
              else "Could rise without value: " + ", ".join(t.value for t in value_traps)),
        Check(name="not_single_feature", passed=Trap.traction_metric not in traps,
              reason="Not tied to one feature." if Trap.traction_metric not in traps else "Measures use of "
                                                                                          "one feature."),
        Check(name="has_counter_metric", passed=limit, reason=guard_reason),
    ]


_PERFORMANCE = re.compile(r"\b(?:we know|we'?ve (?:seen|done|proven|tested)|proven|worked before|it worked|"
                          r"pilot\w*|a/b test\w*|already (?:know|tested|works|moved)|last (?:time|quarter|"
                          r"year)|moved it|halved|doubled|reminders? moved|evidence)\b", re.I)
_LEARNING = re.compile(r"\b(?:never (?:tried|done)|no idea|not sure|haven'?t|have not|first time|new to|"
                       r"don'?t know|no data|guess|untested|not tried)\b", re.I)


def outcome_type_of(session: Session) -> str:
    """Performance when the user said something already moved it; learning otherwise (nobody knows yet)."""
    said = session.filled(Slot.confidence) + " " + " ".join(
        t.text for t in session.transcript if t.role.value == "user")
    if session.filled(Slot.confidence) == "performance":
        return "performance"
    return "performance" if _PERFORMANCE.search(said) \
            and not _LEARNING.search(session.filled(Slot.confidence)) \
        else "learning"


_METRIC_NOUN = re.compile(r"\b(?:share|percentage|percent|proportion|%|number|count|rate|ratio|time|median|"
                          r"average|mean|days?|hours?|minutes?|weekly|monthly|daily|per|score|frequency|"
                          r"volume|value|conversion|retention|completion|users|customers|accounts|sessions|"
                          r"orders)\b", re.I)


def metric_of(session: Session, who: str, behavior: str) -> Metric:
    """The metric from the user's own definition (when it is clean) and the numbers they gave."""
    from coach.engine.understand import first_person, shorten, strip_hedges

    nums = session.numbers
    said = session.filled(Slot.metric) if Slot.metric not in session.unresolved_traps else ""
    head = re.split(r",|;|\.\s|\s+(?:from(?=\s+(?:about |around |~)?\d)|we'?re|currently|today|now|baseline|"
                    r"target|want|to get|and want|aiming|is|are|sits|hovers|at(?=\s+(?:about |around |"
                    r"roughly |~)?\d))\b",
                    strip_hedges(said), maxsplit=1)[0] if said else ""
    # A number that defines the metric ('within 30 days', '3 of 4 weeks') stays; one that is a level goes.
    if level := re.search(r"(?<![\w-])(?<!within )(?<!in )(?<!of )(?<!after )(?<!first )(?<!per )(?<!least )"
                          r"(?:about |around |roughly |~)?\d[\d.,]*\s*%", head):
        head = head[:level.start()]
    head = re.sub(r"(?i)^(?:increase|raise|grow|reduce|lower|improve|get|double|lift|boost|cut|"
                  r"halve)\s+(?:the\s+)?",
                  "", shorten(head, 20))
    usable = len(head.split()) >= 2 and not first_person(head) and bool(_METRIC_NOUN.search(head)) \
        and not classify(head).traps
    name = head if usable else f"share of {who} who {predicate(behavior)}"
    defining = [d for d in nums.defining if d not in name]
    definition = f"{name}, counted among {who}" + (f" ({', '.join(defining)})" if defining else "") + \
        ("" if _WINDOW.search(name) else ", each week")
    if session.dropped and name != head:
        definition += f". Earlier figures, {session.dropped}, measured a step away from value: set a new " \
                      "target once this baseline is measured"
    return Metric(name=name, definition=definition, baseline=nums.baseline or "unknown: instrument first",
                  target=nums.target or "set once the baseline is measured",
                  time_frame=nums.time_frame or "this quarter")


def polished_statement(statement: str, guardrail: str = "") -> str:
    """The PM's own outcome, polished: no 'KR2:' label, written as who does what ('Increase the share of new
    teams that invite a teammate from 20% to 30%' -> 'More new teams invite a teammate'), the numbers left to
    the metric, and the agreed guardrail added when the sentence has none."""
    from coach.engine import compose

    main = re.sub(r"^(?:[\w ]{1,30}\d?\s*[:\-–]\s+)", "", statement.strip().rstrip("."))
    if compose.SHARE_OF.match(main):
        who, behavior = compose.split_outcome(main)
        if who and behavior and not compose.part_problem(Slot.behavior, behavior):
            own = re.search(r"(?i)\b(?:without|while)\s.+$", main)  # the PM's own limit stays in their words
            if own and not re.search(r"(?i)\b(?:ris\w*|dropp\w*|fall\w*|increas\w*|getting worse|going (?:up|"
                                     r"down)|suffer\w*|stays?|remains?|does not|doesn'?t|below|above|"
                                     r"under)\b",
                                     own.group(0)):
                return main[:1].upper() + main[1:] + "."  # 'without a ticket' is how they do it, not a limit
            if own:
                return compose.outcome_sentence(who, behavior, "",
                                                "").rstrip(".") + f", {own.group(0).rstrip('.')}."
            return compose.outcome_sentence(who, behavior, "", guardrail)
    return main[:1].upper() + main[1:] + "."


def said_behaviour(session: Session) -> str:
    """The first clean behaviour the user said (never the statement itself, never debris), or ''."""
    from coach.engine import compose

    statement = session.statement.lower()
    for key in (Slot.behavior, Slot.success, Slot.value):
        fill = session.slots.get(key)
        if fill and fill.text and fill.origin != "statement" \
                and fill.text.strip().rstrip(".").lower() not in statement \
                and not compose.part_problem(Slot.behavior, fill.text):
            return fill.text
    return ""


def agreed_guardrail(session: Session) -> str:
    """The guardrail the user gave (or the statement held), never an assumed one."""
    fill = session.slots.get(Slot.guardrail)
    return fill.text if fill and fill.origin in ("user", "statement") else ""


def draft_card(session: Session, business_default: str, guardrail_default: str, composed: str) -> OutcomeCard:
    """Assemble the card from the session's clean slots (assumed ones already filled in)."""
    from coach.engine.compose import guard_limit

    s = session.filled
    who = s(Slot.who) or "customers"
    behavior = said_behaviour(session) or "[do what differently: to confirm]"
    guardrail = s(Slot.guardrail) or guardrail_default
    guardrail = guardrail if session.slots.get(Slot.guardrail) \
        and session.slots[Slot.guardrail].origin != "user" \
        else guard_limit(guardrail)
    moment = s(Slot.value_moment) if session.slots.get(Slot.value_moment, None) and \
        session.slots[Slot.value_moment].origin != "statement" else ""
    if session.outcome_text:
        product_outcome = session.outcome_text
    elif session.good_outcome:
        product_outcome = polished_statement(session.statement, agreed_guardrail(session))
    else:
        product_outcome = composed
    metric = metric_of(session, who, behavior)
    business = s(Slot.business_link) or business_default
    outcome_type = outcome_type_of(session)
    time = metric.time_frame
    first = (f"{metric.name[:1].upper()}{metric.name[1:]}: from {metric.baseline} to {metric.target}, {time}"
             if outcome_type == "performance" or session.numbers.target else
             f"Baseline of {metric.name} measured, and the first two bets' effect on it known, {time}")
    krs = [
        first,
        f"Guardrail: {guardrail[:1].lower()}{guardrail[1:]}, checked every week",
        f"{business[:1].upper()}{business[1:]}: moves with it for {who}, checked monthly as the lagging "
        f"result",
    ]
    output = session.statement
    fill = session.slots.get(Slot.guardrail)
    checks = self_checks(product_outcome, guardrail,
                         guardrail_agreed=fill is not None and fill.origin != "assumed")
    return OutcomeCard(
        output=output,
        product_outcome=product_outcome,
        who=who,
        behavior=predicate(behavior),
        value_moment=s(Slot.value_moment) if session.slots.get(Slot.value_moment) and
        session.slots[Slot.value_moment].origin != "statement" else "",
        metric=metric,
        guardrail=guardrail,
        business_outcome=business,
        outcome_type=outcome_type,
        okr=OKR(objective=f"{who[:1].upper()}{who[1:]} {predicate(behavior)}"
                + (f" {moment}" if moment and len((predicate(behavior) + moment).split()) < 24 else ""),
                key_results=krs),
        alternatives=alternatives(session),
        assumptions=[
            Assumption(assumption=f"{who} want to {predicate(behavior)} more than they do today",
                       test=f"Pull the current baseline and ask five {who} when they last tried and what "
                            f"stopped them."),
            Assumption(assumption=f"{_clause(output, 80)} is what helps them do it",
                       test="Show a clickable prototype or a fake door to 5-10 of them and count who tries "
                            "to act."),
            Assumption(assumption=f"More of this leads to {business}",
                       test=f"Compare {business} for customers who already do this with those who don't (a "
                            f"data slice)."),
        ],
        checks=checks,
        sources=[],
        assumed_slots=session.assumed_slots(),
    )
