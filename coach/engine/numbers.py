"""Numbers in what a PM says: baseline, target and time frame ("about 41% now, want 48% by end of Q3").

`parse_numbers` reads each number with the words around it, the way a person would: "now",
"today", "we're at" mark the baseline; "want", "target", "to", "under" mark the target; dates,
quarters and "in 30 days" mark the time frame. Numbers that define the metric itself ("within
45 days", "3 of 4 weeks") stay in the metric's name.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_NUM = (r"(?:~|about |around |roughly |approx\.? |nearly |almost )?[£$€]?\d+(?:[.,]\d+)*(?:\s?(?:k|m|bn|%|pp|"
        r"x|pts?))?")
NUMBER = re.compile(
    r"(?<![\w.\-/])(?P<num>[£$€]?\d+(?:[.,]\d+)*)(?P<unit>\s?(?:k|m|bn|%|pp|x|pts?|percent|per ?cent)\b|%)?"
    r"(?P<noun>\s(?:days?|weeks?|hours?|hrs?|minutes?|mins?|seconds?|secs?|months?|stars?|points?|orders?|"
    r"users?|customers?|sign[- ]?ups?|people|teams?|accounts?|calls?|tickets?)\b)?", re.I)
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
TIME_FRAME = re.compile(
    r"\b(?:by|before|until|till|within|in|over|during|for|through|end of|at the end "
    r"of)?\s*(?:the\s+)?(?:(?:end of |the end of |close of )?(?:q[1-4](?:\s?(?:20)?\d\d)?|"
    r"h[12](?:\s?(?:20)?\d\d)?|fy\s?\d\d|(?:next |this |last "
    r")?" + _MONTHS + r"(?:\s+20\d\d)?|20\d\d|(?:this|next|the) (?:quarter|half|year|"
                                          r"month|sprint|season|term)|"
    r"year[- ]end|end of (?:the )?(?:quarter|year|half|month)|(?:the )?(?:autumn|spring|summer|winter|fall) "
    r"(?:term|semester)|(?:the )?(?:school|academic|financial|fiscal) year|(?:the )?(?:quarter|half|year)'?s "
    r"end)|(?:\d+|one|two|three|four|six|nine|twelve) (?:weeks?|months?|quarters?|years?)(?! of| after| from|"
    r"[- ]olds?))\b",
    re.I)
_BASE_AFTER = re.compile(r"^\s*(?:\w+\s)?(?:now|today|currently|at the moment|right now|at present|these "
                         r"days|at the minute|as of now|last (?:quarter|month|year))\b", re.I)
_BASE_BEFORE = re.compile(r"(?:\bat|\bcurrently|\btoday|\bbaseline(?: is| of)?|\bfrom|we'?re at|it'?s at|"
                          r"sits? at|\bis at|\bis|\bwas|\bstarting at|\bhovers? (?:at|around)|\bstuck at|"
                          r"\bonly)\s*(?:about|around|roughly|~|approx\.?|maybe|like|only|just)?\s*$", re.I)
_TARGET_BEFORE = re.compile(r"(?:\bto|\bgoal is|\btarget is|\bwant(?: it)?(?: to be)?|\btarget(?: is| of)?|"
                            r"\bgoal(?: is| of)?|\baim(?: for)?|\breach|\bhit|\bget (?:it |that )?(?:to|"
                            r"under|below|above|over)|\bunder|\bbelow|\bbeneath|\babove|\bover|\bat least|"
                            r"\bat most|\bup to|\bdown to|\bless than|\bmore than|\bhoping for|\bwould like|"
                            r"\bwe'?d like|\bshooting for|\bmax(?:imum)?|\bmin(?:imum)?|\bno more than|"
                            r"\bgrow(?:ing)? (?:it )?to|\bdouble to|\bcut (?:it )?to|\bby)\s*(?:about|around|"
                            r"roughly|~|maybe|like|ideally)?\s*$", re.I)
_RANGE_BEFORE = re.compile(r"\b(?:months?|weeks?|days?|years?|ages?|between)\s+\d+\s*(?:to|-|–|and)\s*$",
                           re.I)
_DEFINING_AFTER = re.compile(r"^\s*(?:[-–]\s*\d|year[- ]olds?|years? old|to \d+\s*(?:months?|weeks?|days?|"
                             r"years?)|of (?:their|the|its|our)|of \d|after|from (?:sign|their|the|first)|"
                             r"days? (?:after|of|from)|weeks? (?:after|of|from)|or more|\+)", re.I)
_DEFINING_BEFORE = re.compile(r"\b(?:within|in (?:the )?(?:first|last)|at least|in|every|each|per|of|months?|"
                              r"weeks?|days?|years?|ages?|between|week-|day-|month-|(?:months?|weeks?|days?|"
                              r"years?|ages?)\s+\d+\s*(?:to|-|–|and))\s*$", re.I)


class Numbers(BaseModel):
    """What the numbers in an answer say; empty strings where nothing was said."""

    baseline: str = ""
    target: str = ""
    time_frame: str = ""
    defining: list[str] = []

    def merged(self, other: Numbers) -> Numbers:
        """Earlier answers keep what they said; later ones fill what is still empty."""
        return Numbers(baseline=self.baseline or other.baseline, target=self.target or other.target,
                       time_frame=self.time_frame or other.time_frame,
                       defining=self.defining + other.defining)

    @property
    def empty(self) -> bool:
        return not (self.baseline or self.target or self.time_frame)


def _value(m: re.Match[str]) -> str:
    unit = (m.group("unit") or "").strip().lower()
    unit = {"percent": "%", "per cent": "%", "percent.": "%"}.get(unit, unit)
    noun = (m.group("noun") or "").strip()
    text = m.group("num") + ("" if not unit else unit if unit in ("%", "k", "m", "bn", "x") else f" {unit}")
    return f"{text} {noun}".strip()


def time_frames(text: str) -> list[str]:
    """Time-frame phrases, longest first in reading order: 'by end of Q3', 'in 30 days'."""
    out = []
    for m in TIME_FRAME.finditer(text):
        phrase = m.group(0).strip()
        if re.search(r"\d|q[1-4]|h[12]|quarter|year|month|half|sprint|term|semester|" + _MONTHS, phrase,
                     re.I):
            out.append(phrase)
    return out


def parse_numbers(text: str) -> Numbers:
    """Baseline, target and time frame from one answer; what cannot be placed is left empty."""
    text = text or ""
    frames = time_frames(text)
    time_frame = next((f for f in frames if f.lower().startswith(("by", "before", "until", "end", "in",
                                                                  "within", "over", "this", "next",
                                                                  "at the"))), "")
    time_frame = time_frame or (f"by {frames[0]}" if frames else "")
    spans = [m.span() for m in TIME_FRAME.finditer(text) if m.group(0).strip() in frames]
    base = target = ""
    defining: list[str] = []
    found = [m for m in NUMBER.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    pair = re.search(r"from\s+(?:about |around |roughly |~)?(" + _NUM + r")\s*(?:to|->|→|-)\s*(?:about |"
                                                                        r"around |~)?("
                     + _NUM + r")", text, re.I)
    if pair:
        base, target = pair.group(1).strip(), pair.group(2).strip()
    for m in found:
        if pair and pair.start() <= m.start() < pair.end():
            continue
        before, after = text[max(0, m.start() - 30):m.start()], text[m.end():m.end() + 25]
        value = _value(m)
        countable = re.search(r"(?:at least|at most|with|more than|over|of|\d\+?)\s*$", before, re.I) and \
            re.match(r"\s*\+?\s*[a-z]{3,}s\b", after,
                     re.I) and not re.match(r"\s*(?:days|weeks|months|hours|years|mins|"
                                                                      r"minutes|seconds|points|stars|"
                                                                      r"percent)\b", after, re.I)
        if countable or _RANGE_BEFORE.search(before) or _DEFINING_AFTER.match(after) or (
                _DEFINING_BEFORE.search(before) and not _TARGET_BEFORE.search(before)):
            defining.append(value)
        elif _BASE_AFTER.match(after) or (_BASE_BEFORE.search(before) and not re.search(r"\bto\s*$", before)
                                          and not _TARGET_BEFORE.search(before)):
            base = base or value
        elif _TARGET_BEFORE.search(before) or re.search(r"\b(?:goal|target|aim)\b[^,.;]*$", before, re.I):
            qualifier = re.search(r"(under|below|above|over|at least|at most|less than|more than|no more "
                                  r"than)\s*(?:about|around|~)?\s*$", before, re.I)
            relative = re.search(r"\bby\s*$", before, re.I) and "%" in value
            target = target \
                or ((qualifier.group(1).lower() + " " if qualifier else "+" if relative else "") + value)
        elif not base:
            # a level said with no cue is where things stand: targets come with "want", "to", "by"
            base = value
        elif not target:
            target = value
    unit = re.search(r"\s(days?|weeks?|hours?|minutes?|months?)$", base)
    if unit and target and re.fullmatch(r"(?:[a-z ]+ )?[\d.,]+", target):
        target = f"{target} {unit.group(1)}"  # "9 days now, want 4": the target is 4 days too
    return Numbers(baseline=base, target=target, time_frame=time_frame, defining=defining)
