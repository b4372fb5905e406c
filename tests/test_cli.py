"""The `coach` command-line contract (coaching-model.md section 6) and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach import __version__
from coach.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_classify_json_shape():
    result = runner.invoke(app, ["classify", "Our goal is to deliver an Android app", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"kind", "traps", "explanation", "sources"}
    assert data["kind"] == "output" and data["traps"] == []
    assert isinstance(data["explanation"], str) and data["sources"]


def test_classify_human_output_names_the_trap():
    result = runner.invoke(app, ["classify", "Increase page views"])
    assert result.exit_code == 0 and "vanity_metric" in result.stdout


@pytest.mark.parametrize("bad", ["", "   \n\t ", "x" * 2001])
def test_bad_input_is_one_line_and_exit_2(bad):
    result = runner.invoke(app, ["classify", bad])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_engine_is_refused_cleanly():
    result = runner.invoke(app, ["classify", "Launch dark mode", "--engine", "gpt"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_llm_engine_without_key_falls_back_offline(monkeypatch):
    for var in ("OPENAI_API_KEY", "COACH_API_KEY", "OPENAI_BASE_URL", "COACH_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    result = runner.invoke(app, ["classify", "Grow ARR by 20%", "--json", "--engine", "llm"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["kind"] == "business_outcome"


def test_reframe_scripted_with_persona_json(tmp_path):
    cases = tmp_path / "dialogue.yaml"
    cases.write_text(
        "- id: a\n  statement: Deliver an Android app\n  persona:\n"
        "    value: customers could use us on the go\n    who: customers who mostly use their phone\n"
        "    behavior: they check their dashboards from their phone each week\n"
        "    guardrail: desktop satisfaction does not drop\n",
        encoding="utf-8",
    )
    out = tmp_path / "card.md"
    result = runner.invoke(app, ["reframe", "Deliver an Android app", "--persona", str(cases), "--json",
                                 "--export", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["card"]["guardrail"] == "desktop satisfaction does not drop"
    assert data["transcript"][1]["slot"] == "value"
    assert out.read_text(encoding="utf-8").startswith("# Outcome card")


def test_reframe_with_answers_file(tmp_path):
    answers = tmp_path / "answers.txt"
    answers.write_text("just give me a draft\n", encoding="utf-8")
    result = runner.invoke(app, ["reframe", "Launch dark mode", "--answers", str(answers), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["card"]["assumed_slots"]


def test_reframe_missing_answers_file_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["reframe", "Launch dark mode", "--answers", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_eval_json_summary_shape(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- id: c1\n  statement: Increase page views\n  expect: {kind: product_outcome, traps: [vanity_metric]}\n"
        "- id: c2\n  statement: Launch dark mode\n  expect: {kind: output}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "--cases", str(cases), "--json", "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    for key in ("cases", "kind_accuracy", "trap_precision", "trap_recall", "dialogue_pass_rate", "retrieval_hit_rate"):
        assert key in summary
    assert summary["cases"] == 2 and summary["kind_accuracy"] == 1.0
    assert summary["dialogue_pass_rate"] is None and summary["retrieval_hit_rate"] is None
    assert (tmp_path / "eval-cases.md").exists()


def test_eval_bad_case_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("{not: a list}", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--cases", str(bad)])
    assert result.exit_code == 2 and "a case file holds a YAML list" in result.stderr


def test_real_entry_point_has_no_traceback():
    exe = Path(sys.executable).parent / "coach"
    proc = subprocess.run([str(exe), "classify", "\x01\x02 "], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.startswith("coach:")
