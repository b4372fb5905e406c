"""Runs cases through the coach and sums the scorers into the summary of `coach eval`.

Dialogue cases are played by the text-only simulated user (`coach.evals.simulate`): it reads
the coach's words, never its slot tags. Each card then goes through the checks of
`coach.evals.cardchecks`, which fail on answer debris, lost numbers, traps and loose guardrails.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from coach.evals.cardchecks import check_card
from coach.evals.cases import CaseDict, case_type
from coach.evals.scorers import kind_correct, prf, retrieval_hit, trap_counts
from coach.evals.simulate import Reply, simulate
from coach.evals.stats import bootstrap, mean
from coach.models import Classification, Trap
from coach.resources import thresholds_file
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.engine.protocol import Coach
    from coach.engine.session import Session

THRESHOLDS_FILE = thresholds_file()
Classifier = Callable[[str], Classification]


@dataclass
class EvalResult:
    summary: dict[str, Any]
    cases: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "cases": self.cases}

    def summary_table(self) -> str:
        intervals = self.summary.get("intervals") or {}
        rows = []
        for key, value in self.summary.items():
            if isinstance(value, dict):
                continue
            ci = intervals.get(key)
            rows.append(f"{key:24} {_fmt(value)}" + (f"  [95% CI {ci[0]:.2f}-{ci[1]:.2f}]" if ci else ""))
        if checks := self.summary.get("card_checks"):
            rows.append("card checks (pass rate over dialogues):")
            rows += [f"  {name:22} {rate:.2f}" for name, rate in checks.items()]
        if base := self.summary.get("baseline"):
            rows.append("keyword baseline: " + ", ".join(f"{k} {_fmt(v)}" for k, v in base.items()))
        per_trap = self.summary.get("per_trap") or {}
        if per_trap:
            rows.append("per trap (precision / recall / f1, support):")
            rows += [f"  {t:22} {v['precision']:.2f} / {v['recall']:.2f} / {v['f1']:.2f}  ({v['support']})"
                     for t, v in per_trap.items()]
        return "\n".join(rows)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


class CoachConversation:
    """One coaching session seen as a person sees it: words in, words (and at last a card) out."""

    def __init__(self, coach: Coach, seed: str | None = None):
        self.coach, self.seed = coach, seed
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the conversation has not started")
        return self._session

    def start(self, statement: str) -> Reply:
        self._session = self.coach.start(statement, self.seed)
        return Reply(self._session.transcript[-1].text)

    def reply(self, answer: str) -> Reply:
        turn = self.coach.reply(self.session, answer)
        return Reply(turn.text, self.session.card if self.session.status == "done" else None)


def _trap_stats(rows: Sequence[dict[str, Any]]) -> dict[str, float] | None:
    """Micro precision / recall / F1 over the trap counts of some classification rows."""
    totals = {"tp": 0, "fp": 0, "fn": 0}
    seen = False
    for row in rows:
        for c in (row.get("_trap_counts") or {}).values():
            seen = True
            for key in totals:
                totals[key] += c[key]
    if not seen and not any(r.get("_trap_counts") is not None for r in rows):
        return None
    return prf(**totals)


def _classification_row(case: CaseDict, got: Classification) -> dict[str, Any]:
    expect = case.get("expect") or {}
    counts = trap_counts(expect, got)
    row: dict[str, Any] = {"kind_ok": kind_correct(expect, got), "_trap_counts": counts,
                           "trap_match": None if counts is None else all(
                               c["fp"] == 0 and c["fn"] == 0 for c in counts.values())}
    return row


def _figures(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    kinds = [float(r["kind_ok"]) for r in rows if r.get("kind_ok") is not None]
    matches = [float(r["trap_match"]) for r in rows if r.get("trap_match") is not None]
    traps = _trap_stats(rows)
    return {"kind_accuracy": mean(kinds), "trap_match": mean(matches),
            "trap_f1": traps["f1"] if traps else None}


#: Each dialogue case is played this many times, with the coach's phrasing varied by a fixed seed per play:
#: the simulated user reads the words, so a question worded another way is a different test.
PLAYS = 3


def play_dialogue(coach, case: CaseDict, play: int = 0) -> tuple[Any, Any, dict[str, tuple[bool, str]]]:
    """(dialogue, session, card checks) for one play of a dialogue case by the text-only user."""
    seed = hashlib.sha256(f"{case.get('id', case['statement'])}:{play}".encode()).hexdigest()[:12]
    conversation = CoachConversation(coach, seed)
    dialogue = simulate(conversation, case["statement"], dict(case.get("persona") or {}), case.get("voice"))
    session = conversation.session
    sources = (list(session.card.sources if session.card else [])
               + [s for t in session.transcript for s in t.sources])
    metric_answers = [dialogue.said.get("metric", "")]
    expect = case.get("expect") or {}
    if expect.get("kind") == "product_outcome" and not expect.get("traps"):
        metric_answers.append(case["statement"])  # a trap's numbers are moved away from
    checks = check_card(session.card, case.get("card") or {}, metric_answers, session.coach_turns, sources,
                        case.get("sources_any"))
    return dialogue, session, checks


def run_eval(cases: list[CaseDict], settings: Settings, baseline: Classifier | None = None,
             judge=None) -> EvalResult:
    """Score every case; a summary field is None where no case exercised it."""
    from coach.service import classify_statement, knowledge_base, library_search, make_coach

    rows: list[dict[str, Any]] = []
    base_rows: list[dict[str, Any]] = []
    dialogues: list[dict[str, Any]] = []
    retrievals: list[dict[str, Any]] = []
    coach = None
    for case in cases:
        kind = case_type(case)
        row: dict[str, Any] = {"id": case["id"], "type": kind, "file": case.get("_file", "")}
        if kind == "retrieval" and case.get("covered") is False:
            # an off-library question has no note to find; evals/tools/ask_table.py scores "not covered"
            continue
        if kind == "retrieval":
            passages = library_search(knowledge_base(settings), case["question"], k=settings.top_k)
            scored = retrieval_hit(passages, case)
            row.update(question=case["question"], passed=scored["hit"], got=[p.id for p in passages],
                       **scored)
            rows.append(row)
            retrievals.append(row)
            continue
        expect = case.get("expect") or {}
        got, _ = classify_statement(settings, case["statement"])
        row.update(statement=case["statement"], expected=expect,
                   got={"kind": got.kind.value, "traps": [t.value for t in got.traps]},
                   explanation=got.explanation,
                   **_classification_row(case, got))
        if case.get("source"):
            row["source"] = case["source"]
        if baseline is not None:
            base_rows.append(_classification_row(case, baseline(case["statement"])))
        checks: dict[str, bool] = {}
        if row["kind_ok"] is not None:
            checks["kind"] = row["kind_ok"]
        if row["trap_match"] is not None:
            checks["traps"] = row["trap_match"]
        if kind == "dialogue":
            coach = coach or make_coach(settings)[0]
            plays = [play_dialogue(coach, case, n) for n in range(PLAYS)]
            for _dialogue, session, card in plays:
                dialogues.append({"turns": session.coach_turns,
                                  "card_checks": {k: v[0] for k, v in card.items()},
                                  "dialogue_passed": all(v[0] for v in card.values())})
            dialogue, session, card = next((p for p in plays if not all(v[0] for v in p[2].values())),
                                           plays[0])
            row.update(turns=session.coach_turns, card_checks={k: v[0] for k, v in card.items()},
                       card_reasons={k: v[1] for k, v in card.items() if not v[0]},
                       outcome=session.card.product_outcome if session.card else None,
                       transcript=[f"{role}: {text}" for role, text in dialogue.messages],
                       plays_passed=sum(all(v[0] for v in p[2].values()) for p in plays), plays=PLAYS)
            if judge is not None:
                row["judge"] = judge_dialogue(judge, session)
            checks.update({f"card.{k}": v[0] for k, v in card.items()})
        row["checks"] = checks
        row["passed"] = all(checks.values()) if checks else None
        rows.append(row)

    classified = [r for r in rows if r["type"] != "retrieval"]
    figures = _figures(classified)
    traps = _trap_stats(classified)
    counts: dict[str, dict[str, int]] = {t.value: {"tp": 0, "fp": 0, "fn": 0} for t in Trap}
    for r in classified:
        for trap, c in (r.get("_trap_counts") or {}).items():
            for key in c:
                counts.setdefault(trap, {"tp": 0, "fp": 0, "fn": 0})[key] += c[key]
    per_trap = {t: {**prf(**c), "support": c["tp"] + c["fn"]} for t, c in counts.items()} if traps else {}
    # One figure per case (the share of its plays that passed), so intervals resample cases, not correlated
    # plays.
    passes = [r["plays_passed"] / r["plays"] for r in rows if r["type"] == "dialogue"]
    check_names = list(dict.fromkeys(k for d in dialogues for k in d["card_checks"]))
    summary: dict[str, Any] = {
        "cases": len(cases),
        "kind_accuracy": figures["kind_accuracy"],
        "trap_precision": traps["precision"] if traps else None,
        "trap_recall": traps["recall"] if traps else None,
        "trap_f1": figures["trap_f1"],
        "trap_match": figures["trap_match"],
        "dialogue_pass_rate": mean(passes),
        "dialogue_turns_median": statistics.median([d["turns"] for d in dialogues]) if dialogues else None,
        "retrieval_hit_rate": mean([float(r["hit"]) for r in retrievals]),
        "retrieval_mrr": mean([float(r["rr"]) for r in retrievals]),
        "card_checks": {name: mean([float(d["card_checks"][name])
                                    for d in dialogues if name in d["card_checks"]])
                        for name in check_names},
        "per_trap": per_trap,
        "intervals": {
            "kind_accuracy": bootstrap(classified, lambda s: _figures(s)["kind_accuracy"]),
            "trap_match": bootstrap(classified, lambda s: _figures(s)["trap_match"]),
            "trap_f1": bootstrap(classified, lambda s: _figures(s)["trap_f1"]),
            "dialogue_pass_rate": bootstrap(passes, mean),
            "retrieval_hit_rate": bootstrap([float(r["hit"]) for r in retrievals], mean),
        },
    }
    if baseline is not None:
        summary["baseline"] = {
            **_figures(base_rows),
            "kind_accuracy_ci": bootstrap(base_rows, lambda s: _figures(s)["kind_accuracy"]),
            "trap_match_ci": bootstrap(base_rows, lambda s: _figures(s)["trap_match"]),
        }
    if judge is not None:
        graded = [r.get("judge") or {} for r in rows if r["type"] == "dialogue"]
        if graded:
            summary["judge"] = _judge_summary(graded)
    for r in rows:
        r.pop("_trap_counts", None)
    return EvalResult(summary=summary, cases=rows)


def judge_dialogue(judge, session) -> dict[str, Any]:
    """The rubric's per-criterion verdicts for one played session, or the error that stopped them."""
    from coach.evals.judge import JudgeError

    try:
        return {k: {"pass": v.passed, "reason": v.reason} for k, v in judge.dialogue(session).items()}
    except JudgeError as err:
        return {"error": str(err)}


def _judge_summary(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    graded = [v for v in verdicts if v and "error" not in v]
    criteria = sorted({k for v in graded for k in v})
    return {"graded": len(graded), "errors": len(verdicts) - len(graded),
            **{k: mean([float(v[k]["pass"]) for v in graded if k in v]) for k in criteria}}


def below_thresholds(summary: dict[str, Any], path: Path = THRESHOLDS_FILE) -> list[str]:
    """Lines naming each summary figure under its threshold (figures that are None are not gated)."""
    limits = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for key, minimum in limits.items():
        value = summary.get(key)
        if value is not None and value < float(minimum):
            out.append(f"{key} = {value:.3f} < {float(minimum):.3f}")
    return out
