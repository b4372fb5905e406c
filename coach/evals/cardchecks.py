"""Checks on an outcome card that can fail: each looks for one way a card goes wrong.

Every check returns (passed, reason). They read the card as text and know nothing of how it
was made, so a garbled card fails whatever engine drew it (tests/test_cardchecks.py feeds
each one a broken card). The trap checks run the classifier on the card's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from coach.models import OutcomeCard

Result = tuple[bool, str]

# Answer debris: what a person types in a chat but no outcome card should say.
_DEBRIS: list[tuple[str, re.Pattern[str]]] = [
    ("a hedge", re.compile(
        r"\b(?:i think|i guess|i suppose|i mean|honestly|probably|maybe|perhaps|kind of|sort of|not sure|"
        r"hmm+|um+|uh+|good question|to be honest|basically|i'?d say|no idea)\b", re.I)),
    ("a question", re.compile(r"\?")),
    ("\"I don't know\"", re.compile(r"\b(?:don'?t|do not|dont) know\b|\bidk\b|\bdunno\b", re.I)),
    ("an ellipsis or cut-off text",
     re.compile(r"\.\.\.|…|\s(?:the|a|an|of|to|and|or|with|by|for|in|on|at|who|that)\s*[.,]?$",
                                                 re.I)),
    ("first person", re.compile(r"\b(?:i|i'm|i've|i'd|me|my|we|we're|we've|we'd|us)\b", re.I)),
    ("meta-talk", re.compile(
        r"\b(?:already (?:said|told)|in the statement|as i said|like i said|leadership|the ceo|sales asked|"
        r"asked for it|what do you mean|what'?s the catch|unrelated|oh also|by the way|just give me|draft)\b",
        re.I)),
    ("an engine field name", re.compile(r"\b(?:value_moment|business_link|no_guardrail|output_in_disguise|"
                                        r"traction_metric|wrong_moment|sentiment_only|vanity_metric|"
                                        r"multiple_outcomes|product_outcome)\b")),
]
_LIMIT = re.compile(
    r"\b(?:does ?n[o']t|do ?n[o']t|did ?n[o']t|must ?n[o']t|must not|should ?n[o']t|should not|will not|"
    r"won'?t|never|not (?:drop|fall|rise|increase|decrease|exceed|worsen|go (?:up|down)|get worse)|no "
    r"(?:drop|fall|rise|increase|decrease|more than|less than|worse|higher|lower)|stays?|remains?|holds?|"
    r"kept|keeps?|at least|at most|under|below|above|over|within|no worse|flat|steady|stable|cap(?:ped)?|"
    r"limit|max(?:imum)?|min(?:imum)?|without)\b|[<>≤≥]", re.I)
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)\s*(k|%|pp)?", re.I)
_TIME = re.compile(r"\b(?:q[1-4]|h[12]|20\d\d|january|february|march|april|june|july|august|september|"
                   r"october|"
                   r"november|december)\b", re.I)


def debris(text: str) -> str | None:
    """The first kind of answer debris in a card field, or None when the text is clean."""
    for name, pattern in _DEBRIS:
        if pattern.search(text or ""):
            return name
    return None


def _clean(field: str, text: str) -> Result:
    found = debris(text)
    return (found is None, f"{field} is clean" if found is None else f"{field} has {found}: {text!r}")


def outcome_clean(card: OutcomeCard) -> Result:
    return _clean("outcome", card.product_outcome)


def behavior_clean(card: OutcomeCard) -> Result:
    return _clean("behaviour", card.behavior)


def metric_clean(card: OutcomeCard) -> Result:
    return _clean("metric", f"{card.metric.name}; {card.metric.definition}")


def guardrail_clean(card: OutcomeCard) -> Result:
    return _clean("guardrail", card.guardrail)


def outcome_well_formed(card: OutcomeCard) -> Result:
    """At most 40 words, one sentence, a subject that is not the team, no phrase said twice."""
    text = card.product_outcome.strip()
    words = _WORD.findall(text)
    if not words:
        return False, "no outcome sentence"
    if len(words) > 40:
        return False, f"{len(words)} words (at most 40)"
    if len(re.findall(r"[.!?](?:\s|$)", text)) > 1:
        return False, "more than one sentence"
    if words[0].lower() in {"i", "we", "our", "it", "this", "that", "they", "deliver", "build", "ship",
                            "launch"}:
        return False, f"starts with {words[0]!r}, not with who"
    lowered = [w.lower() for w in words]
    grams = [tuple(lowered[i:i + 3]) for i in range(len(lowered) - 2)]
    if len(grams) != len(set(grams)):
        return False, "a phrase is repeated"
    return True, "one sentence of at most 40 words"


def numbers_given(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """(numbers, time words) a user gave, e.g. '41%', 'Q3'."""
    nums: set[str] = set()
    times: set[str] = set()

    def note_time(match: re.Match[str]) -> str:
        times.add(match.group(0).lower())
        return " "

    for text in texts:
        scrubbed = _TIME.sub(note_time, text or "")
        nums.update(m.group(1).replace(",", "") for m in _NUMBER.finditer(scrubbed))
    return nums, times


def numbers_kept(card: OutcomeCard, given: Iterable[str]) -> Result:
    """Every number and time word the user gave for the metric appears in the card's metric."""
    nums, times = numbers_given(given)
    m = card.metric
    blob = " ".join([m.name, m.definition, m.baseline, m.target, m.time_frame]).lower()
    have_nums, have_times = numbers_given([blob])
    lost = sorted(nums - have_nums) + sorted(times - have_times)
    return (not lost, "every number kept" if not lost else "lost from the metric: " + ", ".join(lost))


def no_trap_in_outcome(card: OutcomeCard) -> Result:
    from coach.engine.classifier import classify

    traps = [t.value for t in classify(card.product_outcome).traps]
    return (not traps, "no trap in the outcome" if not traps else "outcome has " + ", ".join(traps))


def no_trap_in_metric(card: OutcomeCard) -> Result:
    """The metric itself must not be a trap (its guardrail lives elsewhere on the card)."""
    from coach.engine.classifier import classify

    traps = [t.value for t in classify(card.metric.name).traps if t.value != "no_guardrail"]
    return (not traps, "no trap in the metric" if not traps else "metric has " + ", ".join(traps))


def guardrail_is_limit(card: OutcomeCard) -> Result:
    """A guardrail says what must not get worse, not the harm itself ('churn rises')."""
    g = card.guardrail.strip()
    if not g:
        return False, "no guardrail"
    return (bool(_LIMIT.search(g)), "stated as a limit" if _LIMIT.search(g) else f"not a limit: {g!r}")


def mentions_any(card: OutcomeCard, words: Iterable[str]) -> Result:
    outcome = card.product_outcome.lower()
    words = [str(w).lower() for w in words]
    hit = next((w for w in words if w in outcome), None)
    return (hit is not None, f"mentions {hit!r}" if hit else "mentions none of " + ", ".join(words))


GENERIC_CHECKS = {
    "outcome_clean": outcome_clean,
    "behavior_clean": behavior_clean,
    "metric_clean": metric_clean,
    "guardrail_clean": guardrail_clean,
    "outcome_well_formed": outcome_well_formed,
    "no_trap_in_outcome": no_trap_in_outcome,
    "no_trap_in_metric": no_trap_in_metric,
    "guardrail_is_limit": guardrail_is_limit,
}


def check_card(card: OutcomeCard | None, spec: dict[str, Any], metric_answers: Iterable[str] = (),
               coach_messages: int = 0, sources: Iterable[str] = (), sources_any: Iterable[str] | None = None
               ) -> dict[str, Result]:
    """Every check that applies to one dialogue: the generic ones, and those its case states."""
    results: dict[str, Result] = {"card_reached": (card is not None, "card drawn" if card else "no card")}
    limit = min(int(spec.get("max_turns", 8)), 12)
    results["within_max_turns"] = (coach_messages <= limit,
                                   f"{coach_messages} coach messages (at most {limit})")
    if card is None:
        return results
    for name, check in GENERIC_CHECKS.items():
        results[name] = check(card)
    results["numbers_kept"] = numbers_kept(card, metric_answers)
    if spec.get("outcome_mentions_any"):
        results["outcome_mentions_any"] = mentions_any(card, spec["outcome_mentions_any"])
    if "outcome_type" in spec:
        ok = card.outcome_type == spec["outcome_type"]
        results["outcome_type"] = (ok, f"outcome type {card.outcome_type}")
    if spec.get("card_mentions_any"):
        text = card.model_dump_json().lower()
        hit = any(str(m).lower() in text for m in spec["card_mentions_any"])
        results["card_mentions_any"] = (hit, "card mentions the case's words" if hit else "card misses them")
    if sources_any:
        hit = bool(set(sources_any) & set(sources))
        results["sources_any"] = (hit,
                                  "cites an expected note" if hit else "cites none of the expected notes")
    return results
