"""How the simulated user reads a coach message: from its words alone.

It never sees the engine's slot tag or any other field, and imports nothing from
`coach.engine`: it decides what is being asked the way a person would, from the last
question in the message, so a coach whose words ask the wrong thing gets the wrong answer.
"""

from __future__ import annotations

import re

# Topics a PM can be asked about, each with the phrasings that ask for it, most specific first.
TOPIC_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("guardrail", re.compile(
        r"must ?n[o']t get worse|must not (?:drop|suffer|fall|rise)|should ?n[o']t (?:get worse|suffer|drop)|"
        r"guardrail|counter[- ]?metric|what (?:could|would|might) (?:go wrong|get worse|break|suffer)|"
        r"unintended|harm|side[- ]effect|stay (?:flat|steady|healthy)|at (?:the )?(?:customers'?|users'?) "
        r"expense|at what cost|keep an eye on|in a bad way", re.I)),
    ("confidence", re.compile(
        r"do you (?:already )?know what (?:moves|drives|works)|tried (?:this|anything|it|something) (?:like "
        r"this )?before|learn (?:first|what)|how confident|how sure|proven|learning or (?:a )?performance|"
        r"experiment\w* first|know (?:it|this) works|what moves it|tried anything.{0,40}before|learning what "
        r"works", re.I)),
    ("metric", re.compile(
        r"how (?:would|will|do|could|should) (?:you|we) (?:count|measure|track)|\bmetric\b|baseline|"
        r"\btarget\b|what number|which number|by when|time ?frame|how is it counted|count it|measurable|what "
        r"(?:exactly )?is counted|over what (?:window|period)|where is it (?:today|now)", re.I)),
    ("value_moment", re.compile(
        r"\bmoment\b|when (?:exactly )?(?:do|does|would|will) (?:they|the customer|customers|users|people) "
        r"(?:actually )?(?:get|feel|see|receive)|at what point|point (?:at which|where)|when is value|"
        r"(?:get|gets|getting) (?:the )?value\b|value (?:is )?created|feel the benefit|in their journey",
        re.I)),
    ("who", re.compile(
        r"\bwho (?:exactly|specifically|are|is|would|will|gets|does|should)\b|which (?:customers|users|"
        r"people|segment|group|accounts|teams|patients|residents|buyers|sellers|clients)|what kind of "
        r"(?:customers|users)|for whom|\bsegment\b|which of (?:your|them)", re.I)),
    ("behavior", re.compile(
        r"do differently|observabl\w+|what (?:action|behaviou?r)|\bbehaviou?r\b|(?:see|watch|observe) "
        r"(?:them|customers|users) do|which one matters most|matters most (?:now|first)|pick one|what would "
        r"(?:they|customers|users|people) (?:start|stop) doing|what do (?:customers|users|they|people) "
        r"do\b", re.I)),
    ("business_link", re.compile(
        r"\bbusiness\b|revenue|\bretention\b|churn|renew|\bpay(?:s)? off\b|bottom line|the company|lagging|"
        r"\bfinanc\w*|\bcost to serve\b|\bprofit", re.I)),
    ("success", re.compile(
        r"how (?:would|will|could|do) (?:you|we) (?:know|tell)|what would you notice|what (?:would|will) you "
        r"see|(?:it|this) (?:worked|succeeded|is working)|\bsuccess\b|\bsignal\b|evidence|what would change|"
        r"convince you", re.I)),
    ("value", re.compile(
        r"what is the value|what'?s the value|value of (?:this|that|it)|what (?:could|can|would|will) "
        r"(?:customers|users|they|people|\w+s)\b.{0,40}\b(?:do|achieve|get)\b|what (?:does|would|will) (?:it|"
        r"that|this) (?:let|help|allow|give|enable)|what for|why (?:does|would|is) .{0,80}(?:matter|"
        r"important)|what problem|who benefits|who is better off|what'?s it for|so that|get out of "
        r"it", re.I)),
]
# A coach message that points out a problem with what the user said.
PROBLEM = re.compile(
    r"\btrap\b|\bcatch\b|\bbut\b.{0,60}\b(?:count|measure|rise|grow|feature|step|vanity|sentiment)|"
    r"can (?:rise|go up|grow) without|step before|one feature|single feature|vanity|on its own|"
    r"output in disguise|is an output|something (?:the|your) team (?:would )?(?:build|ship)", re.I)
# A coach message that reads a draft back and asks the user to keep or change it.
CONFIRM = re.compile(
    r"keep it|does (?:that|this) (?:sound|read|look) right|shall I (?:keep|use)|rewrite it|"
    r"is that (?:right|how you would put it)|confirm|\bok to keep\b|would you (?:keep|change)", re.I)
QUESTION = re.compile(r"[^.!?]*\?")


def last_question(message: str) -> str:
    """The last sentence ending in '?', else the whole message."""
    questions = QUESTION.findall(message)
    return questions[-1].strip() if questions else message.strip()


def topic_of(message: str) -> str | None:
    """What the coach asks for, as a person would read it: the first question whose words say, else None."""
    for text in [*QUESTION.findall(message), message]:
        for topic, cue in TOPIC_CUES:
            if cue.search(text):
                return topic
    return None


def points_out_problem(message: str) -> bool:
    return bool(PROBLEM.search(message))


def asks_to_confirm(message: str) -> bool:
    return bool(CONFIRM.search(last_question(message)))
