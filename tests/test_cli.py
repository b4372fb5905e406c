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
    # The contract of coaching-model.md section 6, with its extension (confidence, similar).
    assert set(data) == {"kind", "traps", "explanation", "sources", "confidence", "similar"}
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


def test_reframe_scripted_with_persona_json(tmp_path, app_library_dir):
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


def test_reframe_with_answers_file(tmp_path, app_library_dir):
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
        "- id: c1\n  statement: Increase page views\n  expect: {kind: product_outcome, traps: "
        "[vanity_metric]}\n- id: c2\n  statement: Launch dark mode\n  expect: {kind: output}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "--cases", str(cases), "--json", "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    for key in ("cases", "kind_accuracy", "trap_precision", "trap_recall", "dialogue_pass_rate",
                "retrieval_hit_rate"):
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


def _coach_process(data_dir: Path, *args: str, **env: str) -> subprocess.Popen:
    import os

    environ = {**os.environ, "COACH_DATA_DIR": str(data_dir), **env}
    environ.pop("COACH_ENGINE", None) if "COACH_ENGINE" not in env else None
    return subprocess.Popen([sys.executable, "-c", "from coach.cli import run; run()", *args],
                            stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)


def test_reframe_jsonl_answers_each_line_as_it_arrives(app_library_dir):
    proc = _coach_process(app_library_dir, "reframe", "Deliver an Android app", "--jsonl")
    first = json.loads(proc.stdout.readline())  # written before any answer is sent
    assert first["role"] == "coach" and first["card"] is None and first["text"]
    assert set(first) == {"role", "text", "slot", "traps", "sources", "card"}
    proc.stdin.write("field reps check their accounts between visits\n")
    proc.stdin.flush()
    second = json.loads(proc.stdout.readline())
    assert second["text"] != first["text"] and second["card"] is None
    proc.stdin.write("just give me a draft\n")
    proc.stdin.flush()
    last = json.loads(proc.stdout.readline())
    assert last["card"]["product_outcome"] and last["card"]["metric"]["name"]
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0 and proc.stdout.read() == ""


def test_reframe_jsonl_ends_quietly_at_end_of_input(app_library_dir):
    proc = _coach_process(app_library_dir, "reframe", "Deliver an Android app", "--jsonl")
    out, err = proc.communicate("\n", timeout=60)
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 1 and lines[0]["card"] is None and "Traceback" not in err


def test_coach_engine_from_the_environment_is_honoured_and_a_flag_wins(tmp_path):
    dead = {"COACH_ENGINE": "llm", "COACH_BASE_URL": "http://127.0.0.1:9/v1", "COACH_API_KEY": "x",
            "COACH_CONNECT_TIMEOUT": "0.5", "COACH_MAX_RETRIES": "0"}
    proc = _coach_process(tmp_path / "data", "classify", "Increase page views", "--json", **dead)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and json.loads(out)["kind"] and "offline" in err.lower()
    proc = _coach_process(tmp_path / "data", "classify", "Increase page views", "--json", "--engine",
                          "offline",
                          **dead)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "offline" not in err.lower()


DEAD_PROVIDER = {"COACH_ENGINE": "llm", "COACH_BASE_URL": "http://127.0.0.1:9/v1", "COACH_API_KEY": "x",
                 "COACH_CONNECT_TIMEOUT": "0.5", "COACH_MAX_RETRIES": "0"}


def test_ask_with_coach_engine_llm_and_a_dead_provider_reports_its_fallback(app_library_dir):
    proc = _coach_process(app_library_dir, "ask", "Is NPS enough on its own?", "--json", **DEAD_PROVIDER)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert "note: LLM unavailable (cannot connect); this answer used the offline engine" in err
    answer = json.loads(out)
    assert answer["answer"] and answer["sources"] and "Traceback" not in err


def test_a_bad_setting_in_the_environment_is_one_line_naming_the_variable(tmp_path):
    proc = _coach_process(tmp_path / "data", "classify", "Increase page views", COACH_ENGINE="gpt")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and out == ""
    expected = "coach: bad setting: COACH_ENGINE: Input should be 'offline' or 'llm'"
    assert err.strip().splitlines() == [expected]


def test_a_dotenv_file_configures_the_cli_and_a_flag_wins(tmp_path):
    import os

    (tmp_path / ".env").write_text("COACH_ENGINE=llm\nCOACH_BASE_URL=http://127.0.0.1:9/v1\nCOACH_API_KEY=x\n"
                                   "COACH_CONNECT_TIMEOUT=0.5\nCOACH_MAX_RETRIES=0\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    env["COACH_DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable, "-c", "from coach.cli import run; run()",
               "classify", "Increase page views", "--json"]
    from_dotenv = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert from_dotenv.returncode == 0 and json.loads(from_dotenv.stdout)["kind"]
    assert "LLM unavailable (cannot connect); this answer used the offline engine" in from_dotenv.stderr
    flagged = subprocess.run([*command, "--engine", "offline"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=60)
    assert flagged.returncode == 0 and "LLM unavailable" not in flagged.stderr
