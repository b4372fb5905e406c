"""A coaching session: the statement, the slots filled so far and the transcript.

Sessions are plain pydantic objects: `model_dump_json()` saves one and
`Session.model_validate_json()` resumes it exactly where it was.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from coach.engine.numbers import Numbers
from coach.models import Classification, OutcomeCard, Role, Slot, Turn, Usage, utcnow

#: A card is always handed back within this many coach messages.
TURN_BUDGET = 12

SLOT_ORDER: list[Slot] = list(Slot)


class SlotFill(BaseModel):
    """What we know for one slot and where it came from."""

    text: str
    origin: Literal["user", "statement", "inferred", "assumed"] = "user"


class Session(BaseModel):
    """Everything needed to show, resume or export one coaching conversation."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    statement: str
    classification: Classification
    slots: dict[Slot, SlotFill] = Field(default_factory=dict)
    transcript: list[Turn] = Field(default_factory=list)
    pending: Slot | None = Field(default=None, description="The slot the last coach question is after.")
    status: Literal["active", "done"] = "active"
    card: OutcomeCard | None = None
    # How often each slot was re-asked (ladder steps, nudges, trap counters), so no loop can form.
    reasks: dict[str, int] = Field(default_factory=dict)
    countered: list[str] = Field(default_factory=list, description="'slot:trap' pairs already challenged.")
    unresolved_traps: dict[Slot, list[str]] = Field(default_factory=dict)
    restart_requested: bool = Field(default=False,
                                    description="The user asked to start over; the next statement opens a "
                                                "new session.")
    numbers: Numbers = Field(default_factory=Numbers,
                             description="Baseline, target and time frame the user gave.")
    reading_back: bool = Field(default=False,
                               description="The last coach message read the outcome back to confirm.")
    read_back_done: bool = False
    asking_kind: bool = Field(default=False,
                              description="The coach asked whether the statement is built or done.")
    snapshots: list[str] = Field(default_factory=list, description="The state before each answer, for undo.")
    dropped: str = Field(default="",
                         description="Numbers the user gave for a metric the coach moved away from.")
    good_outcome: bool = Field(default=False,
                               description="The statement was already a clean product outcome.")
    outcome_text: str = Field(default="",
                              description="The outcome in the user's own words, when they rewrote it.")
    engine: str = "offline"
    usage: Usage = Field(default_factory=Usage)
    created: datetime = Field(default_factory=utcnow)
    updated: datetime = Field(default_factory=utcnow)

    @property
    def coach_turns(self) -> int:
        return sum(1 for t in self.transcript if t.role is Role.coach)

    @property
    def title(self) -> str:
        return self.statement if len(self.statement) <= 60 else self.statement[:57] + "..."

    def filled(self, slot: Slot) -> str:
        fill = self.slots.get(slot)
        return fill.text if fill else ""

    def fill(self, slot: Slot, text: str,
             origin: Literal["user", "statement", "inferred", "assumed"] = "user") -> None:
        self.slots[slot] = SlotFill(text=text.strip(), origin=origin)

    def assumed_slots(self) -> list[Slot]:
        return [s for s, f in self.slots.items() if f.origin == "assumed"]

    def snapshot(self) -> None:
        """Remember the state before an answer, so that answer can be undone (the transcript is cut, not
        stored)."""
        state = self.model_dump_json(exclude={"transcript", "snapshots"})
        self.snapshots = [*self.snapshots[-19:], f"{len(self.transcript)}|{state}"]

    def undo(self) -> bool:
        """Go back to before the last answer; False when there is nothing to undo."""
        if not self.snapshots:
            return False
        length, _, state = self.snapshots[-1].partition("|")
        restored = Session.model_validate_json(state)
        for name in type(self).model_fields:
            if name not in ("transcript", "snapshots", "id", "created"):
                setattr(self, name, getattr(restored, name))
        self.transcript = self.transcript[: int(length)]
        self.snapshots = self.snapshots[:-1]
        return True

    def bump(self, key: str) -> int:
        self.reasks[key] = self.reasks.get(key, 0) + 1
        return self.reasks[key]
