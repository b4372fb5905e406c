"""The eval harness: case loading, scorers, the simulated user and the gate."""

from pathlib import Path

import pytest

from coach.engine import classify
from coach.engine.protocol import Coach
from coach.evals import (
    below_thresholds,
    case_type,
    load_cases,
    prf,
    retrieval_hit,
    trap_counts,
)
from coach.evals.runner import play_dialogue
from coach.models import Passage

REPO = Path(__file__).resolve().parent.parent


def test_shipped_case_files_load_and_have_the_promised_size():
    dev = load_cases(REPO / "evals" / "cases" / "dev")
    types = [case_type(c) for c in dev]
    assert types.count("dialogue") >= 30 and types.count("retrieval") >= 15
    test = load_cases(REPO / "evals" / "cases" / "test")
    assert sum(case_type(c) == "classification" for c in test) >= 60
    assert len(load_cases(REPO / "evals" / "cases" / "tidy")) >= 12


def test_the_sealed_test_split_shares_no_statement_with_dev():
    def norm(text: str) -> str:
        return " ".join(text.lower().replace(".", " ").split())

    dev = {norm(c.get("statement") or c["question"]) for c in load_cases(REPO / "evals" / "cases" / "dev")}
    test = [norm(c.get("statement") or c["question"]) for c in load_cases(REPO / "evals" / "cases" / "test")]
    assert not [t for t in test if t in dev]


def test_bad_case_files_are_refused_with_the_file_named(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("- {statement: no id}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="x.yaml"):
        load_cases(bad)
    with pytest.raises(ValueError, match="no case file"):
        load_cases(tmp_path / "missing")


def test_trap_counts_and_prf():
    got = classify("Increase page views")
    counts = trap_counts({"traps": ["vanity_metric", "no_guardrail"]}, got)
    assert counts["vanity_metric"] == {"tp": 1, "fp": 0, "fn": 0}
    assert counts["no_guardrail"] == {"tp": 0, "fp": 0, "fn": 1}
    assert trap_counts({}, got) is None
    assert prf(1, 1, 0) == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3)}


def test_a_played_dialogue_is_scored_by_checks_that_can_fail():
    persona = {"value": "teams can share reports", "who": "team admins",
               "behavior": "they share a report with a teammate each week",
               "guardrail": "report load time stays under 2s"}
    dialogue, session, checks = play_dialogue(Coach(), {"statement": "Launch a report sharing feature",
                                                        "persona": persona,
                                                        "card": {"outcome_mentions_any": ["zebra"]}})
    assert session.card is not None and "teams can share reports" in dialogue.user_answers
    assert checks["outcome_mentions_any"][0] is False
    assert set(checks) >= {"card_reached", "outcome_clean", "numbers_kept", "guardrail_is_limit",
                           "within_max_turns"}


def test_retrieval_hit_needs_every_stated_criterion():
    passages = [Passage(id="value-creation-moment", title="t", text="Count hires, not applications.")]
    assert retrieval_hit(passages,
                         {"expect_ids_any": ["value-creation-moment"], "expect_any_text": ["hire"]})["hit"]
    assert not retrieval_hit(passages, {"expect_ids_any": ["guardrails"], "expect_any_text": ["hire"]})["hit"]
    assert not retrieval_hit(passages, {"expect_any_text": ["nps"]})["hit"]


def test_gate_reports_figures_below_their_floor(tmp_path):
    floors = tmp_path / "t.yaml"
    floors.write_text("kind_accuracy: 0.9\ntrap_f1: 0.5\n", encoding="utf-8")
    assert below_thresholds({"kind_accuracy": 0.8, "trap_f1": None},
                            floors) == ["kind_accuracy = 0.800 < 0.900"]
