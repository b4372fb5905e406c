"""Checks that a model's reply means what it should, not only that it has the right shape.

A small model can return valid JSON that says nothing useful: a "question" that is a passage
title, HTML entities, the user's answer pasted back, or a question about another slot. Each
check returns a reason when the reply fails, and the caller falls back to the offline engine.
"""

from __future__ import annotations

import re

from coach.engine.compose import shares_phrase
from coach.models import Passage, Slot

_ENTITY = re.compile(r"&(?:[a-z]{2,8}|#\d{2,5}|#x[0-9a-f]{2,4});", re.I)
_TAG = re.compile(r"</?[a-z][^>]{0,40}>", re.I)
_FIELD = re.compile(r"\b(?:value_moment|business_link|no_guardrail|output_in_disguise|traction_metric|"
                    r"wrong_moment|"
                    r"sentiment_only|vanity_metric|multiple_outcomes|product_outcome|slot)\b")
# Words a question about each slot uses; one of them must appear in the question.
SLOT_WORDS: dict[Slot, re.Pattern[str]] = {
    Slot.value: re.compile(r"valu|benefit|let .{0,20}do|help|matter|why|better off|get out of|for them|able "
                           r"to|"
                           r"could .{0,30}\bdo\b|can'?t .{0,10}now|for the customer|what for|what(?: is|'s) "
                           r"(?:it|this|that) for", re.I),
    Slot.success: re.compile(r"know|notice|see|sign|evidence|work|success|tell", re.I),
    Slot.who: re.compile(r"who|which|segment|customers|users|group|whom|people", re.I),
    Slot.behavior: re.compile(r"do|behavio|action|differently|observ|habit|start|stop", re.I),
    Slot.value_moment: re.compile(r"moment|when|point|value|benefit|journey", re.I),
    Slot.metric: re.compile(r"count|measur|metric|number|baseline|target|track|how many|how much|rate|share",
                            re.I),
    Slot.guardrail: re.compile(r"worse|guardrail|harm|suffer|protect|counter|flat|must not|expense|wrong|"
                               r"break", re.I),
    Slot.business_link: re.compile(r"business|revenue|retention|cost|renew|company|result|lead", re.I),
    Slot.confidence: re.compile(r"know|learn|tried|evidence|confiden|sure|proven|moves", re.I),
}


def question_problem(text: str, slot: Slot, answer: str, evidence: list[Passage],
                     quoted: str = "") -> str | None:
    """Why a coach question from a model is not usable, or None when it is. `quoted` is user text (the
    statement) the question may quote as it is, markup and all."""
    if "?" not in text:
        return "no question in the message"
    # The user's own words, quoted back, may hold anything: drop quoted spans and any word the statement has.
    said = {w.lower() for w in re.findall(r"\S+", quoted)}
    own = " ".join(w for w in re.sub(r'"[^"]*"|“[^”]*”', " ", text).split()
                   if w.lower().strip(".,;:!?\"'") not in {s.strip(".,;:!?\"'") for s in said})
    if _ENTITY.search(own) or _TAG.search(own):
        return "HTML in the message"
    if _FIELD.search(own):
        return "an internal field name in the message"
    if any(p.title and len(p.title) > 12 and p.title.lower() in text.lower() for p in evidence):
        return "a passage title pasted into the message"
    if answer and len(answer.split()) >= 5 and shares_phrase(answer, text, 5):
        return "the user's answer pasted into the question"
    if not SLOT_WORDS[slot].search(text):
        return f"the question does not ask about {slot.value}"
    return None


def outcome_problem(sentence: str) -> str | None:
    """Why a model's outcome sentence is not usable, or None."""
    if not sentence.strip():
        return "empty"
    if _ENTITY.search(sentence) or _TAG.search(sentence) or _FIELD.search(sentence):
        return "markup or a field name"
    if "?" in sentence or len(sentence.split()) > 40:
        return "a question or more than 40 words"
    if re.search(r"\b(?:i|we|i'm|we're|me|us)\b", sentence, re.I):
        return "first person"
    return None


def reading_problem(text: str, answer: str) -> str | None:
    """An interpretation must come from the answer: most of its words are the user's own."""
    words = re.findall(r"[a-z']{3,}", text.lower())
    if not words:
        return None
    said = set(re.findall(r"[a-z']{3,}", answer.lower()))
    own = sum(w in said for w in words) / len(words)
    return None if own >= 0.6 else "the reading adds words the user did not say"
