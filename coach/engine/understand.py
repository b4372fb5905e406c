"""Reading a real answer: what kind of reply it is, and the clean parts it holds.

A PM's answer is rarely one tidy phrase. It hedges ("honestly, I guess..."), pushes back
("leadership decided, we ship it anyway"), asks back ("what's the catch?"), goes off topic,
says "I already said that", or holds two ideas at once (a segment and a behaviour, a metric and
a worry). `understand` splits an answer into sentences, sets aside the non-answers, strips hedges
and side remarks from the rest, and files each clean part under the slot it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coach.engine.numbers import NUMBER, Numbers, parse_numbers
from coach.models import Slot

# -- non-answers --------------------------------------------------------------------------------
PUSHBACK = re.compile(
    r"\b(?:leadership|management|the ceo|our ceo|ceo|the board|exec\w*|the minister|minister|cabinet|my boss|"
    r"the vp|vp|stakeholders?|the business|finance|legal|the director|director|council)\s+"
    r"(?:already\s+)?(?:decided|wants? (?:it|this)|set|mandated|insists?|committed|promised|signed off)|"
    r"\bship(?:ping)? it anyway|\b(?:we'?re|we are|we'?ll|we will|it'?s) (?:building|shipping|doing|launching|"
    r"happening|going ahead)(?: it)? (?:anyway|regardless|no matter what)|already (?:decided|in the budget|committed|"
    r"funded|promised|signed off)|\bnot (?:up to me|my call|negotiable)|\bregardless\b|\bno matter what\b|"
    r"\b(?:have|need|got) to ship\b|\bwe ship it\b|\bit'?s (?:in the|on the) (?:budget|roadmap|plan)\b|"
    r"\bjust (?:need|want) to (?:ship|build|launch|deliver)\b|\bdon'?t have a choice\b|\bnot changing\b|"
    r"\bindustry standard\b|\beveryone (?:reports|does|has|uses) (?:it|this|that)\b|\bcompetitors? (?:has|have|do)\b|"
    r"nothing (?:to|there is to) discuss|\bnot sure what there is to\b|\bkeeps? asking (?:me|us|for)\b|"
    r"\bworks,? (?:trust me|period)\b|\bjust (?:build|ship|do) it\b", re.I)
QUESTION_BACK = re.compile(
    r"what'?s the catch|what is the catch|what do you mean|what does that mean|meaning what|why does (?:that|it|this) "
    r"matter|why (?:do|does|would) (?:you|that|it) (?:ask|matter|care)|is (?:it|that|this) (?:good|bad|ok|fine|wrong|"
    r"a problem)|(?:can|could) you (?:explain|give an example|clarify)|not sure what you mean|what'?s wrong with|"
    r"why is (?:that|it|this) (?:a problem|bad|wrong)|how (?:do|would) i (?:know|measure)|what would you suggest|"
    r"what do you suggest|any examples?|like what|^\W*(?:so )?what (?:should|would|do) (?:we|i) (?:measure|use|track|count)",
    re.I)
ALREADY = re.compile(
    r"\b(?:already (?:said|told|gave|answered|mentioned|explained|covered)|i just (?:told|said|gave|answered)|"
    r"it'?s (?:in|right there in) (?:the|my) (?:statement|goal|kr|okr|question)|see (?:above|my statement)|"
    r"like i said|as i said|i said that|same as (?:before|above)|didn'?t (?:you|i) just)\b", re.I)
OFF_TOPIC = re.compile(r"\b(?:unrelated|off[- ]topic|oh also|oh and|by the way|btw|side note|while i have you|"
                       r"random question|can we (?:talk|chat) about|different topic|separate thing)\b", re.I)
UNDO = re.compile(r"^\W*(?:wait[,.]?\s*)?(?:go back|undo|scratch that|never ?mind|let me (?:rephrase|change|redo)|"
                  r"that'?s (?:wrong|not right)|i meant|back up|take that back|change my (?:last )?answer)\b", re.I)
VAGUE = re.compile(
    r"^\W*(?:it'?s |because |that'?s |just )?(?:what |because )?(?:the )?(?:customers?|users?|clients?|people|sales|"
    r"the business|everyone|they) (?:asked for|want(?:ed)?|requested|keep asking for|need(?:ed)?) (?:it|this|that)\W*$|"
    r"^\W*(?:it'?s |because )?(?:on the roadmap|a (?:must[- ]have|requirement|priority)|table stakes|"
    r"competitors have it|everyone has it|best practice)\W*$", re.I)

# -- hedges and filler, stripped from the content that remains ------------------------------------
_HEDGE_LEAD = re.compile(
    r"^(?:\s*(?:honestly|frankly|well|so|um+|uh+|erm|hmm+|ok(?:ay)?|yeah|yes|yep|right|sure|look|i mean|i think|"
    r"i guess|i suppose|i'?d say|i would say|i believe|i feel like|probably|maybe|perhaps|possibly|basically|"
    r"to be honest|tbh|good question|great question|hard to say|not sure|no idea|let me think|actually|anyway|"
    r"in short|mostly|mainly|mostly just|kind of|sort of|like|and|but|also|i'?d expect|ideally|hopefully|"
    r"i'?d hope|i hope|for sure|definitely|realistically|to me|for me|in my view|i reckon|if i had to guess|"
    r"if i'?m honest|the answer is|the point is|i think that|the idea is(?: that)?|if i had to pick|if i had to choose|"
    r"off the top of my head|i'?d want)\s*[,:;.!-]*)+\s*", re.I)
_HEDGE_TAIL = re.compile(
    r"(?:[,;\s]+(?:i (?:think|guess|suppose|believe|hope)|probably|maybe|perhaps|or so|i'?d say|at least|hopefully|"
    r"right|you know|kind of|sort of|or something(?: like that)?|and stuff|etc\.?|ish|roughly|i'?m not sure|"
    r"if that makes sense|in theory|anyway))+\s*[.!?]*$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s+[-–—]{1,2}\s+|\s*;\s*|\.\.\.\s*|…\s*")
_PAREN = re.compile(r"\s*\([^)]*\)")

# -- where a clean clause belongs ------------------------------------------------------------------
GUARD = re.compile(
    r"\b(?:shouldn'?t|should not|must ?n'?t|must not|can'?t|cannot|won'?t|don'?t want|do not want|without|"
    r"not (?:drop|fall|tank|rise|increase|go up|go down|suffer|get worse|worsen|hurt|spike|climb|creep)|"
    r"no (?:drop|rise|increase|spike|more than)|(?:stays?|remains?|holds?|kept) (?:under|below|above|at|flat|steady|"
    r"stable|healthy)|worried (?:about|that)|careful (?:about|not)|at the expense of|as long as|guardrail|"
    r"(?:watch|keep an eye on|protect))\b", re.I)
MOMENT = re.compile(r"(?:^|\b)(?:when|the moment|once|as soon as|at the point|the point where|at the time|whenever|"
                    r"the day|on the day)\b", re.I)
_SUBJECT = re.compile(
    r"^(?:(?:so |and |then )?(?:they|we|people|customers|users|clients|he|she|you|folks|members|teams|the team|"
    r"patients|residents|buyers|sellers|drivers|hosts|guests|staff|agents|reps|managers|admins|parents|students|"
    r"teachers|learners|doctors|clinicians|nurses|developers|engineers|employees|merchants|shoppers|families)"
    r"(?:'d|'ll|'re| would| will| could| can| should| might| may| do| does| are| actually| just| then)*\s+|"
    r"(?:we'?d|we would|i'?d|i would) (?:see|expect|want|like|hope|love) (?:to see )?(?:them|people|customers|users|"
    r"more \w+)?\s*(?:to\s+)?)", re.I)
_CUT = re.compile(r",\s+(?:but|because|since|which|so|though|although|and that|and then|and we|and i|which is|"
                  r"instead of|rather than|like|e\.g\.|for example|plus|also)\b|\s+(?:because|since|which means|so that we|"
                  r"but|though|although|like we|as we|which is|e\.g\.|for example|instead of|rather than)\s+", re.I)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|me|my|we|we're|we've|we'd|us)\b", re.I)


@dataclass
class Understanding:
    """One answer, read: what kind of reply it is, and its clean parts by slot."""

    raw: str
    acts: list[str] = field(default_factory=list)  # pushback, question, already, off_topic, undo, vague
    content: str = ""  # what is left once hedges, remarks and non-answers are set aside
    parts: dict[Slot, str] = field(default_factory=dict)
    numbers: Numbers = field(default_factory=Numbers)
    question: str = ""  # the question the user asked back, if any

    @property
    def has_content(self) -> bool:
        return bool(re.search(r"[^\W\d_]{3,}", self.content))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s and s.strip()]


def strip_hedges(text: str) -> str:
    """'honestly I guess field reps, probably' -> 'field reps'."""
    out = _PAREN.sub("", text or "").strip()
    for _ in range(3):
        before = out
        out = _HEDGE_LEAD.sub("", out).strip()
        out = _HEDGE_TAIL.sub("", out).strip()
        if out == before:
            break
    return out.strip(" ,;:.!?-–—\"'")


def shorten(text: str, limit: int = 16) -> str:
    """Cut at the first clause boundary that leaves a phrase of at most `limit` words; never mid-phrase."""
    text = strip_hedges(text)
    if len(text.split()) > limit:
        m = _CUT.search(text)
        if m and 2 <= len(text[:m.start()].split()) <= limit:
            text = text[:m.start()]
    words = text.split()
    if len(words) > limit:
        # Cut at the last comma or 'and' inside the limit, else at the limit on a content word.
        window = " ".join(words[:limit])
        cut = max(window.rfind(","), window.rfind(" and "))
        text = window[:cut] if cut > len(window) // 2 else window
        text = re.sub(r"\s+(?:the|a|an|of|to|and|or|with|by|for|in|on|at|who|that|their|our|its)$", "", text, flags=re.I)
    return text.strip(" ,;:.-")


def verb_phrase(text: str) -> str:
    """A clause as a verb phrase: 'they'd check the dashboard' -> 'check the dashboard'."""
    text = strip_hedges(text)
    for _ in range(2):
        text = _SUBJECT.sub("", text, count=1).strip()
    text = re.sub(r"^(?:to|be able to|start to|start|begin to|actually)\s+", "", text, flags=re.I)
    return shorten(text)


def segment(text: str) -> str:
    """A who answer as a segment: 'mostly our field sales folks, maybe 60% of users' -> 'field sales folks'."""
    text = strip_hedges(sentences(text)[0] if sentences(text) else text)
    text = re.split(r",|\s+(?:but|because|since|so|and (?:they|we|i|it)|who (?:are|is) (?:already|mostly))\s+",
                    text, maxsplit=1)[0]
    text = re.sub(r"^(?:it |this |that )?(?:matters?|is|would be|helps?) (?:most |mostly |mainly )?(?:for|to) ", "", text,
                  flags=re.I)
    text = re.sub(r"^(?:it'?s |it is |that'?s |for |the ones? |mostly |mainly |especially |all |our |the |those )+", "",
                  text, flags=re.I)
    text = re.sub(r"\b(?:our|my)\s+", "", text, flags=re.I)
    text = re.split(r"\s+(?:could|would|will|can|should|might|may|need to|want to|are able to|get to|then)\s+|'d\s+",
                    text, maxsplit=1, flags=re.I)[0]
    words = text.split()
    return " ".join(words[:9]).strip(" .,;:")


def _clause_slot(clause: str) -> Slot | None:
    """Which slot a clause speaks to on its own, when its words say so clearly."""
    if GUARD.search(clause) and not MOMENT.match(clause):
        return Slot.guardrail
    if MOMENT.match(strip_hedges(clause)):
        return Slot.value_moment
    if NUMBER.search(clause) and re.search(r"%|\bshare\b|\brate\b|\bper\b|\bnow\b|\btoday\b|\btarget\b|\bweek|\bmonth",
                                           clause, re.I):
        return Slot.metric
    return None


def understand(answer: str, asked: Slot) -> Understanding:
    """Read one answer to a question about `asked`."""
    result = Understanding(raw=answer)
    kept: list[str] = []
    for sentence in sentences(answer):
        if UNDO.match(sentence) and not kept:
            result.acts.append("undo")
            continue
        if QUESTION_BACK.search(sentence) or (sentence.endswith("?") and len(sentence.split()) <= 6):
            result.acts.append("question")
            result.question = result.question or sentence
            continue
        if PUSHBACK.search(sentence):
            result.acts.append("pushback")
            continue
        if ALREADY.search(sentence):
            result.acts.append("already")
            continue
        if OFF_TOPIC.search(sentence):
            result.acts.append("off_topic")
            continue
        if VAGUE.match(strip_hedges(sentence) + "."):
            result.acts.append("vague")
            continue
        if sentence.endswith("?") and not re.search(r"\b(?:they|customers|users|people)\b", sentence, re.I):
            result.acts.append("question")
            result.question = result.question or sentence
            continue
        kept.append(sentence.rstrip("?"))
    result.content = strip_hedges(" ".join(kept))
    if not result.has_content:
        return result
    result.numbers = parse_numbers(result.content)
    # The asked slot takes the answer's first clause that does not clearly belong elsewhere.
    clauses = [c for s in kept for c in re.split(r",\s*(?=(?:and |but )?(?:when|once|without|as long as|"
                                                  r"(?:it |that |they |we )?(?:shouldn'?t|should not|must not|can'?t)))",
                                                  s) if strip_hedges(c)]
    for i, clause in enumerate(clauses):
        slot = _clause_slot(clause)
        leading = i == 0 and not (slot in (Slot.guardrail, Slot.value_moment) and asked is not slot
                                  and asked in (Slot.value, Slot.success, Slot.behavior, Slot.metric))
        if leading or (slot is None and asked not in result.parts):
            result.parts.setdefault(asked, strip_hedges(clause))
        elif slot is not None and slot is not asked and slot not in result.parts:
            result.parts[slot] = strip_hedges(clause)
    if asked not in result.parts and asked in (Slot.metric, Slot.guardrail, Slot.value_moment):
        result.parts[asked] = result.content
    if asked is Slot.who and Slot.who in result.parts:
        text = result.parts[Slot.who]
        # "ops managers mostly, they'd approve invoices from their phone": a behaviour rides along.
        m = re.search(r"[,;]\s*(?:and\s+)?(?:they|who)(?:'d|'ll| would| will)?\s+(.+)$", text, re.I)
        if m and Slot.behavior not in result.parts:
            result.parts[Slot.behavior] = m.group(1)
    return result


def first_person(text: str) -> bool:
    return bool(_FIRST_PERSON.search(text or ""))
