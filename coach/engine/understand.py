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
    r"the vp|vp|stakeholders?|the business|finance|legal|the director|director|"
    r"council)\s+(?:already\s+)?(?:decided|wants? (?:it|this)|set|mandated|insists?|committed|promised|"
    r"signed off)|\bship(?:ping)? it anyway|\b(?:we'?re|we are|we'?ll|we will|it'?s) (?:building|shipping|"
    r"doing|launching|happening|going ahead)(?: it)? (?:anyway|regardless|no matter what)|already (?:decided|"
    r"in the budget|committed|funded|promised|signed off)|\bnot (?:up to me|my call|negotiable)|"
    r"\bregardless\b|\bno matter what\b|\b(?:have|need|got) to ship\b|\bwe ship it\b|\bit'?s (?:in the|on "
    r"the) (?:budget|roadmap|plan)\b|\bjust (?:need|want) to (?:ship|build|launch|deliver)\b|\bdon'?t have a "
    r"choice\b|\bnot changing\b|\bindustry standard\b|\beveryone (?:reports|does|has|uses) (?:it|this|"
    r"that)\b|\bcompetitors? (?:has|have|do)\b|nothing (?:to|there is to) discuss|\bnot sure what there is "
    r"to\b|\bliterally how we\b|\bhow we (?:get paid|make money)\b|\bisn'?t (?:really )?optional\b|\bnot "
    r"optional\b|\bnon[- ]negotiable\b|\b(?:the )?(?:ceo|board|leadership|management|execs?|investors|vp|cfo|"
    r"boss) (?:really )?(?:cares?|cared) about\b|\b(?:is|are) (?:literally |just |really |exactly )?what "
    r"(?:the board|leadership|management|execs?|investors|finance|the ceo|they|the pros|customers|people) "
    r"(?:looks? at|tracks?|wants?|cares? about|pays? (?:us |the team )?for|reports? on)\b|\bworks,? (?:trust "
    r"me|period)\b|\bjust (?:build|ship|do) it\b", re.I)
QUESTION_BACK = re.compile(
    r"what'?s the catch|what is the catch|what do you mean|what does that mean|meaning what|why does (?:that|"
    r"it|this) matter|why (?:do|does|would) (?:you|that|it) (?:ask|matter|care)|is (?:it|that|this) (?:good|"
    r"bad|ok|fine|wrong|a problem)|(?:can|could) you (?:explain|give an example|clarify)|not sure what you "
    r"mean|what'?s wrong with|why is (?:that|it|this) (?:a problem|bad|wrong)|how (?:do|would) i (?:know|"
    r"measure)|what would you suggest|what do you suggest|any examples?|like what|^\W*(?:so )?what (?:should|"
    r"would|do) (?:we|i) (?:measure|use|track|count)",
    re.I)
ALREADY = re.compile(
    r"\b(?:already (?:said|told|gave|answered|mentioned|explained|covered)|i just (?:told|said|gave|"
    r"answered)|it'?s (?:in|right there in) (?:the|my) (?:statement|goal|kr|okr|question)|see (?:above|my "
    r"statement)|like i said|as i said|i said that|same as (?:before|above)|didn'?t (?:you|i) just)\b", re.I)
NOT_A = re.compile(r"\b(?:isn'?t|is not|not) (?:a|the|my) (?:segment|behaviou?r|metric|guardrail|moment|"
                   r"customer|group|answer)\b|\byou (?:got|misread|misunderstood|mixed)\b|\bthat'?s not what "
                   r"i (?:said|meant)\b", re.I)
OFF_TOPIC = re.compile(r"\b(?:unrelated|off[- ]topic|oh also|oh and|by the way|btw|side note|while i have "
                       r"you|random question|random q|can we (?:talk|chat) about|different topic|separate "
                       r"thing)\b", re.I)
UNDO = re.compile(r"^\W*(?:wait[,.]?\s*)?(?:go back|undo|scratch that|never ?mind|let me (?:rephrase|change|"
                  r"redo)|that'?s (?:wrong|not right)|i meant|back up|take that back|change my (?:last "
                  r")?answer)\b",
                  re.I)
VAGUE = re.compile(
    r"^\W*(?:it'?s |because |that'?s |just )?(?:what |because )?(?:the )?(?:customers?|users?|clients?|"
    r"people|sales|the business|everyone|they) (?:asked for|want(?:ed)?|requested|keep asking for|"
    r"need(?:ed)?) (?:it|this|that)\W*$|^\W*(?:it'?s |that'?s |because |just )?(?:what |because )(?:the |our "
    r")?(?:customers?|users?|clients?|people|sales|everyone|they|members|patients|residents|merchants|"
    r"sellers|buyers)\b.{0,20}\b(?:asking|asked|requested|requesting|want(?:ed)?|demand(?:ed|"
    r"ing)?)\b.{0,40}$|^\W*(?:it'?s |because )?(?:on the roadmap|a (?:must[- ]have|requirement|priority)|"
    r"table stakes|competitors have it|everyone has it|best practice)\W*$", re.I)

# -- hedges and filler, stripped from the content that remains ------------------------------------
_HEDGE_LEAD = re.compile(
    r"^(?:\s*(?:honestly|frankly|well|so|um+|uh+|erm|hmm+|ok(?:ay)?|yeah|yes|yep|right|sure|look|i mean|i "
    r"think|i guess|i suppose|i'?d say|i would say|i believe|i feel like|probably|maybe|perhaps|possibly|"
    r"basically|to be honest|tbh|good question|great question|hard to say|not sure|no idea|let me think|"
    r"actually|anyway|in short|mostly|mainly|mostly just|kind of|sort of|like|and|but|also|i'?d expect|"
    r"ideally|hopefully|i'?d hope|i hope|for sure|definitely|realistically|to me|for me|in my view|i reckon|"
    r"if i had to guess|if i'?m honest|the answer is|the point is|i think that|the idea is(?: that)?|if i "
    r"(?:had|have) to (?:pick|choose)|off the top of my head|i'?d want|great|ha+|haha|cool|nice|fair enough|"
    r"true|oh|ah|got it|makes sense|(?:so )?(?:two|three|a few|a couple of|couple of) things|one thing|use|"
    r"answer|ok here goes|here goes|hard to (?:pick|say|choose|tell)|i'?m talking about|i'?m saying|what i "
    r"mean is|i meant|the real (?:problem|issue|point) is(?: that)?|probably that one|that "
    r"one)(?![\w'-])\s*[,:;.!-]*)+\s*", re.I)  # whole words only: "Hard to pick" must not lose its "Ha"
_HEDGE_TAIL = re.compile(
    r"(?:[,;\s]+(?:i (?:think|guess|suppose|believe|hope)|probably|maybe|perhaps|or so|i'?d say|at least|"
    r"hopefully|right|you know|kind of|sort of|or something(?: like that)?|and stuff|etc\.?|ish|roughly|i'?m "
    r"not sure|guess|if that makes sense|in theory|anyway))+\s*[.!?]*$", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s+[-–—]{1,2}\s+|\s*;\s*|\.\.\.\s*|…\s*")
_PAREN = re.compile(r"\s*\([^)]*\)")
QUESTION_START = re.compile(r"^\W*(?:what|why|how|is|isn'?t|are|aren'?t|do|does|did|can|could|should|would|"
                            r"which|who|where|when|sorry|huh|wait|so what|and what|but what|any|but|so|"
                            r"isn'?t)\b", re.I)
TAG_QUESTION = re.compile(r"(?:,\s*(?:no|right|surely|yeah|isn'?t it|don'?t they|doesn'?t it)|isn'?t (?:that|"
                          r"it|this)(?: the \w+)?|aren'?t (?:they|those))\s*\?\s*$|\bisn'?t that the "
                          r"(?:outcome|point|goal)\b", re.I)
_INTERJECTION = re.compile(r"^\W*(?:great|ha+|haha|cool|nice|fair(?: enough)?|true|agreed|oh|ah|right|sure|"
                           r"ok(?:ay)?|yeah|yes|yep|no|nope|hmm+|got it|makes sense|good point|"
                           r"exactly)\W*$", re.I)

# -- where a clean clause belongs ------------------------------------------------------------------
GUARD = re.compile(
    r"\b(?:shouldn'?t|should not|must ?n'?t|must not|can'?t|cannot|won'?t|don'?t want|do not want|without|"
    r"not (?:drop|fall|tank|rise|increase|go up|go down|suffer|get worse|worsen|hurt|spike|climb|creep)|no "
    r"(?:drop|rise|increase|spike|more than)|(?:stays?|remains?|holds?|kept) (?:under|below|above|at|flat|"
    r"steady|stable|healthy)|worried (?:about|that)|careful (?:about|not)|at the expense of|as long as|"
    r"guardrail|(?:watch|keep an eye on|protect))\b", re.I)
MOMENT = re.compile(r"(?:^|\b)(?:when|the moment|once|as soon as|at the point|the point where|at the time|"
                    r"whenever|the day|on the day)\b", re.I)
_SUBJECT = re.compile(
    r"^(?:(?:so |and |then )?(?:they|we|people|customers|users|clients|he|she|you|folks|members|teams|the "
    r"team|patients|residents|buyers|sellers|drivers|hosts|guests|staff|agents|reps|managers|admins|parents|"
    r"students|teachers|learners|doctors|clinicians|nurses|developers|engineers|employees|merchants|shoppers|"
    r"families)(?:'d|'ll|'re| would| will| could| can| should| might| may| do| does| are| actually| just| "
    r"then)*\s+|(?:we'?d|we would|i'?d|i would) (?:see|expect|want|like|hope|love) (?:to see )?(?:them|"
    r"people|customers|users|more \w+)?\s*(?:to\s+)?)", re.I)
_CUT = re.compile(r",\s+(?:but|because|since|which|so|though|although|and that|and then|and we|and i|which "
                  r"is|instead of|rather than|like|e\.g\.|for example|plus|also|not just|not only|not "
                  r"simply)\b|\s+(?:because|since|which means|so that we|but|though|although|like we|as we|"
                  r"which is|e\.g\.|for example|instead of|rather than)\s+",
                  re.I)
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
    questions: list[str] = field(default_factory=list)  # kept sentences that were said as questions

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
    while re.search(r"\s(?:the|a|an|of|to|and|or|with|by|for|on|at|who|that|their|our|its|without|waiting "
                    r"for)$",
                    text, re.I):
        text = re.sub(r"\s+(?:the|a|an|of|to|and|or|with|by|for|on|at|who|that|their|our|its|without|waiting "
                      r"for)$", "",
                      text, flags=re.I)
    return text.strip(" ,;:.-")


def verb_phrase(text: str) -> str:
    """A clause as a verb phrase: 'they'd check the dashboard' -> 'check the dashboard'."""
    text = re.split(r",\s*(?:not just|not only|rather than|instead of)\b", strip_hedges(text), maxsplit=1,
                    flags=re.I)[0]
    for _ in range(2):
        text = _SUBJECT.sub("", text, count=1).strip()
    text = re.sub(r"^(?:to|be able to|start to|start|begin to|actually)\s+", "", text, flags=re.I)
    return shorten(text)


_NOT_SEGMENT = re.compile(r"^\W*(?:about |around |roughly |~)?\d|\b(?:now|today|currently)\b|^(?:anyone|"
                          r"everyone|whoever|all)\b|^(?:really|fine|ok(?:ay)?|sure|yes|no|nah|well|hmm+|good|"
                          r"great|anyone|everyone|everybody|all of them|whoever|people|customers|users)$|"
                          r"\b(?:is|are|was|were|be|'s|good|bad|says?|think|thinks|know|care|cares|want|"
                          r"wants)\b|n'?t\b|^(?:share|percentage|proportion|number|rate|count|median|average|"
                          r"mean|total|%)\b", re.I)
# Verbs a behaviour starts with: a segment stops where one begins ('requesters raise purchase requests').
_BEHAVIOUR_VERB = re.compile(
    r"\s+(?:add|approve|apply|ask|attend|book|buy|call|cancel|check|choose|claim|close|come|complete|connect|"
    r"create|deploy|download|earn|file|find|finish|get|give|hire|invite|join|keep|leave|list|log|make|merge|"
    r"move|open|order|pay|place|play|post|raise|reach|read|receive|renew|reorder|resolve|return|review|run|"
    r"save|schedule|sell|send|set|share|ship|sign|solve|spend|start|stay|submit|subscribe|switch|take|track|"
    r"try|turn|upgrade|upload|use|view|visit|watch|write)s?\b", re.I)


def valid_segment(text: str) -> bool:
    """A segment names a group: a few words, no verb of saying or being, not a lone filler word."""
    return bool(text) and len(text.split()) <= 12 and not _NOT_SEGMENT.search(text) and \
        not _PRONOUN_START.match(text) and not re.match(r"(?i)(?:where|what|when|why|how|which|whose|not|if|"
                                                        r"because|so|but|or|to|and|then|also|"
                                                        r"just)\b", text) and \
        not re.search(r"(?i)\b(?:they|you|we|i|it|us|me|them)\b|[?=]",
                      text) and not _BEHAVIOUR_VERB.match(" " + text)


def segment(text: str) -> str:
    """A who answer as a segment: 'mostly our store managers, maybe half of them' -> 'store managers'."""
    text = re.sub(r"(?i)^(?:the )?(?:customers?|users?|segment|target|who) (?:are|is|would be)\s+", "",
                  strip_hedges(text))
    text = strip_hedges(sentences(text)[0] if sentences(text) else text)
    text = re.split(r",|\s+(?:but|because|since|so|and (?:they|we|i|it)|"
                    r"who (?:are|is) (?:already|mostly))\s+",
                    text, maxsplit=1)[0]
    text = re.sub(r"^(?:it |this |that )?(?:matters?|is|would be|helps?) (?:most |mostly |mainly )?(?:for|"
                  r"to) ", "", text,
                  flags=re.I)
    text = re.sub(r"^(?:it'?s |it is |that'?s |for |the ones? |mostly |mainly |especially |all |our |the |"
                  r"those )+", "",
                  text, flags=re.I)
    text = re.sub(r"\b(?:our|my)\s+", "", text, flags=re.I)
    text = re.split(r"\s+(?:could|would|will|can|should|might|may|need to|want to|are able to|get to|"
                    r"then)\s+|'d\s+|\s+(?:feel|feels|need|needs|want|wants|care|cares|hate|hates|love|loves|"
                    r"struggle|struggles|suffer|suffers|complain|complains)\b",
                    text, maxsplit=1, flags=re.I)[0]
    text = re.sub(r"\s+(?:mostly|mainly|probably|i guess|i think|maybe|really|basically|honestly|i'?d say)$",
                  "", text, flags=re.I)
    if (verb := _BEHAVIOUR_VERB.search(text)) and len(text[:verb.start()].split()) >= 1:
        text = text[:verb.start()]
    words = text.split()[:12]
    while words and words[-1].lower() in {"the", "a", "an", "of", "on", "in", "at", "for", "with", "to",
                                          "and", "or", "who"}:
        words.pop()
    return " ".join(words).strip(" .,;:")


# A group of people: a plural noun ('new runners', 'small sellers', 'staff') somewhere in the phrase.
_PLURAL = re.compile(r"\b\w{3,}(?<!s)s\b|\b(?:staff|people|people's|teams?|everyone|folk|children|"
                     r"personnel)\b", re.I)
# A limit said on its own, in another answer: not a bare "without" (that is usually how people do it).
_LIMIT_WORDS = re.compile(r"\b(?:shouldn'?t|should not|must ?n'?t|must not|can'?t|cannot|won'?t|don'?t want|"
                          r"not (?:drop|fall|tank|rise|increase|go up|go down|suffer|get worse|worsen|spike|"
                          r"climb)|(?:stays?|remains?) (?:under|below|above|at|flat|steady|stable)|"
                          r"guardrail)\b",
                          re.I)


def _questioned(clause: str, questions: list[str]) -> bool:
    return any(q.strip().startswith(clause.strip()[:20]) for q in questions)


def _clause_slot(clause: str) -> Slot | None:
    """Which slot a clause speaks to on its own, when its words say so clearly."""
    if MOMENT.match(strip_hedges(clause)):
        return Slot.value_moment
    if _LIMIT_WORDS.search(clause):
        return Slot.guardrail
    if NUMBER.search(clause) and re.search(r"%|\bshare\b|\brate\b|\bper\b|\bnow\b|\btoday\b|\btarget\b|"
                                           r"\bweek|\bmonth",
                                           clause, re.I):
        return Slot.metric
    return None


def understand(answer: str, asked: Slot) -> Understanding:
    """Read one answer to a question about `asked`."""
    result = Understanding(raw=answer)
    kept: list[str] = []
    off = False
    for sentence in sentences(answer):
        if (UNDO.match(sentence) or NOT_A.search(sentence)) and not kept:
            result.acts.append("undo")
            continue
        bare = _HEDGE_LEAD.sub("", sentence)
        asks = sentence.endswith("?") and (QUESTION_START.match(bare) or TAG_QUESTION.search(sentence))
        if QUESTION_BACK.search(sentence) or QUESTION_BACK.search(bare) or TAG_QUESTION.search(sentence) or (
                asks and len(sentence.split()) <= 8):
            result.acts.append("question")
            result.question = result.question or sentence
            continue
        if OFF_TOPIC.search(sentence):
            result.acts.append("off_topic")
            off = True
            continue
        if off and (sentence.endswith("?") or re.search(r"\bany thoughts\b", sentence, re.I)):
            continue  # the rest of an off-topic aside
        if PUSHBACK.search(sentence):
            result.acts.append("pushback")
            continue
        if ALREADY.search(sentence):
            result.acts.append("already")
            continue
        if VAGUE.match(strip_hedges(sentence) + "."):
            result.acts.append("vague")
            continue
        if asks and not re.search(r"\b(?:they|customers|users|people)\b", sentence, re.I):
            result.acts.append("question")
            result.question = result.question or sentence
            continue
        if _INTERJECTION.match(sentence):
            continue
        kept.append(sentence.rstrip("?"))
        if sentence.rstrip().endswith("?"):
            result.questions.append(sentence.rstrip("?"))
    result.content = strip_hedges(" ".join(kept))
    if not result.has_content:
        return result
    result.numbers = parse_numbers(result.content)
    result.parts = pick_parts(kept, asked, result.questions)
    return result


_ACTOR_VERB = re.compile(
    r"\b(?:they|customers|users|people|clients|folks|members|we'?d see (?:them|people|more \w+)|"
    r"[a-z]+s)(?:'d|'ll| would| will| could| can| should| might| start to| start| actually| then| just| want "
    r"to| get to| need to| love to| like to| are able to| finally)+\s+(?!be\b|have\b|get "
    r"annoyed\b)([a-z].+)$", re.I)
_PRONOUN_START = re.compile(r"^\W*(?:they|them|those|these|it|that|this|he|she|we|i|you)(?:'re|'d|'ll|'s)?\b",
                            re.I)
_VERBLESS = re.compile(r"^(?:[\w'/-]+\s*){1,7}(?:,\s*(?:[\w'/-]+\s*){1,6})?$")


def _clauses(kept: list[str]) -> list[str]:
    out = []
    for sentence in kept:
        out += [c for c in re.split(r",\s*(?=(?:and |but |so )?(?:when|once|without|as long as|if|and if|"
                                     r"(?:it |that |they |we )?(?:shouldn'?t|should not|must not|can'?t)))",
                                     sentence)
                if strip_hedges(c)]
    return out


def _behaviour_in(text: str) -> str:
    """The verb phrase after an actor in a clause ('if it works, they'd keep logging runs' -> 'keep logging
    runs')."""
    m = _ACTOR_VERB.search(strip_hedges(text))
    return m.group(1) if m else ""


def pick_parts(kept: list[str], asked: Slot, questions: list[str] | None = None) -> dict[Slot, str]:
    """Each slot's best part of an answer: the asked slot first, then whatever else the answer clearly
    says."""
    clauses = _clauses(kept)
    if not clauses:
        return {}
    parts: dict[Slot, str] = {}
    content = " ".join(kept)
    if asked is Slot.who:
        for c in clauses + [p for k in kept for p in re.split(r"\s*[,;:-]\s+", k)]:
            seg = segment(c)
            if valid_segment(seg):
                parts[Slot.who] = c
                break
    elif asked in (Slot.behavior, Slot.success, Slot.value):
        for c in clauses:
            if (b := _behaviour_in(c)) and not GUARD.search(c):
                parts[asked] = b
                break
        else:
            starts = [c for c in clauses if not _PRONOUN_START.match(strip_hedges(c))
                      and not _VERBLESS.match(strip_hedges(c))]
            parts[asked] = (starts or clauses)[0]
        if MOMENT.match(strip_hedges(parts[asked])) and not _behaviour_in(parts[asked]):
            parts[Slot.value_moment] = strip_hedges(parts[asked])
            if asked is Slot.behavior:
                del parts[asked]
        first = strip_hedges(clauses[0])
        if asked in parts and _VERBLESS.match(first) and not _PRONOUN_START.match(first) \
                and parts.get(asked) != clauses[0] \
                and valid_segment(segment(first)) and _PLURAL.search(segment(first)) \
                and not _questioned(first, questions or []):
            # "New runners, first 60 days. If sharing works, they'd keep logging runs"
            parts[Slot.who] = first
    elif asked is Slot.value_moment:
        moment = next((c for c in clauses if MOMENT.search(c)), "")
        if moment:
            m = MOMENT.search(moment)
            parts[asked] = moment[m.start():] if m else moment
        else:
            parts[asked] = clauses[0]
    elif asked is Slot.metric:
        parts[asked] = content
    elif asked is Slot.guardrail:
        parts[asked] = guard_clause_of(clauses) or clauses[0]
    else:
        parts[asked] = clauses[0]
    for c in clauses:
        slot = _clause_slot(c)
        if slot is not None and slot is not asked and slot not in parts and c not in parts.values():
            parts[slot] = strip_hedges(c)
    return parts


_CONSEQUENCE = re.compile(r"\bif\b.+?,\s*(?:then\s+)?(?:people|they|customers|users|we|clients)?\s*(?:would|"
                          r"will|'d|might|could)?\s*(?:get annoyed and\s+)?(.+)$", re.I)


def guard_clause_of(clauses: list[str]) -> str:
    """The clause that names what must not get worse: a limit, a worry, or the harm an 'if' would cause."""
    guards = [c for c in clauses if GUARD.search(c)]
    if guards:  # a limit with a number ('quiz score shouldn't drop below 70%') beats a worry said in passing
        return next((c for c in guards if re.search(r"\d\s*%|\b(?:below|above|under|over|at least|at most|"
                                                    r"more than|less than)\s+(?:about |around "
                                                    r")?\d", c)), guards[0])
    for c in clauses:
        if m := _CONSEQUENCE.search(c):
            return m.group(1)
    return ""


def first_person(text: str) -> bool:
    return bool(_FIRST_PERSON.search(text or ""))


_FIX = re.compile(r"\b(?P<field>target|baseline|time ?frame|segment|who|guardrail|metric|value moment|"
                  r"behaviou?r|business (?:outcome|link))\b\s*(?:should (?:be|read|say)\s*:?|is\s*:?|=|:|"
                  r"to)\s+(?P<value>[^.;!?]+)", re.I)
_FIELD_KEYS = {"target": "target", "baseline": "baseline", "time frame": "time_frame",
               "timeframe": "time_frame", "segment": "who", "who": "who", "guardrail": "guardrail",
               "metric": "metric_name", "value moment": "value_moment", "behaviour": "behavior",
               "behavior": "behavior", "business outcome": "business_outcome",
               "business link": "business_outcome"}


_FIX_WRONG = re.compile(r"\b(?P<field>target|baseline|time ?frame|segment|who|guardrail|metric|value moment|"
                        r"behaviou?r|business (?:outcome|link))(?:\s+(?:line|field))?\s+(?:is|was|"
                        r"looks)\s+(?:wrong|off|backwards|broken)\s*[:,;-]+\s*(?:it'?s |it should be |should "
                        r"be |make it |use )?(?P<value>[^.;!?]+)", re.I)


def corrections(text: str) -> dict[str, str]:
    """Card fixes said in words after the card: 'target is under 10% by March', 'the segment is X',
    'the target line is wrong: it should be 40% by June'."""
    fixes: dict[str, str] = {}
    for m in [*_FIX_WRONG.finditer(text or ""), *_FIX.finditer(text or "")]:
        key = _FIELD_KEYS[m.group("field").lower()]
        value = strip_hedges(re.split(r"\s*,?\s*(?:not|rather than|instead of)\s+['\"]", m.group("value"))[0])
        value = value.strip(" '\"")
        if value and not re.match(r"(?i)(?:wrong|off|bad|broken|garbled|not right|backwards|the opposite|"
                                  r"literally|"
                                   r"not\b|missing|gone|lost|still|also|just|my (?:complaint|revenue|goal)|"
                                   r"nonsense|gibberish)", value):
            fixes.setdefault(key, value)
    return fixes
