"""A simulated user that reads only the coach's words and answers from a persona, in the persona's voice.

The user sees each coach message as text (never a slot tag or any engine field), decides
what is being asked with its own reader (`coach.evals.reader`), and answers with what the
persona says about that topic. A persona's `voice` adds what real PMs do: push back on the
first question, ask "what's the catch?" when told of a problem, not know some things, go
off topic once, and ask for a draft early. It imports nothing from `coach.engine`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from coach.evals.reader import asks_to_confirm, points_out_problem, topic_of

NOT_SURE = "not sure, honestly"
DONT_KNOW = "no idea honestly"
WHAT_DO_YOU_MEAN = "sorry, what do you mean?"
ALREADY_SAID = "I already said that."
DRAFT = "just give me a draft"
APPROVE = "yes, that works, keep it"


@dataclass
class Reply:
    """What a person sees after each message: the coach's words, and the card once it is drawn."""

    text: str
    card: Any = None


class Conversation(Protocol):
    def start(self, statement: str) -> Reply: ...

    def reply(self, answer: str) -> Reply: ...


@dataclass
class Dialogue:
    """A played dialogue: what was said, what the user meant by each answer, and the card."""

    statement: str
    messages: list[tuple[str, str]] = field(default_factory=list)  # (role, text)
    said: dict[str, str] = field(default_factory=dict)  # persona topic -> the answer given for it
    card: Any = None

    @property
    def coach_messages(self) -> int:
        return sum(1 for role, _ in self.messages if role == "coach")

    @property
    def user_answers(self) -> list[str]:
        return [text for role, text in self.messages if role == "user"]


class SimulatedUser:
    """Answers each coach message from a persona, as that PM would."""

    def __init__(self, persona: dict[str, Any], voice: dict[str, Any] | None = None):
        self.persona = {k: str(v).strip() for k, v in (persona or {}).items()
                        if v is not None and str(v).strip()}
        self.voice = dict(voice or {})
        self.answers = 0
        self.used: set[str] = set()
        self.asked: dict[str, int] = {}
        self.said: dict[str, str] = {}

    def _once(self, key: str) -> bool:
        if key in self.used:
            return False
        self.used.add(key)
        return True

    def answer(self, message: str) -> str:
        self.answers += 1
        v = self.voice
        if v.get("opening_pushback") and self.answers == 1 and self._once("pushback"):
            return str(v["opening_pushback"])
        if v.get("draft_after") and self.answers > int(v["draft_after"]):
            return DRAFT
        if v.get("off_topic") and self.answers == 2 and self._once("off_topic"):
            return str(v["off_topic"])
        if v.get("asks_back") and points_out_problem(message) and self._once("asks_back"):
            return str(v["asks_back"])
        if asks_to_confirm(message) and topic_of(message) is None:
            return APPROVE
        topic = topic_of(message)
        if topic is None:
            return WHAT_DO_YOU_MEAN if self._once("what") else NOT_SURE
        self.asked[topic] = self.asked.get(topic, 0) + 1
        if topic in (v.get("dont_know") or []):
            return DONT_KNOW
        if topic in self.said and self.asked[topic] == 2:
            return ALREADY_SAID
        if topic not in self.persona:
            return NOT_SURE
        self.said[topic] = self.persona[topic]
        return self.persona[topic]


def simulate(conversation: Conversation, statement: str, persona: dict[str, Any],
             voice: dict[str, Any] | None = None, max_answers: int = 20,
             on_message: Callable[[str, str], None] | None = None) -> Dialogue:
    """Play a dialogue to its card; stops after max_answers answers whatever happens."""
    user = SimulatedUser(persona, voice)
    dialogue = Dialogue(statement=statement)

    def record(role: str, text: str) -> None:
        dialogue.messages.append((role, text))
        if on_message:
            on_message(role, text)

    reply = conversation.start(statement)
    record("user", statement)
    record("coach", reply.text)
    for _ in range(max_answers):
        if reply.card is not None:
            break
        answer = user.answer(reply.text)
        record("user", answer)
        reply = conversation.reply(answer)
        record("coach", reply.text)
    dialogue.card = reply.card
    dialogue.said = dict(user.said)
    return dialogue
