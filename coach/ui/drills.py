"""Practice drills: labelled statements from the dev split of the classification cases, and grading.

Only `evals/cases/dev/classification*.yaml` is used, so practising never trains anyone on the held-out test
split. No Streamlit here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from coach.models import Kind, Trap
from coach.resources import dev_cases_dir

DEV_DIR = dev_cases_dir()


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


def dev_files(folder: Path = DEV_DIR) -> list[Path]:
    """The classification case files of the dev split."""
    return sorted(Path(folder).glob("classification*.yaml"))


@cache
def load_drills(folder: Path = DEV_DIR) -> tuple[Drill, ...]:
    """Every classification case of the dev split that states a kind, in file order."""
    cases = [c for path in dev_files(folder) for c in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    drills = []
    for case in cases:
        expect = case.get("expect") or {}
        if "statement" in case and "kind" in expect:
            drills.append(Drill(id=str(case["id"]), statement=str(case["statement"]),
                                kind=Kind(expect["kind"]),
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
