"""The offline classifier: one kind and zero or more traps for a statement.

The verdict comes from the learned model (`coach.engine.learned`, wired in by
`coach.engine.verdict`); the hand-written reading below is its feature extractor and
the source of its explanations, and the verdict of last resort when no model is trained.
It reads the statement the way a coach would: drop lead-ins ("our goal is to"),
negated parts ("not just ship X but"), the guardrail clause ("without ...") and the
bet ("by launching ..."), then asks what is being measured and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from coach.engine import lexicon as lx
from coach.engine import shapes as sh
from coach.models import Classification, Kind, Trap
from coach.prompts import load_offline

if TYPE_CHECKING:
    from coach.engine.learned import LearnedModel


# Where the measured phrase of a metric-like statement starts.
@dataclass
class Reading:
    """What the classifier read in a statement; kept for explanations and the engine."""

    text: str
    main: str = ""
    guarded: bool = False
    bet: str = ""
    measured: str = ""
    kind: Kind = Kind.output
    traps: list[Trap] = field(default_factory=list)
    cues: dict[str, str] = field(default_factory=dict)


_ANCHOR = re.compile(r"\s+(?:within|in under|inside|after|before) (?:the first )?(?:\d+|one|two|three|a) \w+ "
                     r"(?:of|after|from) [^,;.]+", re.IGNORECASE)
_DURATION = re.compile(r"\b(?:time|hours|days|minutes|weeks) (?:from|between|it takes)\b|\btime[- ]to[- ]\w+|"
                       r"\bcycle time\b|\blead time\b", re.IGNORECASE)


def _strip_lead_in(text: str) -> str:
    stripped = lx.LEAD_IN.sub("", text, count=1).strip()
    return stripped or text


def _measured_phrase(main: str) -> tuple[str, bool, str]:
    """The noun phrase being counted and whether a qualifier ('that include ...') follows it."""
    m = sh.MEASURE_START.search(main)
    rest = main[m.end():] if m else main
    stop = sh.HEAD_STOP.search(" " + rest)
    head = (" " + rest)[: stop.start()] if stop else " " + rest
    tail = (" " + rest)[stop.start():] if stop else ""
    actor = lx.ACTOR.search(head)
    if actor:
        a_start, a_end = actor.start(), actor.end()
        while more := re.match(r"\s+(?:" + lx.ACTOR.pattern + ")", head[a_end:], re.IGNORECASE):
            a_end += more.end()  # "team admins", "job seekers users"
        after = head[a_end:]
        next_word = after.split()[0] if after.split() else ""
        acts = bool(next_word) and not after.startswith("'") and any(
            p.fullmatch(next_word) for p in (lx.BEHAVIOR, lx.TRACTION_VERB, lx.DELIVERY_VERB))
        if (acts and len(head[:a_start].split()) <= 3 and not lx.PRODUCED.search(head[:a_start])
                and not lx.BUSINESS.search(head)):
            # "more team admins share a report": the head is who acts, the rest is what they do
            tail = after + tail
            head = head[:a_end]
    return head.strip(), bool(sh.QUALIFIER.match(tail)) and not sh.PRODUCED_BY.match(tail), tail


def _has_behavior(text: str) -> bool:
    return any(m.group(0).lower() not in sh.GENERIC_BEHAVIOR for m in lx.BEHAVIOR.finditer(text))


def _families(text: str) -> set[str]:
    found = {name for name, pattern in sh.FAMILIES if pattern.search(text)}
    if lx.CURRENCY.search(text):
        found.add("revenue")
    if lx.SENTIMENT_SYMBOLS.search(text):
        found.add("sentiment")
    return found


_CONTINUATION = re.compile(
    r"^(?:so|even|from|to|by|which|that|where|measured|i\.e\.|e\.g\.|with|without|while|because|as|in|on|at|"
    r"for|up|down|this|next|per|each|every|starting|currently|today|now)\b|^\d", re.IGNORECASE)


def _outcome_clauses(main: str) -> list[str]:
    """The clauses of a statement that each set a goal of their own."""
    pieces = [c.strip() for part in lx.CLAUSE_SPLIT.split(main) if part
              for c in sh.AND_NEW_GOAL.split(part) if c.strip()]
    clauses: list[str] = []
    for piece in pieces:  # ", so the target is ...", ", from 1.3 to 2.5" continue the clause before
        if clauses and _CONTINUATION.match(piece):
            clauses[-1] = f"{clauses[-1]}, {piece}"
        else:
            clauses.append(piece)
    family_clauses = sum(1 for c in clauses if _families(c))
    goals: list[str] = []
    for clause in clauses:
        acting = bool(lx.ACTOR.search(clause)) and _has_behavior(clause) and len(clause.split()) >= 3
        changes = bool(sh.EXPLICIT_CHANGE.search(clause) or sh.MOVES.search(clause)
                       or sh.TARGET.search(clause))
        listed = bool(_families(clause)) and family_clauses >= 3
        if changes or listed or (acting and len(clauses) >= 3) \
                or (goals and _families(clause) and len(clause.split()) <= 6) \
                or (goals and lx.DELIVERY_VERB.match(clause)):
            goals.append(clause)
    return goals


def _several_outcomes(main: str) -> bool:
    goals = _outcome_clauses(main)
    if len(goals) < 2:
        return False
    known = [frozenset(_families(g)) for g in goals if _families(g)]
    acting = [g for g in goals if lx.ACTOR.search(g) and _has_behavior(g) and len(goals) >= 3]
    unknown = [g for g in goals if not _families(g) and (
        ((sh.EXPLICIT_CHANGE.search(g) or sh.MOVES.search(g) or sh.TARGET.search(g))
         and (lx.ACTOR.search(g) or _has_behavior(g) or lx.PRODUCED.search(g))) or g in acting)]
    return len(set(known)) + len(unknown) >= 2


def _focus(text: str) -> str:
    """The part of a multi-sentence or quoted statement that states what is measured."""
    quoted = sh.QUOTED.search(text)
    if quoted and len(quoted.group(1).split()) >= 3:
        outside = text[: quoted.start()] + text[quoted.end():]
        if sh.ASKS_ABOUT_QUOTE.search(outside) or len(quoted.group(1)) > 0.6 * len(text):
            text = quoted.group(1)
    sentences = [s.strip() for s in lx.SENTENCE_SPLIT.split(text) if s.strip()
                 and not sh.NOT_THE_GOAL.search(s)]
    if len(sentences) <= 1:
        return sentences[0] if sentences else text
    goals = [s for s in sentences if _families(s)
             and (sh.EXPLICIT_CHANGE.search(s) or sh.MOVES.search(s) or sh.TARGET.search(s))]
    if len(goals) >= 2:
        return "; ".join(s.rstrip(".!? ") for s in goals)
    for s in reversed(sentences):
        if lx.SUCCESS_LEADIN.search(s):
            return lx.SUCCESS_LEADIN.split(s, maxsplit=1)[-1] \
                                               if lx.SUCCESS_LEADIN.split(s, maxsplit=1)[-1].strip() else s
    outcome_like: list[str] = []
    for i, s in enumerate(sentences):
        if sh.EXPLICIT_CHANGE.search(s) or sh.MOVES.search(s) or sh.TARGET.search(s) or lx.BUSINESS.search(s):
            if len(re.findall(r"[^\W\d_]{3,}", s)) < 3 and i > 0 \
                    and sentences[i - 1].rstrip(".!? ") not in outcome_like:
                # "Target: 2x." belongs to the sentence before
                outcome_like.append(sentences[i - 1].rstrip(".!? "))
            outcome_like.append(s.rstrip(".!? "))
    return "; ".join(outcome_like) if outcome_like else " ".join(sentences)


@lru_cache(maxsize=2048)
def read(statement: str) -> Reading:
    """Read a statement into its measured part and the verdict (cached: callers only look)."""
    r = Reading(text=statement)
    text = statement.replace("\u2019", "'").replace("\u2018", "'").strip()
    text = _focus(text)
    text = re.sub(r"\s*\([^()]*\)", "", text)  # asides in brackets do not change what is measured
    text = _ANCHOR.sub("", text)  # "within 7 days of signing up" times the behaviour; it is not the measure
    text = lx.NEGATED.sub(" ", text)
    text = _strip_lead_in(text.strip(" .!?"))
    label = sh.LABEL.match(text)
    if label and len(label.group(1).split()) <= 5 and not sh.TARGET.search(label.group(1)):
        r.cues["label"] = label.group(1)
        words_after = [w for w in re.findall(r"[^\W\d_]{2,}", label.group(2))
                       if w.lower() not in sh.TARGET_WORDS]
        names_metric = lx.BUSINESS.search(label.group(1)) or lx.VANITY.search(label.group(1)) \
            or lx.SENTIMENT.search(label.group(1))
        if len(words_after) >= 3 and not names_metric and not lx.DELIVERY_VERB.match(label.group(1)):
            # "Data platform H1: analysts self-serve ..." -> the goal itself
            text = _strip_lead_in(label.group(2))
        else:
            # "Courier sign-ups: 10k by May" -> the label is the metric
            text = f"{label.group(1)} {label.group(2)}"
    guard = lx.GUARD_CLAUSE.search(text)
    if guard and guard.start() > 0:
        r.guarded = True
        # The guard runs to the end of its clause; a further goal after ", and" stays in the statement.
        guard_text, _, rest = (re.split(r"(,\s*and\s+|;\s*)", guard.group(0), maxsplit=1) + ["", ""])[:3]
        r.cues["guardrail"] = guard_text
        text = (text[: guard.start()].strip(" ,") + ("; " + rest if rest else "")).strip()
    bet = lx.BET_CLAUSE.search(text)
    if bet and bet.start() > 0 \
            and (sh.EXPLICIT_CHANGE.search(text[: bet.start()]) or lx.BUSINESS.search(text[: bet.start()])):
        r.bet = bet.group(0).strip(" ,")
        text = text[: bet.start()]
    starts_delivery = ((bool(lx.DELIVERY_VERB.match(text)) or bool(re.match(r"^\s*(?:an?\s+|"
                                                                            r"the\s+)?new\s+(?!(?:users|"
                                                                            r"customers|teams|members|"
                                                                            r"accounts|signups|hires|sellers|"
                                                                            r"buyers)\b)", text, re.I)))
                       and not sh.ACTOR_AFTER_VERB.match(text)
                       and not (lx.CURRENCY.search(text[:40]) and lx.BUSINESS.search(text[:80]))
                       and not re.match(r"^\s*make\b.{0,60}\b(?:feel|seem|less|more|easier|faster)\b", text,
                                        re.I))
    purpose = lx.PURPOSE_CLAUSE.search(text)
    if starts_delivery and purpose:
        after = text[purpose.end():]
        if (sh.EXPLICIT_CHANGE.search(after) or lx.BUSINESS.search(after) or sh.TARGET.search(after)
                or lx.SENTIMENT.search(after) or (lx.ACTOR.search(after) and _has_behavior(after))):
            r.bet = text[: purpose.start()].strip(" ,")
            text = after
            starts_delivery = bool(lx.DELIVERY_VERB.match(text))
    r.main = text.strip()
    r.kind, r.traps = _verdict(r, starts_delivery)
    return r


def _verdict(r: Reading, starts_delivery: bool) -> tuple[Kind, list[Trap]]:
    main = r.main
    if _several_outcomes(main):
        first = _outcome_clauses(main)[0]
        sub = Reading(text=first, main=first)
        kind, _ = _verdict(sub, bool(lx.DELIVERY_VERB.match(first)))
        r.measured = sub.measured
        return kind, [Trap.multiple_outcomes]
    measured, qualified, tail = _measured_phrase(main)
    r.measured = measured
    # "views that include a review": a count narrowed to the valuable ones (a learned-model feature)
    if qualified:
        r.cues["qualified"] = tail.strip()
    has_change = bool(sh.EXPLICIT_CHANGE.search(main)) or bool(sh.TARGET.search(main)) \
        or bool(sh.MOVES.search(main))
    feature_use = bool(sh.FEATURE_USE.search(main) or lx.FEATURE_ADOPTION.search(main)
                       or sh.NAMED_FEATURE.search(main)
                       or sh.QUOTED_FEATURE.search(main))
    produced_head = bool(measured) \
        and bool(lx.PRODUCED.search(measured.split()[-1] if measured.split() else ""))
    produced_head = produced_head \
        or bool(sh.PRODUCED_THEN_VERB.search(measured or "") and not lx.ACTOR.match(measured))
    participle = lx.PRODUCED.search(main) and lx.PRODUCE_PARTICIPLE.search(main)
    count_frame = (bool(lx.COUNT_FRAME.search(main))
                   or bool(re.search(r"\bper (?:week|month|sprint|quarter|day)\b"
                                     r"|/(?:week|wk|month|mo|day)\b", main))
                   or bool(sh.TARGET.search(main)))

    actor_head = bool(measured) and bool(lx.ACTOR.search(measured.split()[-1]))
    near = sh.PRODUCE_NEAR.search(main)
    if near and re.search(r"\bfirst\b", main[: near.end()], re.IGNORECASE):
        near = None  # "publish their first listing" is an activation milestone, not a count of things
    made = sh.OBJECT_MADE_BY.search(main) if not (qualified or _DURATION.search(main)) else None
    obj = made.group("obj") if made else ""
    if made and made.group("verb").lower() not in sh.CONSUMING and lx.PRODUCED.search(obj) \
            and not lx.ACTOR.search(obj) \
            and not (lx.WRONG_MOMENT.search(obj) or lx.VANITY.search(obj) or lx.ENGAGEMENT_PUSH.search(obj)) \
            and not feature_use and not lx.SENTIMENT.search(main) and not lx.FREQUENCY.search(main):
        r.cues["produced"] = made.group("obj")
        return Kind.output, [Trap.output_in_disguise]
    to_count = re.search(r"\bto [\d.,]+[km]?\s+(?:new\s+)?(?:" + lx.PRODUCED.pattern + ")", main,
                         re.IGNORECASE)
    if to_count and not starts_delivery and not lx.SENTIMENT.search(main) and not lx.VANITY.search(main):
        r.cues["produced"] = to_count.group(0)
        return Kind.output, [Trap.output_in_disguise]
    strong_vanity = re.search(r"\b(?:charts?|top \d+|rank\w*|followers|subscribers|members|impressions|page "
                              r"?views|product hunt|#\s?1|email list|mailing list|trending|"
                              r"reach)\b", main, re.I)
    business_head = (bool(lx.BUSINESS.search(measured) or lx.CURRENCY.search(measured))
                     if measured and not qualified else False)
    if lx.THROUGHPUT.search(main) and (lx.PRODUCED.search(main) or participle) and not feature_use:
        r.cues["produced"] = cast(re.Match[str], lx.THROUGHPUT.search(main)).group(0)
        return Kind.output, [Trap.output_in_disguise]
    duration = _DURATION.search(main)
    sentimental = lx.SENTIMENT.search(main) or lx.FREQUENCY.search(main) or duration or qualified
    if not starts_delivery and not feature_use and not qualified and not strong_vanity and not business_head \
            and not sentimental:
        if produced_head and (count_frame or participle or sh.PRODUCED_BY.match(tail) or has_change):
            r.cues["produced"] = measured
            return Kind.output, [Trap.output_in_disguise]
        counts_things = bool(near and re.search(r"\d|\bmore\b|as many|\btimes\b", near.group("frame") or ""))
        if near and (count_frame or has_change or counts_things) and (not actor_head or counts_things):
            r.cues["produced"] = near.group(0)
            return Kind.output, [Trap.output_in_disguise]
    if participle and count_frame and not starts_delivery and not feature_use and not business_head \
            and not sentimental \
            and not lx.ACTOR.search(re.sub(r"[\w]+-[\w-]+", "", measured or "")):
        r.cues["produced"] = participle.group(0)
        return Kind.output, [Trap.output_in_disguise]
    if starts_delivery and not (has_change and (_has_behavior(main) or lx.BUSINESS.search(main))):
        return Kind.output, []

    behaviour = _has_behavior(main) and lx.ACTOR.search(main)
    sentiment = lx.SENTIMENT.search(main)
    if business_head \
            or (lx.BUSINESS.search(main) and not behaviour and not sentiment and not lx.VANITY.search(main)):
        cue = lx.BUSINESS.search(main) or lx.BUSINESS.search(measured) or lx.CURRENCY.search(measured)
        r.cues["business"] = cue.group(0) if cue else measured  # a currency alone ('$2M') is the cue too
        return Kind.business_outcome, []

    looks_outcome = has_change or lx.METRIC_START.match(main) or _has_behavior(main) or sentiment \
        or lx.VANITY.search(main) or lx.WRONG_MOMENT.search(main)
    if not looks_outcome:
        return Kind.output, []
    return Kind.product_outcome, _product_traps(r, main, measured, qualified)


def _product_traps(r: Reading, main: str, measured: str, qualified: bool) -> list[Trap]:
    traps: list[Trap] = []
    feature = (sh.FEATURE_USE.search(main) or lx.FEATURE_ADOPTION.search(main) or sh.SEARCHES.search(main)
               or sh.FEATURE_SESSIONS.search(main) or sh.NAMED_FEATURE.search(main)
               or sh.NEW_THING_USE.search(main)
               or sh.BARE_FEATURE_USE.search(main)
               or sh.QUOTED_FEATURE.search(main)
               or (sh.THE_FEATURE.search(main) if _has_behavior(main) else None))
    label = r.cues.get("label", "")
    if not feature and label and lx.FEATURE_NOUN.search(label) and sh.USAGE_WORDS.search(main):
        feature = lx.FEATURE_NOUN.search(label)
    if feature and re.search(r"\d[\d.,]*\s*[mk]?\s+(?:plays|views|listens|streams) of", main, re.IGNORECASE):
        feature = None  # a million plays of a trailer is reach, not the use of a feature
    if not feature and r.bet and lx.FEATURE_NOUN.search(r.bet):
        feature = re.search(lx.TRACTION_VERB.pattern + r"\s+(?:it|them)\b", main, re.IGNORECASE)
    clicks = re.search(r"\bclick\w*|\bctr\b|click[- ]through", main, re.IGNORECASE)
    if not feature and clicks and lx.FEATURE_NOUN.search(r.text):
        feature = clicks
    if feature:
        r.cues["feature"] = feature.group(0)
        traps.append(Trap.traction_metric)
    moment = next((m for m in lx.WRONG_MOMENT.finditer(main)
                   if not re.search(r"\b(?:from|after|since|following|before|days? of|weeks? "
                                    r"of)\s+(?:\w+\s+)?$",
                                    main[: m.start()], re.I)), None)
    rank = re.search(r"\b(?:rank|ranking|chart)\b", main, re.IGNORECASE)
    head_end = main.find(measured) + len(measured) if measured and measured in main else -1
    head_qualified = qualified and moment is not None and moment.start() < head_end
    if moment and not rank and not sh.VALUE_REACHED.search(main[moment.end():]) and not feature \
            and not head_qualified and not _DURATION.search(main) \
            and not re.search(r"time[- ]to[- ]value|first value", main, re.IGNORECASE):
        r.cues["moment"] = moment.group(0)
        traps.append(Trap.wrong_moment)
    vanity = lx.VANITY.search(measured if measured else main) \
        or (lx.VANITY.search(main) if not qualified else None)
    if vanity and Trap.wrong_moment not in traps and not feature and not qualified:
        if not re.fullmatch(r"clicks?|click[- ]through|ctr", vanity.group(0), re.IGNORECASE) or not feature:
            r.cues["vanity"] = vanity.group(0)
            traps.append(Trap.vanity_metric)
    sentiment = lx.SENTIMENT.search(main) or lx.SENTIMENT_SYMBOLS.search(main)
    if sentiment:
        rest = lx.SENTIMENT_SYMBOLS.sub(" ", sh.SENTIMENT_ABOUT.sub(" ", main))
        if not (_has_behavior(rest) and lx.ACTOR.search(rest)) and not lx.ENGAGEMENT_PUSH.search(rest):
            r.cues["sentiment"] = sentiment.group(0)
            traps.append(Trap.sentiment_only)
    push = lx.ENGAGEMENT_PUSH.search(main) or lx.FREQUENCY.search(main)
    if push and not r.guarded and not feature and not (sentiment and Trap.sentiment_only not in traps):
        r.cues["push"] = push.group(0)
        traps.append(Trap.no_guardrail)
    return traps


# Notes that explain each verdict; ids of knowledge/.
KIND_NOTES = {
    Kind.output: ["output-vs-outcome", "value-ladder"],
    Kind.product_outcome: ["four-self-checks"],
    Kind.business_outcome: ["business-vs-product-outcomes", "product-outcomes-from-business-outcomes"],
}
TRAP_NOTES = {
    Trap.output_in_disguise: "output-in-disguise",
    Trap.traction_metric: "traction-metric",
    Trap.wrong_moment: "value-creation-moment",
    Trap.sentiment_only: "sentiment-pairing",
    Trap.vanity_metric: "vanity-metrics",
    Trap.no_guardrail: "guardrails",
    Trap.multiple_outcomes: "one-outcome-at-a-time",
}


def explain(r: Reading) -> str:
    """A few plain sentences saying why, naming the words that gave it away."""
    templates = load_offline("classify")
    parts = [templates["kind"][r.kind.value].format(measured=r.measured or r.main, bet=r.bet)]
    if r.bet and r.kind is not Kind.output:
        parts.append(templates["bet"].format(bet=r.bet))
    for trap in r.traps:
        cue = r.cues.get({"output_in_disguise": "produced", "traction_metric": "feature",
                          "wrong_moment": "moment", "sentiment_only": "sentiment", "vanity_metric": "vanity",
                          "no_guardrail": "push"}.get(trap.value, ""), "")
        parts.append(templates["trap"][trap.value].format(cue=cue or r.measured or "this"))
    if not r.traps and r.kind is Kind.product_outcome:
        parts.append(templates["clean"])
    return " ".join(p.strip() for p in parts if p.strip())


def sources_for(kind: Kind, traps: list[Trap]) -> list[str]:
    ids = [TRAP_NOTES[t] for t in traps] + KIND_NOTES[kind]
    return list(dict.fromkeys(ids))


def classify(statement: str, model: LearnedModel | None = None) -> Classification:
    """Classify one statement offline and deterministically: the learned model decides (the shipped
    one unless `model` is given), this module's reading supplies its features and the explanation."""
    from coach.engine.verdict import classify_statement  # imported here: verdict builds on this module

    return classify_statement(statement, model)
