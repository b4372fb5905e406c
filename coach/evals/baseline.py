"""A keyword baseline classifier: the floor any real classifier must clear by a margin."""

from __future__ import annotations

import re

from coach.models import Classification, Kind, Trap

_RULES: list[tuple[Trap, str]] = [
    (Trap.sentiment_only, r"\b(?:nps|csat|satisf\w*|happ\w+|sentiment|delight\w*|rating|stars?)\b"),
    (Trap.vanity_metric, r"\b(?:page ?views?|followers?|impressions?|downloads?|likes|visits|traffic|ranking|"
                         r"reach)\b"),
    (Trap.wrong_moment, r"\b(?:sign[- ]?ups?|applications?|registrations?|installs?|trials? started|"
                        r"add(?:ed)? to cart)\b"),
    (Trap.traction_metric, r"\b(?:use of|usage of|adoption of|clicks? on|the new \w+|feature)\b"),
    (Trap.output_in_disguise, r"\b(?:number of|count of)\b.*\b(?:reviews?|posts?|articles?|integrations?|"
                              r"features?)\b"),
    (Trap.no_guardrail, r"\b(?:maximi[sz]e|time (?:spent|in app)|engagement|sessions per)\b"),
]
_BUSINESS = re.compile(r"\b(?:revenue|arr|mrr|churn|retention|profit|margin|gmv|sales|cost|ltv|cac)\b", re.I)
_OUTPUT = re.compile(r"^\s*(?:kr\d*:?\s*)?(?:build|ship|launch|deliver|add|create|implement|integrate|"
                     r"release|"
                     r"publish|migrate|redesign|run|hire|write|develop)\b", re.I)


def keyword_classify(statement: str) -> Classification:
    """Kind and traps from a handful of keywords; no sentence reading at all."""
    traps = [trap for trap, pattern in _RULES if re.search(pattern, statement, re.I)]
    if _OUTPUT.search(statement):
        kind = Kind.output
    else:
        kind = Kind.business_outcome if _BUSINESS.search(statement) else Kind.product_outcome
    return Classification(kind=kind, traps=[] if kind is not Kind.product_outcome else traps,
                          explanation="keywords")
