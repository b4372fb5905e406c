"""Runs cases through the coach and sums the scorers into the summary of `coach eval`."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coach.evals.cases import CaseDict, case_type
from coach.evals.scorers import card_checks, kind_correct, prf, retrieval_hit, trap_counts
from coach.evals.simulate import simulate
from coach.models import Trap
from coach.settings import Settings

THRESHOLDS_FILE = Path(__file__).resolve().parents[2] / "evals" / "thresholds.yaml"


@dataclass
class EvalResult:
    summary: dict[str, Any]
    cases: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "cases": self.cases}

    def summary_table(self) -> str:
        rows = [f"{key:24} {_fmt(value)}" for key, value in self.summary.items() if not isinstance(value, dict)]
        per_trap = self.summary.get("per_trap") or {}
        if per_trap:
            rows.append("per trap (precision / recall / f1, support):")
            rows += [f"  {t:22} {v['precision']:.2f} / {v['recall']:.2f} / {v['f1']:.2f}  ({v['support']})"
                     for t, v in per_trap.items()]
        return "\n".join(rows)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def run_eval(cases: list[CaseDict], settings: Settings) -> EvalResult:
    """Score every case; a summary field is None where no case exercised it."""
    from coach.service import classify_statement, knowledge_base, library_search, make_coach

    rows: list[dict[str, Any]] = []
    kinds: list[bool] = []
    counts: dict[str, dict[str, int]] = {t.value: {"tp": 0, "fp": 0, "fn": 0} for t in Trap}
    trap_cases = 0
    dialogue: list[bool] = []
    turns: list[int] = []
    hits: list[bool] = []
    rrs: list[float] = []
    coach = None
    for case in cases:
        kind = case_type(case)
        row: dict[str, Any] = {"id": case["id"], "type": kind, "file": case.get("_file", "")}
        expect = case.get("expect") or {}
        if kind == "retrieval":
            passages = library_search(knowledge_base(settings), case["question"], k=settings.top_k)
            scored = retrieval_hit(passages, case)
            hits.append(bool(scored["hit"]))
            rrs.append(float(scored["rr"]))
            row.update(question=case["question"], passed=scored["hit"], got=[p.id for p in passages], **scored)
            rows.append(row)
            continue
        got, _ = classify_statement(settings, case["statement"])
        row.update(statement=case["statement"], expected=expect,
                   got={"kind": got.kind.value, "traps": [t.value for t in got.traps]}, explanation=got.explanation)
        ok_kind = kind_correct(expect, got)
        per_trap = trap_counts(expect, got)
        checks: dict[str, bool] = {}
        if ok_kind is not None:
            kinds.append(ok_kind)
            checks["kind"] = ok_kind
        if per_trap is not None:
            trap_cases += 1
            for trap, c in per_trap.items():
                bucket = counts.setdefault(trap, {"tp": 0, "fp": 0, "fn": 0})
                for key in c:
                    bucket[key] += c[key]
            checks["traps"] = all(c["fp"] == 0 and c["fn"] == 0 for c in per_trap.values())
        if kind == "dialogue":
            coach = coach or make_coach(settings)[0]
            session = simulate(coach, case["statement"], dict(case.get("persona") or {}))
            sources = list(session.card.sources if session.card else []) + [s for t in session.transcript for s in t.sources]
            card = card_checks(case.get("card") or {}, session.card, session.coach_turns, sources, case.get("sources_any"))
            dialogue.append(all(card.values()))
            turns.append(session.coach_turns)
            row.update(turns=session.coach_turns, card_checks=card,
                       outcome=session.card.product_outcome if session.card else None)
            checks.update({f"card.{k}": v for k, v in card.items()})
        row["checks"] = checks
        row["passed"] = all(checks.values()) if checks else None
        rows.append(row)

    totals = {key: sum(c[key] for c in counts.values()) for key in ("tp", "fp", "fn")}
    overall = prf(**totals) if trap_cases else None
    per_trap = {t: {**prf(**c), "support": c["tp"] + c["fn"]} for t, c in counts.items()} if trap_cases else {}
    summary = {
        "cases": len(cases),
        "kind_accuracy": _mean([float(k) for k in kinds]),
        "trap_precision": overall["precision"] if overall else None,
        "trap_recall": overall["recall"] if overall else None,
        "trap_f1": overall["f1"] if overall else None,
        "dialogue_pass_rate": _mean([float(d) for d in dialogue]),
        "dialogue_turns_median": statistics.median(turns) if turns else None,
        "retrieval_hit_rate": _mean([float(h) for h in hits]),
        "retrieval_mrr": _mean(rrs),
        "per_trap": per_trap,
    }
    return EvalResult(summary=summary, cases=rows)


def below_thresholds(summary: dict[str, Any], path: Path = THRESHOLDS_FILE) -> list[str]:
    """Lines naming each summary figure under its threshold (figures that are None are not gated)."""
    limits = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for key, minimum in limits.items():
        value = summary.get(key)
        if value is not None and value < float(minimum):
            out.append(f"{key} = {value:.3f} < {float(minimum):.3f}")
    return out
