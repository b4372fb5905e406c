"""The versioned corpus of bad inputs, through the engine and the CLI: a clear message or a
normal answer, never a traceback, in bounded time, and nothing already saved is lost."""

import json
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coach.cli import app
from coach.engine.protocol import Coach
from coach.engine.session import Session
from coach.textinput import InputError, clean_text

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "bad_inputs.yaml").read_text(encoding="utf-8"))
runner = CliRunner()


def materialise(entry: dict) -> str:
    if "repeat" in entry:
        return entry["repeat"] * entry["times"]
    if "bytes" in entry:
        return bytes.fromhex(entry["bytes"]).decode("utf-8", errors="surrogateescape")
    return entry["text"]


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 40 and len({e["id"] for e in CORPUS}) == len(CORPUS)


@pytest.fixture(scope="module")
def warm():
    Coach().start("Launch dark mode")  # the classifier's model loads once; the bound below is about the input


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_engine_start(entry, warm):
    """Every input is handled or refused with one clear line; none sends the regexes into runaway backtracking
    (the bound is two orders of magnitude above a normal start, so only a pathological input can break it)."""
    text = materialise(entry)
    began = time.perf_counter()
    if entry["expect"] == "refused":
        with pytest.raises(InputError) as err:
            Coach().start(text)
        assert 10 < len(str(err.value)) < 200 and "\n" not in str(err.value)
    else:
        session = Coach().start(text)
        assert session.transcript[-1].role.value == "coach"
    assert time.perf_counter() - began < 2.0


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_engine_reply_keeps_the_session(entry):
    coach = Coach()
    session = coach.start("Deliver an Android app")
    coach.reply(session, "customers could use us on the go")
    saved = session.model_dump_json()
    turn = coach.reply(session, materialise(entry))
    assert turn.role.value == "coach" and turn.text
    restored = Session.model_validate_json(saved)
    # everything said before the bad input is still there, unchanged
    before = [t.text for t in session.transcript[: len(restored.transcript)]]
    assert before == [t.text for t in restored.transcript]


@pytest.mark.parametrize("entry", [e for e in CORPUS if "bytes" not in e and "\x00" not in e.get("text", "")],
                         ids=lambda e: e["id"])
def test_cli_classify(entry):
    result = runner.invoke(app, ["classify", materialise(entry), "--json"])
    assert "Traceback" not in result.output
    if entry["expect"] == "refused":
        assert result.exit_code == 2 and result.stderr.startswith("coach: ")
    else:
        assert result.exit_code == 0
        assert set(json.loads(result.stdout)) == {"kind", "traps", "explanation", "sources", "confidence",
                                                  "similar"}


def test_clean_text_strips_controls_but_keeps_words():
    assert clean_text("Launch \x07dark\x1b mode") == "Launch dark mode"
    assert clean_text("  Increase WAU \r\n") == "Increase WAU"
