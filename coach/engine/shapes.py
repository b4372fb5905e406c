"""Sentence shapes the classifier reads, built from the lexicon's word families.

The lexicon says which words matter; these patterns say where they stand: what is
being measured, who acts, what counts as a target, a label, a continuation.
"""

from __future__ import annotations

import re

from coach.engine import lexicon as lx

MEASURE_START = re.compile(
    r"\b(?:increas\w*|reduc\w*|improv\w*|grow\w*|rais\w*|lift\w*|decreas\w*|cut|lower\w*|boost\w*|doubl\w*|"
    r"halv\w*|maximi[sz]\w*|minimi[sz]\w*|drive|more|fewer|get)\s+(?:the\s+|our\s+|a\s+|in\s+)?"
    r"(?:(?:total|overall|weekly|monthly|daily|average|avg)\s+)?"
    r"(?:(?:number|count|share|percentage|proportion|rate|amount|volume|quantity|ratio|%)\s+of\s+)?",
    re.IGNORECASE,
)
HEAD_STOP = re.compile(
    r"\s(?:that|which|who|whom|where|with|per|from|by|to|in|on|at|for|among|across|within|without|while|"
    r"each|every|this|next|during|over|after|before|so|and|or|as|than|into|via|through)\b|\d|[,;:.()]",
    re.IGNORECASE,
)
QUALIFIER = re.compile(
    r"^\s*(?:(?:in|on|at|from|for) [\w\s'-]{1,30}?\s)?(?:that|which|where|with|who|after which|in which|"
    r"followed by|that are followed by)\s+(?:\w+\s+){0,3}\w+", re.IGNORECASE)
FEATURE_USE = re.compile(
    lx.TRACTION_VERB.pattern + r"\s+(?:(?:in|on|with|via|through)\s+)?(?:(?:the|our|a|an|this|that|new|their|"
                               r"its)\s+)+"
    r"(?:[\w:/'.-]+\s+){0,3}?"
    + lx.FEATURE_NOUN.pattern,
    re.IGNORECASE,
)
NAMED_FEATURE = re.compile(
    lx.TRACTION_VERB.pattern + r"\s+(?:the\s+|our\s+)?(?:new\s+)?(?:[A-Z][\w-]*)(?:\s+[A-Z][\w-]*)*\b"
    r"(?!\s+(?:app|product|platform|site|website|service)\b)|\b(?:used|toggled on|turned on|enabled|opened|"
    r"viewed|clicked|tried|played|launched) by \d|(?i:\b(?:plays|clicks|taps|launches) (?:of|on) (?:the )?)|"
    r"\bthe new [\w-]+(?: [\w-]+){0,2} (?:over|instead of|vs\.?|versus|rather than)\b|\b(?!(?:product|app|"
    r"platform|overall|daily|weekly|monthly|total|service|data|internet|mobile)\b)[\w-]+ (?:usage|adoption|"
    r"uptake)\b",
)
TARGET_WORDS = {"by", "to", "from", "target", "in", "on", "per", "week", "month", "year", "quarter", "end",
                "of", "the", "today", "now", "this", "next", "peak", "season", "day", "at", "least", "up",
                "down", "mom", "qoq", "yoy", "wow", "pts", "pp", "k", "m", "h1", "h2", "q1", "q2", "q3", "q4"}
LABEL = re.compile(r"^([^:]{1,45}):\s+(.{3,})$")
USAGE_WORDS = lx.words(r"opens?", r"uses?", r"usage", r"views?", r"clicks?", r"sessions?", r"plays?",
                       r"launches", r"taps?")
QUOTED_FEATURE = re.compile(lx.TRACTION_VERB.pattern
                            + r"\s+(?:on\s+)?(?:the\s+)?[\"'\u2018\u201c]"
                              r"[^\"'\u2019\u201d]{2,40}[\"'\u2019\u201d]", re.I)
THE_FEATURE = re.compile(r"\b(?:the|our|a|this) (?:new )?(?:[\w-]+ ){0,3}(?:feature|widget|button|module|tab|"
                         r"mode)\b", re.I)
EXPLICIT_CHANGE = lx.words(
    r"increas\w*", r"reduc\w*", r"improv\w*", r"grow\w*", r"rais\w*", r"lift\w*", r"decreas\w*", r"cut",
    r"lower", r"boost\w*", r"doubl\w*", r"halv\w*", r"shorten\w*", r"speed up", r"maximi[sz]\w*",
    r"minimi[sz]\w*", r"drive", r"expand", r"accelerat\w*", r"get more", r"more", r"fewer", r"higher", r"hit",
    r"reach", r"achieve", r"break into", r"get to", r"bring \w+(?: \w+){0,3} (?:down|up)", r"up \d+",
    r"down \d+", r"overtake", r"beat", r"bigger", r"smaller", r"longer", r"shorter",
)
VALUE_REACHED = lx.words(
    r"hires?", r"hired", r"first value", r"first (?!week|month|day|time)\w+", r"turn(?:s|ed)? up",
    r"activat\w*", r"retained", r"complete (?:their|the|a) first \w+", r"repeat", r"active use", r"actively",
    r"who go on to", r"that lead to", r"paid",
)
PRODUCED_BY = re.compile(
    r"^\s*(?:(?:that|which)\s+)?(?:(?:our|the|new|all)\s+)?(?:[\w-]+\s+){0,2}?(?:creat(?:e|es|ed|ing)|"
    r"writ(?:e|es|ing)|wrote|written|post(?:s|ed|ing)?|publish(?:es|ed|ing)?|upload(?:s|ed|ing)?|add(?:s|ed|"
    r"ing)?|submit(?:s|ted|ting)?|mak(?:e|es|ing)|made|build(?:s|ing)?|built|ship(?:s|ped|ping)?|leav(?:e|es|"
    r"ing)|left|send(?:s|ing)?|sent|produc(?:e|es|ed|ing)|generat(?:e|es|ed|ing)|contribut(?:e|es|ed|ing)|"
    r"record(?:s|ed|ing)?|translat(?:e|es|ed|ing)|list(?:s|ed|ing)?)\b",
    re.IGNORECASE,
)
SEARCHES = re.compile(r"\b(?:searches|search(?:es)? (?:run|performed|made))\b(?!\s+(?:\w+\s+){0,4}?(?:that|"
                      r"which) (?:lead|end|result))",
                       re.IGNORECASE)
BARE_FEATURE_USE = re.compile(
    lx.TRACTION_VERB.pattern + r"\s+(?:[\w-]+\s+){0,3}?(?:mode|feature|button|toggle|widget|command)\b",
    re.IGNORECASE)
NEW_THING_USE = re.compile(
    r"\b(?:us(?:e|es|ed|ing)|tr(?:y|ies|ied)|view(?:s|ed)?|open(?:s|ed)?|click(?:s|ed)?(?: on)?|enabl(?:e|es|"
    r"ed)|switch(?:es|ed)? on|turn(?:s|ed)? on|activat(?:e|es|ed)) (?:the |our )?new [\w-]+", re.IGNORECASE)
OBJECT_MADE_BY = re.compile(
    r"\b(?:number|count|amount) of (?P<obj>[\w -]{2,40}?) (?:that |which )?(?:we|they|our [\w-]+|"
    + lx.ACTOR.pattern + r") (?P<verb>[a-z]+)\b", re.IGNORECASE)
CONSUMING = {"read", "reads", "view", "views", "watch", "watches", "buy", "buys", "book", "books", "complete",
             "completes", "finish", "finishes", "use", "uses", "open", "opens", "redeem", "redeems",
             "receive", "receives", "get", "gets", "see", "sees", "find", "finds", "attend", "attends",
             "save", "saves", "keep", "keeps", "return", "returns", "renew", "renews", "pay", "pays", "visit",
             "visits"}
ACTOR_AFTER_VERB = re.compile(
    r"^\s*(?:make|get|help|enable|let|allow|bring)\s+(?:(?:our|the|more|all|every|each|new)\s+)*"
    + lx.ACTOR.pattern,
    re.IGNORECASE,
)
GENERIC_BEHAVIOR = {"use", "uses", "used", "using", "do", "does", "get", "gets", "take", "takes", "taken",
                     "weekly", "daily", "monthly", "feel", "feels", "trust"}
MOVES = lx.words(r"should (?:fall|rise|drop|grow|go up|go down|double|halve|improve|get)", r"less", r"fewer",
                  r"(?:fall|drop|rise)s? (?:by|to)", r"win more", r"spend less", r"faster", r"sooner",
                  r"quicker",
                  r"(?:under|below|above|over|at least|within|at most) \d[\d.,]*\s*(?:%|days?|hours?|"
                  r"minutes?|seconds?|weeks?)?",
                  r"(?:down|up)(?=\s*(?:\d|$|[,.;]))")
TARGET = re.compile(
    r"\b(?:under|below|above|over|at least|within|at most|to) [$\u00a3\u20ac]?\d|\d+ ?%|\bfrom "
    r"[$\u00a3\u20ac]?\d|\b\d+(?:\.\d+)?\s?[mk]\b|\b\d+ (?:in|of|out of) \d+\b|\btarget\b|"
    r"\d+(?:\.\d+)?\s?(?:million|thousand|billion|bn)\b|\u2192|->|=>|\b\d+(?:\.\d+)?x\b|\b(?:mom|qoq|yoy|"
    r"wow)\b|\+\s?\d|\btarget(?: is|:)|\d+\s?pts?\b|\d+\s?pp\b",
    re.IGNORECASE,
)
NOT_THE_GOAL = re.compile(r"\b(?:is not|isn't|is n't|not) (?:the|our) (?:goal|point|aim|outcome)\b",
                          re.IGNORECASE)
ASKS_ABOUT_QUOTE = re.compile(
    r"\?|\b(?:good|right|ok|okay|valid|real|proper|decent|bad|an?) (?:outcome|kr|key result|metric|goal|okr|"
    r"objective)s?\b",
    re.IGNORECASE,
)
PRODUCED_THEN_VERB = re.compile(
    lx.PRODUCED.pattern + r"\s+(?:(?:our|the|their|its|new)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:creat|writ|wrote|post|publish|upload|add|submit|list|mak|made)\w*\b",
    re.IGNORECASE,
)
FEATURE_SESSIONS = re.compile(
    r"\b(?:mode|feature|widget|tool|tab|button|module|wizard|builder|checker|tracker|planner|assistant|"
    r"copilot|chatbot|bot|optimi[sz]er|calculator|generator|editor)[\s-]+(?:sessions?|usage|use|views?|"
    r"opens?|clicks?|adoption|visits?|launches)\b", re.I)
AND_NEW_GOAL = re.compile(r"\s+and\s+(?=(?:" + r"increas|reduc|improv|grow|rais|lift|decreas|cut|lower|boost|"
                                               r"doubl|halv|"
                           r"maximi|minimi|drive|expand|get more|win|launch|ship|build|bring|make|keep"
                           + r"))", re.I)
PRODUCE_NEAR = re.compile(
    r"\b(?:creat|writ|wrote|post|publish|upload|add|submit|list|produc(?:e|es|ed|ing)\b|generat|contribut|"
    r"record|build|built|ship|send|sent|translat|author)\w*\s+(?P<frame>(?:(?:\d[\d.,]*[km]?\s*%?|(?:twice|"
    r"three times|four times|\d+x) as many|more|new|extra|additional|their|our|the|"
    r"an?)\s+){0,3})(?:[\w-]+\s+){0,2}?(?P<noun>" + lx.PRODUCED.pattern[5:-3] + r")\b",
    re.IGNORECASE,
)
SENTIMENT_ABOUT = re.compile(
    "(?:" + lx.SENTIMENT.pattern + r")(?:\s+(?:with|for|of|about|on|in)\s+[\w' -]+?(?=\s+(?:from|to|by|at|"
                                   r"above|below)\b|[,.;]|$))?",
    re.IGNORECASE)
QUOTED = re.compile(r"[\"“']([^\"”']{12,})[\"”']")

FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("revenue", lx.words(r"revenue", r"arr", r"mrr", r"nrr", r"gmv", r"sales", r"bookings", r"profit\w*",
                         r"margins?", r"upsell\w*", r"aov", r"arp\w+", r"average order value", r"card spend",
                         r"baskets?", r"payers?", r"payer conversion")),
    ("market", lx.words(r"expansion into", r"new markets?", r"launch in \w+", r"districts", r"logos",
                        r"deals")),
    ("retention", lx.words(r"churn\w*", r"retention", r"retain\w*", r"renew\w*")),
    ("cost", lx.words(r"(?:warehouse|cloud|infra\w*|aws|marketing|ad|hosting) spend", r"costs?",
                      r"cost to serve", r"cac", r"tickets?", r"calls?", r"contacts?", r"returns", r"refunds?",
                      r"fraud\w*", r"disputes?", r"grading", r"paperwork", r"admin")),
    ("sentiment", lx.SENTIMENT),
    ("engagement", lx.words(r"engag\w*", r"active", r"dau", r"wau", r"mau", r"time spent", r"sessions?")),
    ("acquisition", lx.words(r"sign[- ]?ups?", r"new (?:users|customers)", r"downloads?", r"installs?",
                             r"leads?", r"registrations?", r"trials?", r"traffic", r"visitors?")),
    ("activation", lx.words(r"activation", r"onboard\w*", r"first value", r"time[- ]to[- ]\w+", r"setup")),
    ("conversion", lx.words(r"conversion", r"convert\w*", r"checkout", r"purchases?")),
    ("reach", lx.words(r"page ?views", r"followers", r"impressions", r"reach", r"views", r"discord",
                       r"community", r"members", r"audience")),
    ("learning", lx.words(r"pass\w*", r"exam", r"certif\w*", r"complet\w*", r"finish\w*")),
    ("quality", lx.words(r"errors?", r"bugs?", r"crash\w*", r"uptime", r"latency", r"incidents?")),
]
