"""A simulated user that answers each coach question from a persona, by the question's slot."""

from __future__ import annotations

from typing import Any

from coach.engine.protocol import Coach
from coach.engine.session import Session

NOT_SURE = "not sure"


def simulate(coach: Coach, statement: str, persona: dict[str, Any], max_messages: int = 30) -> Session:
    """Run a dialogue to its card; stops after max_messages user answers whatever happens."""
    session = coach.start(statement)
    for _ in range(max_messages):
        if session.status == "done":
            break
        slot = session.transcript[-1].slot
        answer = persona.get(slot.value) if slot else None
        coach.reply(session, str(answer).strip() if answer else NOT_SURE)
    return session
