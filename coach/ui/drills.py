"""Practice drills: labelled statements from the dev split of the classification cases, and grading.

Only `evals/cases/dev/` is used, so practising never trains anyone on the held-out test
split. No Streamlit here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from coach.models import Kind, Trap

DEV_CASES = Path(__file__).resolve().parents[2] / "evals" / "cases" / "dev" / "classification.yaml"


@dataclass(frozen=True)
class Drill:
    """One statement with the labels a coach would give it."""

    id: str
    statement: str
    kind: Kind
    traps: frozenset[Trap]
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """How an answer compares with the expected labels."""

    kind_right: bool
    missed: frozenset[Trap]
    extra: frozenset[Trap]

    @property
    def correct(self) -> bool:
        return self.kind_right and not self.missed and not self.extra


@cache
def load_drills(path: Path = DEV_CASES) -> tuple[Drill, ...]:
    """Every classification case of the file that states a kind."""
    cases = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    drills = []
    for case in cases:
        expect = case.get("expect") or {}
        if "statement" in case and "kind" in expect:
            drills.append(Drill(id=str(case["id"]), statement=str(case["statement"]), kind=Kind(expect["kind"]),
                                traps=frozenset(Trap(t) for t in expect.get("traps") or []),
                                note=str(case.get("note") or "")))
    return tuple(drills)


def order_for(learner: str, drills: tuple[Drill, ...]) -> list[Drill]:
    """The drills in a fixed order of this learner's own, so a returning learner sees new ones first."""
    return sorted(drills, key=lambda d: hashlib.sha256(f"{learner}:{d.id}".encode()).hexdigest())


def grade(drill: Drill, kind: Kind | None, traps: set[Trap]) -> Verdict:
    """Compare an answer with the drill's labels."""
    return Verdict(kind_right=kind is drill.kind, missed=frozenset(drill.traps - traps),
                   extra=frozenset(traps - drill.traps))


def label(value: Kind | Trap | str) -> str:
    """A label for people: 'wrong_moment' -> 'wrong moment'."""
    return str(getattr(value, "value", value)).replace("_", " ")
