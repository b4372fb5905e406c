"""The learned classifier: deterministic training, numpy-only inference, calibration, the JSON contract,
honesty about languages it cannot read, and the fallback to the rules."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.engine import classify
from coach.engine import verdict as verdict_module
from coach.engine.learned import KINDS, TRAPS, shipped_model
from coach.engine.train import build_data, data_files, figures, fit, load_examples, vocabulary
from coach.models import Kind, Trap

needs_model = pytest.mark.skipif(shipped_model() is None, reason="no trained model in coach/engine/model")


def _examples(n: int, seed: int = 5) -> list[dict]:
    examples, _ = load_examples(data_files())
    return random.Random(seed).sample(examples, n)


def test_training_is_deterministic_on_a_small_sample():
    examples = _examples(160)
    vocab = vocabulary([e["statement"] for e in examples])
    data = build_data(examples, None)
    first, second = fit(data, vocab, folds=3), fit(data, vocab, folds=3)
    for name in ("kind_coef", "kind_intercept", "trap_coef", "trap_intercept", "trap_platt",
                 "joint_calibration"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert first.kind_temperature == second.kind_temperature and first.ngram_vocab == second.ngram_vocab


@needs_model
def test_inference_needs_no_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"  # any import of sklearn would now fail
            "from coach.engine import classify\n"
            "r = classify('Increase job applications')\n"
            "assert r.confidence is not None and r.similar, r\n"
            "print(r.kind.value)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "product_outcome"


@pytest.mark.slow
def test_confident_verdicts_are_mostly_right_on_held_out_bank_statements():
    examples, _ = load_examples(data_files())
    bank = [e for e in examples if e["source"].startswith("w")]
    if len(bank) < 500:
        pytest.skip("the labelled bank is too small to hold a part out")
    held = set(random.Random(21).sample(range(len(bank)), len(bank) // 5))
    train = ([e for e in examples if not e["source"].startswith("w")]
             + [e for i, e in enumerate(bank) if i not in held])
    test = [e for i, e in enumerate(bank) if i in held]
    model = fit(build_data(train, None), vocabulary([e["statement"] for e in train]), folds=3)
    data = build_data(test, None)
    verdicts = model.predict(data.embeddings, data.rules, data.texts)
    kind_ok = np.array([KINDS.index(v.kind.value) == k for v, k in zip(verdicts, data.kinds, strict=True)])
    traps_ok = np.array([[t in {x.value for x in v.traps} for t in TRAPS] == list(row.astype(bool))
                         for v, row in zip(verdicts, data.traps, strict=True)])
    report = figures(kind_ok, traps_ok, np.array([v.confidence for v in verdicts]))
    print(f"\nheld-out bank n={report['n']}: kind {report['kind_accuracy']}, traps "
          f"{report['trap_exact_match']}, "
          f"at confidence >= 0.8: coverage {report['coverage_at_0.8']}, error {report['error_rate_at_0.8']}")
    assert report["coverage_at_0.8"] >= 0.3
    assert report["error_rate_at_0.8"] <= 0.12


@needs_model
def test_classify_json_has_confidence_and_similar():
    result = CliRunner().invoke(app, ["classify", "Increase job applications", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert 0.0 <= data["confidence"] <= 1.0
    assert 1 <= len(data["similar"]) <= 3
    assert all(set(s) == {"statement", "kind", "traps"} for s in data["similar"])
    assert "nearest labelled example" in data["explanation"]


@needs_model
def test_a_spanish_statement_gets_low_confidence_and_says_why():
    result = classify("Aumentar el número de usuarios que completan su primera compra en la app")
    assert result.confidence is not None and result.confidence <= 0.3
    assert "Spanish" in result.explanation and "English" in result.explanation


@needs_model
@pytest.mark.parametrize(("clean", "noisy"), [
    ("Increase job applications", "increse job aplications"),
    ("Increase engagement", "Increase engagement \U0001f642"),
])
def test_noise_from_the_issue_does_not_change_the_verdict(clean, noisy):
    a, b = classify(clean), classify(noisy)
    assert (a.kind, a.traps) == (b.kind, b.traps)
    assert b.confidence is not None and b.confidence >= 0.5


@needs_model
def test_team_activities_are_not_called_customer_outcomes():
    assert classify("Respond to new Facebook comments within 3 hours").kind is Kind.output


def test_without_model_files_the_rules_answer_with_a_notice(monkeypatch):
    monkeypatch.setattr(verdict_module, "shipped_model", lambda: None)
    result = classify("Increase page views")
    assert result.confidence is None and result.similar == []
    assert result.traps == [Trap.vanity_metric]
    assert "python -m coach.engine.train" in result.explanation


@needs_model
def test_an_unsure_verdict_asks_instead_of_asserting():
    from coach.engine.learned import Verdict

    unsure = Verdict(kind=Kind.output, traps=[], confidence=0.4,
                     kind_probs={"output": 0.5, "product_outcome": 0.45, "business_outcome": 0.05},
                     trap_probs={},
                     similar=[{"statement": "Launch dark mode", "kind": "output", "traps": []}])
    text = verdict_module._explanation("Mobile onboarding", unsure, 0.4, None)
    assert "build, or something customers will do?" in text and "Confidence 0.40" in text


def test_cross_validation_folds_keep_each_writer_or_document_whole():
    from coach.engine.train import _folds

    examples = _examples(400, seed=8)
    data = build_data(examples, None)
    assert len(set(data.groups)) >= 5
    held_groups = []
    for train, held in _folds(data, 5, seed=13):
        train_groups = {data.groups[i] for i in train}
        assert not train_groups & {data.groups[i] for i in held}
        held_groups.append({data.groups[i] for i in held})
    assert set().union(*held_groups) == set(data.groups)


def test_real_world_statements_train_grouped_by_document_and_weigh_more():
    from coach.engine.train import REAL_WORLD_WEIGHT

    examples, _ = load_examples(data_files())
    real = [e for e in examples if e["source"] == "statements.yaml"]
    assert len(real) >= 250
    assert all(e["group"].startswith("statements.yaml:") for e in real if e["group"] != "statements.yaml")
    assert len({e["group"] for e in real}) >= 20  # many documents, not one block
    data = build_data(real[:3] + [e for e in examples if e["source"] != "statements.yaml"][:3], None)
    assert list(data.row_weight) == [REAL_WORLD_WEIGHT] * 3 + [1.0] * 3


def test_the_fresh_real_world_set_is_unlabelled_and_never_trained_on():
    from pathlib import Path

    import yaml

    fresh = Path(__file__).resolve().parents[1] / "evals/realworld/statements2.yaml"
    items = yaml.safe_load(fresh.read_text(encoding="utf-8"))
    assert len(items) >= 150
    assert all(set(item) == {"id", "statement", "source"} for item in items)
    assert fresh not in data_files()
    trained = {e["statement"].lower() for e in load_examples(data_files())[0]}
    assert not trained & {item["statement"].lower() for item in items}


def test_scoring_a_missing_file_says_so_in_one_line():
    done = subprocess.run([sys.executable, "-m", "coach.engine.train", "--score", "no/such/file.yaml"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip() == "no/such/file.yaml: no such file"
