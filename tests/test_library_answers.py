"""Library answers (issue 14): a direct answer first, whole sentences, no internal names, "not covered"
with the nearest notes, follow-ups, the curated notes themselves, `coach ask --json` and the eval table."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coach.cli import app
from coach.knowledge import load_notes, parse_note
from coach.knowledge.ask import (
    INTERNAL_NAME,
    NOT_COVERED,
    answer_json,
    answer_offline,
    is_follow_up,
    quotable,
    sentences,
    stands_alone,
)
from coach.knowledge.notes import NoteError
from coach.models import Answer, Passage

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "evals" / "tools"))
import ask_table  # noqa: E402

CITATION = re.compile(r"\s*\[([a-z0-9-]+)\]")


def answer_sentences(text: str) -> list[tuple[str, str]]:
    """(sentence(s), cited note id) pieces of an answer, in order."""
    pieces, start = [], 0
    for match in CITATION.finditer(text):
        pieces.append((text[start:match.start()].strip(), match.group(1)))
        start = match.end()
    assert not text[start:].strip(), f"text after the last citation: {text[start:]!r}"
    return pieces


def assert_well_formed(answer: Answer) -> None:
    """Every piece is whole sentences ending in . ! ? or a closing quote, cites a source, shows no field
    name."""
    pieces = answer_sentences(answer.answer)
    assert pieces
    for text, note_id in pieces:
        assert text[-1] in ".!?\"'", f"cut sentence: {text!r}"
        assert "..." not in text and not INTERNAL_NAME.search(text), text
        assert note_id in {p.id for p in answer.sources}


# --- the curated notes ---------------------------------------------------------------------


def test_every_shipped_note_has_a_curated_answer_and_its_questions() -> None:
    notes = load_notes(REPO / "knowledge")
    assert len(notes) >= 28
    for note in notes:
        assert len(note.in_short.split()) >= 15, note.id
        assert 5 <= len(note.questions) <= 12, note.id
        assert all(q.rstrip().endswith("?") for q in note.questions), note.id
        assert not INTERNAL_NAME.search(note.in_short), note.id
        assert not INTERNAL_NAME.search(note.body.replace("alert_actioned", "").replace("alert_id", "")
                                        .replace("seconds_since_alert", "")
                                        .replace("dashboard_filter_changed", "")), note.id
        ids = [c.chunk_id for c in note.chunks()]
        assert f"{note.id}#in-short" in ids and sum("#question-" in i for i in ids) == len(note.questions)


def test_notes_do_not_copy_the_dev_questions() -> None:
    dev = {c["question"].strip().lower() for c in yaml.safe_load(
        (REPO / "evals/cases/dev/library_questions.yaml").read_text(encoding="utf-8"))}
    listed = {q.strip().lower() for n in load_notes(REPO / "knowledge") for q in n.questions}
    assert not dev & listed


def test_questions_without_an_answer_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\nid: bad\ntitle: Bad\nquestions: [\"Why?\"]\n---\nBody text here.\n",
                   encoding="utf-8")
    with pytest.raises(NoteError, match="no 'in_short'"):
        parse_note(bad)
    bad.write_text("---\nid: bad\ntitle: Bad\nin_short: Fine.\nquestions: \"not a list\"\n---\nBody.\n",
                   encoding="utf-8")
    with pytest.raises(NoteError, match="list of non-empty strings"):
        parse_note(bad)


# --- sentences ------------------------------------------------------------------------------


def test_sentences_stay_whole_and_internal_names_are_never_quoted() -> None:
    text = ('Note - Section\nIn short: Curated answer here.\n\nWrite the link: "more teams invite a '
            'teammate, '
            'which leads retention." Then review it weekly with the whole team present.')
    got = sentences(text)
    assert got[0].endswith('retention."') and "Curated answer" not in " ".join(got)
    assert not quotable("Write the link down as the business_link on the outcome card for the team.")
    assert not quotable('A quote that opens "and never closes in this sentence at all.')
    assert not stands_alone("A yearly NPS survey, detached from any moment, does not.")
    assert not stands_alone("This makes it safe to explore without fear of missing a target.")
    assert not stands_alone("targets the most likely way of cheating the main metric (if you push speed);")
    assert stands_alone("A guardrail is a number that must not get worse while you push the main metric.")


def test_an_internal_name_in_a_passage_never_reaches_the_answer() -> None:
    class Fixed:
        def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]:
            return [Passage(id="links", title="Links",
                            text="Links - Summary\nIn short: Say which business result "
                            "the outcome leads, in plain words.\n\nRecord the business_link of every outcome "
                            "on the "
                            "card for later. Say which business result the product outcome leads and how it "
                            "leads.")]

    answer = answer_offline(Fixed(), "How do I link an outcome to the business result?")
    assert answer.covered and "business_link" not in answer.answer
    assert answer.answer.startswith("Say which business result the outcome leads, in plain words. [links]")


# --- answers on the shipped library (real MiniLM) ------------------------------------------


def test_how_many_outcomes_finds_the_note_that_answers_it(real_kb) -> None:
    answer = answer_offline(real_kb, "How many outcomes should a team have per quarter?")
    assert answer.covered and answer.sources[0].id == "one-outcome-at-a-time"
    first, note_id = answer_sentences(answer.answer)[0]
    assert note_id == "one-outcome-at-a-time" and "one outcome at a time" in first
    assert_well_formed(answer)


@pytest.mark.parametrize(("question", "note", "words"), [
    ("Is NPS a good key result?", "sentiment-pairing", ["NPS"]),
    ("leading vs lagging indicators?", "business-vs-product-outcomes", ["leading", "lagging"]),
    ("How should OKRs be scored at the end of the quarter?", "okrs-that-describe-effects", ["0.7"]),
    ("What is a guardrail metric?", "guardrails", ["guardrail"]),
])
def test_the_first_sentence_answers_from_the_right_note(real_kb, question: str, note: str,
                                                        words: list[str]) -> None:
    answer = answer_offline(real_kb, question)
    assert answer.covered
    first, note_id = answer_sentences(answer.answer)[0]
    assert note_id == note and all(w.lower() in first.lower() for w in words), first
    assert_well_formed(answer)
    assert 2 <= len(answer_sentences(answer.answer)) <= 5  # the direct answer, then supporting facts


@pytest.mark.parametrize("question",
                         ["How do I set up a Jira board?", "What's a good recipe for banana bread?",
                                      "Do we need a lawyer to review our terms of service?"])
def test_questions_the_library_does_not_answer_say_so_and_offer_the_nearest_notes(real_kb,
                                                                                  question: str) -> None:
    answer = answer_offline(real_kb, question)
    assert not answer.covered and answer.sources == [] and answer.answer.startswith(NOT_COVERED)
    assert len(answer.nearest) == 3
    assert all(f"[{p.id}]" in answer.answer and p.title in answer.answer for p in answer.nearest)


def test_a_follow_up_is_read_with_the_earlier_question(real_kb) -> None:
    earlier = "How many outcomes should a team have per quarter?"
    alone = answer_offline(real_kb, "and for a B2B team?")
    follow = answer_offline(real_kb, "and for a B2B team?", context=earlier)
    assert alone.follow_up_of == "" and follow.follow_up_of == earlier
    assert follow.covered and follow.sources[0].id == "one-outcome-at-a-time"
    assert [p.id for p in follow.sources] != [p.id for p in alone.sources]
    assert_well_formed(follow)
    # The follow-up's new words pick the facts: here the marketplace guardrail comes first.
    market = answer_offline(real_kb, "what about a marketplace?", context="What guardrail should we use?")
    first, note_id = answer_sentences(market.answer)[0]
    assert note_id == "guardrails" and first.startswith("Marketplace")
    assert "Marketplace" not in answer_sentences(
        answer_offline(real_kb, "What guardrail should we use?").answer)[0][0]
    # A question that stands on its own is not bent towards the earlier one.
    fresh = answer_offline(real_kb, "What is a vanity metric?", context=earlier)
    assert fresh.follow_up_of == "" and fresh.sources[0].id == "vanity-metrics"


def test_follow_up_rule() -> None:
    earlier = "How many outcomes should a team have per quarter?"
    assert is_follow_up("and for a B2B team?", earlier)
    assert is_follow_up("What about fintech?", earlier)
    assert is_follow_up("B2B?", earlier)
    assert not is_follow_up("and for a B2B team?", "")
    assert not is_follow_up("What is a guardrail metric and why do I need one?", earlier)


# --- the command line and the eval table --------------------------------------------------


def test_ask_json_extends_the_contract(app_library_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ask", "Is NPS a good key result?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"answer", "sources", "covered", "citations", "nearest"} <= set(data)
    assert all(set(s) == {"id", "title", "text"} for s in data["sources"])  # the contract's shape
    assert data["covered"] is True and data["citations"][0]["id"] == "sentiment-pairing"
    assert data["citations"][0]["title"].startswith("Sentiment metrics")
    off = json.loads(runner.invoke(app, ["ask", "How do I set up a Jira board?", "--json"]).stdout)
    assert off["covered"] is False and off["sources"] == [] and len(off["nearest"]) == 3
    follow = runner.invoke(app, ["ask", "and for a B2B team?", "--after",
                                 "How many outcomes should a team have per quarter?", "--json"])
    assert json.loads(follow.stdout)["follow_up_of"].startswith("How many outcomes")
    human = runner.invoke(app, ["ask", "How do I set up a Jira board?"])
    assert human.exit_code == 0 and human.stdout.startswith(NOT_COVERED) and "nearest: [" in human.stdout


def test_ask_refuses_an_empty_earlier_question(app_library_dir: Path) -> None:
    result = CliRunner().invoke(app, ["ask", "and for a B2B team?", "--after", "   "])
    assert result.exit_code == 2 and "Traceback" not in result.output \
            and len(result.output.strip().splitlines()) == 1


def test_answer_json_lists_citations_in_order() -> None:
    sources = [Passage(id="a", title="A", text="A - S\nx"), Passage(id="b", title="B", text="B - S\ny")]
    data = answer_json(Answer(answer="One. [b] Two. [a] Three. [b] Four. [zz]", sources=sources))
    assert [c["id"] for c in data["citations"]] == ["b", "a"] and data["covered"] is True


def test_ask_table_scores_hits_and_coverage() -> None:
    cases = [{"id": "1", "question": "q", "covered": True, "expect_ids_any": ["x"]},
             {"id": "2", "question": "q", "covered": True, "expect_ids_any": ["y"]},
             {"id": "3", "question": "q", "covered": False},
             {"id": "4", "question": "q", "covered": False}]
    records = [{"covered": True, "sources": [{"id": "z"}, {"id": "x"}]},
               {"covered": False, "sources": [], "nearest": [{"id": "w"}]},
               {"covered": False, "sources": [], "nearest": [{"id": "x"}]},
               {"covered": True, "sources": [{"id": "x"}]}]
    got = ask_table.score(cases, records)
    assert got["hit_at_3"] == 0.5 and got["hit_at_1"] == 0.0
    assert got["covered_accuracy"] == 0.5 and got["covered_said_covered"] == 0.5
    assert got["off_library_said_not_covered"] == 0.5


def test_ask_table_runs_on_a_question_file(app_library_dir: Path, tmp_path: Path, capsys) -> None:
    questions = tmp_path / "q.yaml"
    questions.write_text(yaml.safe_dump([
        {"id": "a", "question": "How many outcomes should a team have per quarter?", "covered": True,
         "expect_ids_any": ["one-outcome-at-a-time"]},
        {"id": "b", "question": "How do I set up a Jira board?", "covered": False}]), encoding="utf-8")
    answers = tmp_path / "answers.jsonl"
    assert ask_table.main([str(questions), "--json", "--answers", str(answers)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["hit_at_3"] == 1.0 and summary["covered_accuracy"] == 1.0
    rows = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"] and rows[1]["covered"] is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("just text", encoding="utf-8")
    assert ask_table.main([str(bad)]) == 2


# --- the LLM engine: the same "not covered" rule, and follow-ups reach the model with their context
# ----------


def test_llm_engine_uses_the_same_coverage_rule(fake_openai, app_library_dir: Path) -> None:
    from coach.service import ask_library

    settings = fake_openai.settings(data_dir=app_library_dir)
    answer, notice = ask_library(settings, "How do I set up a Jira board?")
    assert not answer.covered and answer.answer.startswith(NOT_COVERED) and fake_openai.requests == []
    fake_openai.enqueue("Keep one outcome per team, and hold it for two to three quarters "
                        "[one-outcome-at-a-time].")
    answer, notice = ask_library(settings, "and for a B2B team?",
                                 context="How many outcomes should a team have per quarter?")
    assert notice == "" and answer.covered and answer.follow_up_of.startswith("How many outcomes")
    assert [p.id for p in answer.sources] == ["one-outcome-at-a-time"]
    sent = fake_openai.requests[0].messages[-1]["content"]
    assert "and for a B2B team?" in sent and "How many outcomes should a team have per quarter?" in sent
