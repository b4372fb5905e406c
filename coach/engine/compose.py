"""Writing the outcome from the parts a PM gave, never pasting their answers.

Each slot keeps a clean form of what was said (a segment, a verb phrase, a "when..." clause, a
limit), and the outcome is composed by a small grammar: who + what they do + at the value moment,
without the guardrail getting worse, in at most 40 words.
"""

from __future__ import annotations

import re

from coach.engine.understand import GUARD, segment, shorten, strip_hedges, verb_phrase

__all__ = ["GUARD", "business_default", "clean_part", "guard_limit", "outcome_sentence", "part_problem",
           "shorten", "split_outcome"]
from coach.models import Slot

_HARM_UP = (r"(?:rise|rises|go up|goes up|increase|increases|spike|spikes|climb|climbs|creep up|grow|grows|"
            r"balloon)")
_HARM_DOWN = (r"(?:drop|drops|fall|falls|tank|tanks|suffer|suffers|go down|goes down|decrease|decreases|"
              r"decline|declines|get worse|gets worse|worsen|worsens|dip|dips|hurt|slip|slips|take a hit|"
              r"crater)")
_NEG = (r"(?:shouldn'?t|should not|must ?n'?t|must not|can'?t|cannot|won'?t|will not|doesn'?t|does not|"
        r"don'?t|do not|mustn'?t)")


GUARD_START = re.compile(r"^\W*(?:\w+\s+){0,4}?(?:shouldn'?t|should not|must ?n'?t|must not|can'?t|without|"
                         r"not)\b", re.I)
_VERB_AFTER_WHO = re.compile(r"\s+(?:could|would|will|can|should|might|may|need to|want to|'d|who (?:could|"
                             r"would|will|can)|are able to|get to|to be able to|then)\s+", re.I)


_BAD_THINGS = re.compile(r"\b(?:returns?|churn|cancell?ations?|complaints?|errors?|tickets?|opt[- ]?outs?|"
                         r"unsubscribes?|uninstalls?|refunds?|wait(?:ing)? times?|failures?|costs?|"
                         r"incidents?|bugs?|chargebacks?|fraud|no[- ]shows?|drop[- ]?offs?|abandon\w*|"
                         r"defects?|escalations?|spam|latency|delays?|reopen\w*|appeals?|overturn\w*|"
                         r"mistakes?)\b", re.I)
_HARM_ACT = re.compile(r"^(?:turn off|opt out|unsubscribe|uninstall|cancel|complain|churn|leave|drop off|"
                       r"give up|abandon|switch off|mute|report|block)\b", re.I)
_GOOD_THINGS = re.compile(r"\b(?:satisfaction|csat|nps|usage|use|conversion|retention|quality|accuracy|trust|"
                          r"ratings?|engagement|revenue|completion|adoption|response rate|margin|"
                          r"sales)\b", re.I)


def behaviour_after_segment(text: str) -> str:
    """'field reps could check accounts between visits' -> 'check accounts between visits'."""
    m = _VERB_AFTER_WHO.search(strip_hedges(text))
    return strip_hedges(text)[m.end():] if m else ""


def guard_limit(text: str) -> str:
    """A guardrail as a limit: 'desktop satisfaction shouldn't tank' -> 'desktop satisfaction does not
    drop'."""
    return re.sub(r"\b(does|do)\s+\1\b", r"\1", _guard_limit(text))


def _guard_limit(text: str) -> str:
    g = shorten(strip_hedges(text), 14)
    g = re.sub(r"^(?:and |but |also |plus |just )+", "", g, flags=re.I)
    g = re.sub(r"^(?:the |my |our |a )?(?:guardrails?|counter[- ]?metrics?)(?: (?:i|we) (?:care about|'d "
               r"pick|would pick|want))?(?: (?:is|are|would be|should be))?\s*:?\s*", "", g, flags=re.I)
    g = re.sub(r"^(?:i'?m |we'?re )?(?:worried (?:about|that)|careful (?:about|not to)|watch(?:ing)?|keep an "
               r"eye on|protect(?:ing)?|don'?t want(?: to)?|do not want(?: to)?|as long as|make "
               r"sure)\s+", "", g,
               flags=re.I)
    g = re.sub(r"^(?:we |it |that )(?:don'?t |do not )?(?:hurt|lose|annoy|spam|break)\s+", "", g, flags=re.I)
    g = re.split(r",\s*(?:we|i|but|because|since|so|and we|which)\b|\s+because\b", g, maxsplit=1,
                 flags=re.I)[0]
    if m := re.match(rf"^(.+?)\s+{_NEG}\s+(?:go|get|rise|climb) (?:above|over|beyond|past)\s+(.+)$", g, re.I):
        return f"{m.group(1)} stays at or below {m.group(2)}"
    if m := re.match(rf"^(.+?)\s+{_NEG}\s+(?:go|get|drop|fall|dip) (?:below|under|beneath)\s+(.+)$", g, re.I):
        return f"{m.group(1)} stays at or above {m.group(2)}"
    if m := re.match(r"^(?:a |an |any )?(?:rise|increase|spike|jump|growth|uptick) in (.+)$", g, re.I):
        return f"{m.group(1)} does not rise"
    if m := re.match(r"^(?:a |an |any )?(?:drop|fall|decline|dip|decrease) in (.+)$", g, re.I):
        return f"{m.group(1)} does not drop"
    if m := re.match(r"^(nobody|no one|no-one|none of (?:them|the \w+)|zero \w+)\s+(?:should|must|can|"
                     r"will)\s+(\w+)(.*)$",
                     g, re.I):
        verb = m.group(2) + ("s" if not m.group(2).endswith("s") else "")
        return f"{m.group(1)} {verb}{m.group(3)}"
    if m := re.match(rf"^(.+?)\s+{_NEG}\s+(?:\w+\s+)?{_HARM_UP}\b(.*)$", g, re.I):
        return f"{m.group(1)} does not rise{_tail(m.group(2))}".strip()
    if m := re.match(rf"^(.+?)\s+{_NEG}\s+(?:\w+\s+)?{_HARM_DOWN}\b(.*)$", g, re.I):
        return f"{m.group(1)} does not drop{_tail(m.group(2))}".strip()
    if m := re.match(r"^without\s+(.+?)(?:\s+(?:getting worse|dropping|falling|rising|going up))?$", g, re.I):
        return f"{m.group(1)} does not get worse"
    if re.search(r"\b(?:stays?|remains?|holds?|kept|at least|at most|under|below|above|no more than|not|no|"
                 r"can still|still (?:able|get|can))\b", g, re.I):
        return g
    if m := re.match(rf"^(.+?)\s+{_HARM_UP}\b", g, re.I):
        return f"{m.group(1)} does not rise"
    if m := re.match(rf"^(.+?)\s+{_HARM_DOWN}\b", g, re.I):
        return f"{m.group(1)} does not drop"
    if _HARM_ACT.match(g):
        return f"the share who {g} does not rise"
    if _BAD_THINGS.search(g):
        return f"{g} does not rise"
    if re.search(rf"\b{_NEG}\b", g, re.I):  # already a limit in other words: 'agents shouldn't have to ...'
        return re.sub(rf"\b{_NEG}\b", "do not", g, count=1, flags=re.I)
    return f"{g} does not drop" if _GOOD_THINGS.search(g) else f"{g} does not get worse"


def _tail(rest: str) -> str:
    """What may follow 'does not drop': a short qualifier ('below 4.2'), never a new clause."""
    rest = rest.strip()
    return f" {rest}" if rest and not rest.startswith(",") and len(rest.split()) <= 5 and \
        not re.search(r"\b(?:we|i|us|our|me)\b", rest, re.I) else ""


def third_person(text: str) -> str:
    """Answers say 'from us', 'our app': a card speaks of the product, not of 'us'."""
    text = re.sub(r"\s+(?:from|with|by|to|through|on|via) us\b", "", text, flags=re.I)
    text = re.sub(r"\bus\b", "the team", text, flags=re.I)
    text = re.sub(r"\bwe(?:'re| are)\b", "the team is", text, flags=re.I)
    text = re.sub(r"\bwe\b", "the team", text, flags=re.I)
    return re.sub(r"\b(?:i'(?:m|ve|d|ll)|i|me|my)(?![\w'])\s*", "", text, flags=re.I).strip()


def moment_clause(text: str) -> str:
    """A value moment as a clause that can follow the behaviour: 'when the shift is filled'."""
    m = re.split(r"\s+and (?:they|you|we|i|people|customers) (?:think|feel|say|know|realise|realize)\b|"
                 r"['\"‘“]",
                 strip_hedges(text), maxsplit=1)[0]
    m = shorten(m, 14)
    m = re.sub(r"^(?:it'?s |it is |that'?s |probably |i guess )+", "", m, flags=re.I)
    m = m[:1].lower() + m[1:] if m[:2] != m[:2].upper() else m
    if not re.match(r"(?:when|once|as soon as|at the point|the moment|whenever|on the day|the day|after|"
                    r"before)\b",
                    m, re.I):
        m = f"when {m[:1].lower() + m[1:] if m[1:2].islower() else m}"
    return re.sub(r"^the moment\b", "at the moment", m, flags=re.I)


def clean_part(slot: Slot, text: str) -> str:
    """What a slot keeps of an answer part: the clean form the card and the questions may quote."""
    text = re.sub(r"(?i)(?:,\s*|\s+)(?:i guess|i think|i suppose|i mean|probably|maybe|honestly|kind of|sort "
                  r"of)\b,?",
                  "",
                  # hedges in the middle of an answer too: "commuters, I guess people ..."
                  strip_hedges(text))
    text = third_person(text) if slot is not Slot.metric else text
    if slot is Slot.who:
        return segment(text)
    if slot in (Slot.behavior, Slot.success, Slot.value):
        return verb_phrase(text)
    if slot is Slot.value_moment:
        return moment_clause(text)
    if slot is Slot.guardrail:
        return guard_limit(text)
    return shorten(text, 24) if slot is not Slot.metric else strip_hedges(text)


_DOMAINS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:council|resident|citizen|permit|benefit|government|public|city|municipal|licen[cs]e|"
                r"claimant|taxpayer|ministry|agency|nhs|library)\w*", re.I),
     "lower cost to serve: fewer calls, letters and visits per case"),
    (re.compile(r"\b(?:internal|engineer|developer|deploy|staff|employee|ops|warehouse|rota|platform team|"
                r"service desk|it team|pipeline)\w*", re.I),
     "less staff time lost to manual work, so a lower cost to run the operation"),
    (re.compile(r"\b(?:patient|clinic|clinician|doctor|nurse|medication|gp|hospital|pharmac)\w*", re.I),
     "fewer costly missed appointments and follow-ups, and patients who stay with the service"),
    (re.compile(r"\b(?:checkout|cart|basket|shopper|reorder|repeat purchase|upgrade|subscri)\w*", re.I),
     "more revenue from conversion and repeat purchases"),
    (re.compile(r"\b(?:ticket|support|contact|call centre|call center|complaint)\w*", re.I),
     "lower cost to serve"),
    (re.compile(r"\b(?:invite|referr|word of mouth)\w*", re.I),
     "more new customers through referral and word of mouth"),
]


def business_default(text: str) -> str:
    """The business result a behaviour most plausibly leads, from the words of the case."""
    for pattern, link in _DOMAINS:
        if pattern.search(text):
            return link
    return "higher retention: people who get this value keep coming back"


def outcome_sentence(who: str, behavior: str, moment: str, guardrail: str, limit: int = 40) -> str:
    """'More field reps act on an alert from their phone when ..., without desktop satisfaction dropping.'"""
    who = lower_first(who.strip() or "customers")
    behavior = lower_first(behavior.strip().rstrip("."))
    moment = moment.strip().rstrip(".") if moment and moment.lower() not in behavior.lower() else ""
    if moment and shares_phrase(behavior, moment):
        moment = ""  # the behaviour already says it; saying it twice reads like pasted answers
    guard = guard_phrase(guardrail) if guardrail else ""
    for parts in ([behavior, moment, guard], [behavior, moment, ""], [behavior, "", guard],
                  [behavior, "", ""]):
        body = ", ".join(p for p in parts[:2] if p) if "," in parts[0] \
            else " ".join(p for p in parts[:2] if p)
        sentence = f"More {who} {body}" + (f", {parts[2]}" if parts[2] else "") + "."
        if len(sentence.split()) <= limit:
            return sentence
    return f"More {who} {shorten(behavior, 20)}."


def lower_first(text: str) -> str:
    """'Mid-market accounts' -> 'mid-market accounts' inside a sentence; 'SMB owners', 'iOS users' keep
    theirs."""
    first = text.split(" ", 1)[0] if text else ""
    if len(first) > 1 and first[:1].isupper() and first[1:2].islower() \
            and not any(ch.isupper() for ch in first[1:]):
        return first[:1].lower() + text[1:]
    return text


def shares_phrase(a: str, b: str, n: int = 3) -> bool:
    """True when the two texts share a run of n words (a phrase said twice, or an answer pasted back)."""
    def grams(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    return bool(grams(a) & grams(b))


def guard_phrase(limit: str) -> str:
    """'desktop satisfaction does not drop' -> 'without desktop satisfaction dropping'."""
    g = limit.strip().rstrip(".")
    g = g[:1].lower() + g[1:] if g[:2] != g[:2].upper() else g
    for verb, ing in (("does not drop", "dropping"), ("does not rise", "rising"),
                      ("does not get worse", "getting worse"), ("do not drop", "dropping"),
                      ("do not rise", "rising")):
        if g.lower().endswith(verb):
            return f"without {g[: -len(verb)].strip()} {ing}"
        if f" {verb} " in g.lower():
            head, _, tail = g.partition(verb)
            return f"without {head.strip()} {ing} {tail.strip()}".strip()
    return f"while {g}"


SHARE_OF = re.compile(r"^(?:\w+\s*\d*\s*[:\-–]\s*)?(?:increase|raise|grow|lift|improve|get|double|boost|move|"
                      r"reduce|lower)?\s*"
                       r"(?:the\s+)?(?:share|percentage|proportion|number|%|rate|"
                       r"count)\s+of\s+(.+?)\s+(?:who|that|which)\s+(.+?)(?:\s+from\s+\d.*|\s+to\s+\d.*|"
                       r"\s+by\s+\d.*)?$", re.I)


def split_outcome(statement: str) -> tuple[str, str]:
    """(who, what they do) of an outcome sentence: 'share of new teams that invite a teammate' -> both
    parts."""
    text = statement.strip().rstrip(".")
    if m := SHARE_OF.match(text):
        return segment(m.group(1)), verb_phrase(m.group(2))
    return "customers", verb_phrase(re.sub(r"^(?:increase|raise|grow|improve|get|more)\s+", "", text,
                                           flags=re.I))


# -- is a clean part fit to quote? -------------------------------------------------------------------
# Words that only ever come from talk about the work, never from a customer's behaviour or moment.
_TALK = re.compile(r"\?|\b(?:i|me|my|i'm|i'd|don'?t know|not sure|no idea|have to pick|that thing|"
                   r"is what|the board|leadership|marketing|reports? on|(?:i|you) said|the card|north star|"
                   r"kpis?|okrs?|roadmap|stakeholders?|the ceo|the cpo|management|what you mean|that "
                   r"question|looks good|sounds good|that'?s it|that'?s all)\b", re.I)
# The problem customers have today, said as what they do: a coach asks what they would do instead.
_PAIN = re.compile(r"\b(?:never|can'?t|cannot|don'?t|doesn'?t|won'?t|stuck|complain\w*|frustrat\w*|give up|"
                   r"gives up|drop off|churn|call(?:s|ing)? (?:our |the |us |in )?(?:\w+ )?(?:support|"
                   r"contact|help ?desk|line|centre|center|office)|asking (?:where|why|when|if|whether)|"
                   r"chas(?:e|es|ing)|wait(?:s|ing)? for|abandon\w*|sign up and|struggle\w*)\b", re.I)
# "without having to call support", "instead of chasing", "no longer stuck": the pain named as solved.
_SOLVED = re.compile(r"\b(?:without|instead of|rather than|no longer|no more|not|don'?t have to|no need to|"
                     r"stop|less|fewer)\b(?:\s+\w+){0,3}\s*$", re.I)
_NOT_VERB_START = re.compile(r"^(?:a|an|the|our|my|your|their|his|her|some|most|many|lots?|a lot|all|every|"
                             r"each|any|no|none|few|several|both|this|that|these|those|they|them|it|its|"
                             r"their|he|she|you|customers?|users?|people|clients?|\d[\w%]*|more of|less "
                             r"of)\b", re.I)
_COPULA = re.compile(r"^(?:[\w'-]+\s+){0,3}(?:is|are|was|were)\b", re.I)


_HEDGES = re.compile(r"\b(?:i (?:think|guess|suppose|mean|believe|reckon|hope|'d say|would say)|if i had to "
                     r"(?:guess|pick)|to be honest|i'?m not sure|i'?d expect|i'?d hope|i'?d want|i'?d "
                     r"like)\b", re.I)
# Talk about the speaker or the team's own work: 'I have a planning review in 20 minutes', 'we spent two
# quarters'.
_SPEAKER = re.compile(r"\b(?:i|me|my|i'm|i've|i'll|mine)\b|^\W*(?:we|our team)\s+(?!'d|would|want|expect|"
                      r"hope|need|see|could|might|should)(?:\w+ed|spent|built|have|had|are|were|did|made|"
                      r"shipped|got)\b|\bit'?s\b|\bobviously\b", re.I)


def said_by_speaker(raw: str) -> bool:
    """The raw answer part talks about the speaker or the team's own work, not the customer."""
    return bool(_SPEAKER.search(_HEDGES.sub("", raw or "")))


def part_problem(slot: Slot, text: str, raw: str = "") -> str:
    """Why a clean part cannot go on the card as it is ('' when it can): 'talk' (words about the work or the
    conversation, not the customer), 'pain' (the problem today, not what customers do once it is solved),
    'not_action' (not a verb phrase), 'empty'."""
    text = (text or "").strip()
    if not re.search(r"[^\W\d_]{2,}", text):
        return "empty"
    if _TALK.search(text) or (raw and slot is not Slot.guardrail and said_by_speaker(raw)):
        return "talk"
    if slot is Slot.guardrail and (re.match(r"(?i)\W*(?:it|that|this|they|them|those|these)\b", text) or (
            re.search(r"(?i)\b(?:it|them|this|that)\b", text) and not re.search(r"\d", text)) or
            len(re.sub(r"(?i)\s*does not (?:drop|rise|get worse)$", "", text).split()) < 2):
        # 'it shouldn't go above', 'they'll hate it', 'harm': a limit needs the thing it limits
        return "not_action"
    if slot in (Slot.behavior, Slot.success):
        if any(not _SOLVED.search(text[max(0, m.start() - 30):m.start()]) for m in _PAIN.finditer(text)):
            return "pain"
        if _NOT_VERB_START.match(text) or _COPULA.match(text) or len(text.split()) > 16:
            return "not_action"
    if slot is Slot.value_moment and (_COPULA.search(re.sub(r"^\W*(?:when|once|as soon as|after|at the "
                                                            r"moment)\s+", "",
                                                            text,
                                                            flags=re.I)) and re.search(r"\bis what\b", text)):
        return "talk"
    if slot is Slot.who and (len(text.split()) > 10 or _COPULA.match(text)):
        return "not_action"
    return ""
