"""Training rooms: what a facilitator sees of a room, and its exports (Markdown and CSV). No Streamlit here.

A facilitator opens a room (a short code); trainees join it. Drills done and sessions started
while in a room count for it, so the report shows each trainee's score in this room, the traps
the room keeps missing and the outcome cards trainees reached.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field

# No 0/O, 1/I/L: a code is read aloud and typed from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code() -> str:
    """A fresh random room code, e.g. 'K7Q2MX'."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """A code as typed ('k7q-2mx ') in its stored form ('K7Q2MX'); '' when it cannot be one."""
    code = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return code if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code) else ""


@dataclass(frozen=True)
class Room:
    """A training room."""

    code: str
    name: str
    facilitator: str
    created: str
    closed: str | None = None


@dataclass(frozen=True)
class TraineeRow:
    """One trainee's work in a room."""

    member: str
    name: str
    drills: int
    correct: int
    cards: list[str] = field(default_factory=list)  # the product outcomes of the cards they reached
    sessions: int = 0

    @property
    def score(self) -> float | None:
        """Share of drills answered fully right; None before the first drill."""
        return self.correct / self.drills if self.drills else None


@dataclass(frozen=True)
class RoomTrap:
    """How the room does on one trap."""

    trap: str
    attempts: int
    misses: int
    missed_by: int  # how many trainees missed it at least once

    @property
    def miss_rate(self) -> float:
        return self.misses / self.attempts if self.attempts else 0.0


@dataclass(frozen=True)
class RoomReport:
    """Everything the facilitator's view shows."""

    room: Room
    trainees: list[TraineeRow]
    traps: list[RoomTrap]  # most missed first

    def most_missed(self) -> RoomTrap | None:
        """The trap the room misses most (by misses, then miss rate); None when nobody missed any."""
        missed = [t for t in self.traps if t.misses]
        return missed[0] if missed else None


def rank_traps(traps: list[RoomTrap]) -> list[RoomTrap]:
    """Most missed first: by misses, then by miss rate, then by name."""
    return sorted(traps, key=lambda t: (-t.misses, -t.miss_rate, t.trap))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _label(trap: str) -> str:
    return trap.replace("_", " ")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def report_markdown(report: RoomReport) -> str:
    """The room's results as a Markdown document."""
    room = report.room
    lines = [f"# Room {room.code}: {_cell(room.name)}", "",
             f"Opened {room.created[:16].replace('T', ' ')} UTC.", "", "## Trainees", "",
             "| trainee | drills | all right | cards reached |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {_cell(r.name)} | {r.drills} | {_pct(r.score)} | {len(r.cards)} |" for r in report.trainees]
    if not report.trainees:
        lines.append("| (nobody has joined yet) | | | |")
    lines += ["", "## Traps the room keeps missing", ""]
    missed = [t for t in report.traps if t.misses]
    lines += [f"- {_label(t.trap)}: missed {t.misses} of {t.attempts} ({_pct(t.miss_rate)}), "
              f"by {t.missed_by} trainee{'s' if t.missed_by != 1 else ''}" for t in missed] or ["- none so "
                                                                                                "far"]
    lines += ["", "## Cards reached", ""]
    cards = [(r.name, c) for r in report.trainees for c in r.cards]
    lines += [f"- {_cell(name)}: {_cell(card)}" for name, card in cards] or ["- none yet"]
    return "\n".join(lines) + "\n"


def _safe(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (a trainee's name is typed by the trainee)."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def report_csv(report: RoomReport) -> str:
    """One row per trainee, plus the room's trap misses, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["room", "trainee", "drills", "correct", "score", "cards_reached", "cards"])
    for r in report.trainees:
        writer.writerow([_safe(c) for c in (report.room.code, r.name, r.drills, r.correct,
                                            "" if r.score is None else f"{r.score:.2f}", len(r.cards),
                                            " | ".join(r.cards))])
    writer.writerow([])
    writer.writerow(["room", "trap", "attempts", "misses", "miss_rate", "missed_by"])
    for t in report.traps:
        writer.writerow([report.room.code, t.trap, t.attempts, t.misses, f"{t.miss_rate:.2f}", t.missed_by])
    return out.getvalue()
