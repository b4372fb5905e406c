"""Tests of the app's Streamlit-free helpers: DOT graphs, exports, backlog reading, drills and text
escaping."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from coach.engine.protocol import Coach
from coach.models import Kind, Trap
from coach.settings import MAX_INPUT_CHARS
from coach.ui import backlog
from coach.ui.drills import DEV_DIR, dev_files, grade, load_drills, order_for
from coach.ui.export import card_json, card_markdown, rows_csv, rows_markdown, session_markdown
from coach.ui.graphs import dot_label, opportunity_tree_dot, value_ladder_dot
from coach.ui.view import coach_text, plain


@pytest.fixture(scope="module")
def done_session():
    coach = Coach()
    session = coach.start('Ship the "Pro" export \\ with <b>HTML</b>')
    coach.reply(session, "finance teams close the month faster")
    coach.finish(session)
    return session


# --- graphs ----------------------------------------------------------------------------------


def test_dot_labels_escape_quotes_backslashes_and_newlines() -> None:
    label = dot_label('a "quoted" \\N path\nand ] [ { } ; -> stuff', width=200)
    assert label.startswith('"') and label.endswith('"')
    inner = label[1:-1]
    assert '\\"quoted\\"' in inner and "\\\\N" in inner and "\n" not in inner
    assert inner.replace('\\"', "").count('"') == 0  # no quote left to end the string early


def test_dot_labels_wrap_and_shorten() -> None:
    label = dot_label("word " * 100, width=20, max_lines=3)
    assert label.count("\\n") == 2 and label.endswith('..."')
    assert dot_label("") == '"?"'


def test_value_ladder_fills_in_as_slots_fill(done_session) -> None:
    coach = Coach()
    fresh = coach.start("Deliver an Android app")
    early = value_ladder_dot(fresh)
    assert early.startswith("digraph {") and early.rstrip().endswith("}")
    assert "Value: ?" in early and "Business outcome: ?" in early
    done = value_ladder_dot(done_session)
    assert "?" not in done.split("Output:")[1].split('"')[0]
    assert done.count(" -> ") == 3


def test_opportunity_tree_has_the_bets_and_assumptions(done_session) -> None:
    card = done_session.card
    dot = opportunity_tree_dot(card)
    assert dot.count("outcome -> s") == len(card.alternatives)
    assert dot.count("[style=dashed]") == len(card.assumptions)
    assert '\\"Pro\\"' in dot and "<b>" in dot  # escaped inside a quoted label, harmless there


# --- exports ----------------------------------------------------------------------------------


def test_card_exports_round_trip(done_session) -> None:
    card = done_session.card
    assert json.loads(card_json(card))["product_outcome"] == card.product_outcome
    md = card_markdown(card)
    assert md.startswith("# Outcome card") and card.guardrail in md
    whole = session_markdown(done_session)
    assert "## Transcript" in whole
    assert "finance teams close the month faster" in whole
    assert "# Outcome card" in whole


def test_backlog_csv_defuses_formulas_and_keeps_problems() -> None:
    pasted = ("=HYPERLINK(\"http://x\")\nGrow ARR by 20%\n" + "x " * MAX_INPUT_CHARS
              + "\nMore hosts reply to guest messages within a day")
    rows = backlog.review(backlog.from_text(pasted), Coach())
    data = rows_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert records[0]["statement"].startswith("'=")
    assert records[1]["kind"] == "business_outcome" and records[2]["problem"].startswith("The statement is "
                                                                                         "too long")
    md = rows_markdown(rows)
    # the drafted row
    assert "## Skipped lines" in md and "Line 3:" in md and md.count("### Outcome card") == 1
    assert md.count("**Needs coaching.**") == 2 and md.count("**Ask:**") == 3
    assert records[3]["draft"].startswith("More hosts reply") and records[1]["draft"] == "needs coaching"


# --- backlog reading ----------------------------------------------------------------------------


def test_csv_column_by_name_case_insensitive_and_row_numbers() -> None:
    read = backlog.from_csv(b"id,FEATURE,notes\n1,Launch dark mode,x\n2,,y\n3,Grow ARR by 20%,z\n")
    assert read.statements == [(2, "Launch dark mode"), (4, "Grow ARR by 20%")]
    assert read.notices == ["Skipped 1 empty row."] and not read.error


def test_csv_without_a_named_column_uses_the_first_text_column() -> None:
    read = backlog.from_csv(b"id,estimate,what we build\n1,3,Launch dark mode\n2,5,Run five webinars\n")
    assert [s for _, s in read.statements] == ["Launch dark mode", "Run five webinars"]
    assert "what we build" in read.notices[0]


def test_csv_with_no_text_column_is_a_clear_error() -> None:
    read = backlog.from_csv(b"id,estimate\n1,3\n2,5\n")
    assert read.error.startswith("No column with statements") and not read.statements


def test_csv_encodings_bom_and_latin1() -> None:
    assert backlog.from_csv("title\nCafé app\n".encode("utf-8-sig")).statements == [(2, "Café app")]
    latin = backlog.from_csv("title\nCafé app\n".encode("latin-1"))
    assert latin.statements == [(2, "Café app")] and "Latin-1" in latin.notices[0]
    utf16 = backlog.from_csv("title\nCafé app\n".encode("utf-16"))
    assert utf16.statements == [(2, "Café app")]


def test_binary_and_empty_files_are_clear_errors() -> None:
    assert "not text" in backlog.from_csv(b"PK\x03\x04\x00\x00binary").error
    assert backlog.from_csv(b"").error == "The file is empty."
    assert backlog.from_csv(b"statement\n\n \n").error.startswith("No statements")
    assert backlog.from_text("\n  \n").error.startswith("The list is empty")


def test_semicolons_and_a_headerless_single_column() -> None:
    semi = backlog.from_csv(b"Item;Owner\nLaunch dark mode;Ana\n")
    assert semi.statements == [(2, "Launch dark mode")]
    bare = backlog.from_csv(b"Deliver an Android app by June\nGrow ARR by 20%\n")
    assert [s for _, s in bare.statements] == ["Deliver an Android app by June", "Grow ARR by 20%"]
    assert "no header" in bare.notices[0]


def test_huge_input_is_capped_by_rows_and_bytes() -> None:
    many = backlog.from_text("\n".join(f"Launch feature {i}" for i in range(backlog.MAX_ROWS + 20)))
    assert len(many.statements) == backlog.MAX_ROWS and "only the first 500" in many.notices[-1]
    big = b"statement\n" + b"Launch a feature that is described at some length here\n" * 60_000
    read = backlog.from_csv(big)
    assert any("only the first 2 MB" in n for n in read.notices)
    assert len(read.statements) == backlog.MAX_ROWS


def test_a_broken_csv_keeps_the_rows_before_the_break() -> None:
    data = b"statement\nLaunch dark mode\n\"" + b"x" * 200_000 + b"\n"
    read = backlog.from_csv(data)
    assert read.statements[:1] == [(2, "Launch dark mode")]
    assert any("could not be read past row" in n for n in read.notices)


def test_list_bullets_are_dropped() -> None:
    read = backlog.from_text("- Launch dark mode\n* Run webinars\n3. Grow ARR by 20%\n")
    assert [s for _, s in read.statements] == ["Launch dark mode", "Run webinars", "Grow ARR by 20%"]


# --- drills and escaping ------------------------------------------------------------------------


def test_drills_come_from_the_dev_split_and_grade() -> None:
    drills = load_drills()
    dev = [c for path in dev_files() for c in yaml.safe_load(path.read_text(encoding="utf-8"))]
    assert DEV_DIR.name == "dev" and len(drills) >= 30
    assert {d.id for d in drills} == {c["id"] for c in dev if "kind" in (c.get("expect") or {})}
    assert sorted(d.id for d in order_for("ana", drills)) == sorted(d.id for d in drills)
    assert [d.id for d in order_for("ana", drills)] != [d.id for d in order_for("ben", drills)]
    trapped = next(d for d in drills if Trap.wrong_moment in d.traps)
    verdict = grade(trapped, trapped.kind, {Trap.vanity_metric})
    assert not verdict.correct
    assert verdict.missed == {Trap.wrong_moment}
    assert verdict.extra == {Trap.vanity_metric}
    assert grade(trapped, Kind(trapped.kind), set(trapped.traps)).correct


def test_plain_escapes_every_markdown_character() -> None:
    nasty = "**b** _i_ [l](http://x) ![i](http://x) <b>h</b> $x$ `c` # h :red[x] 1. a"
    escaped = plain(nasty)
    assert escaped.replace("\\", "") == nasty
    for token in ("**", "](", "<b>", "$x$", "`c`", ":red["):
        assert token not in escaped
    kept = coach_text("Here. **Outcome:** [x](y)")
    assert kept.startswith("Here\\. **Outcome") and kept.count("**") == 2 and "](" not in kept


def test_a_workshop_row_the_classifier_is_unsure_of_is_marked():
    from coach.engine.protocol import Coach
    from coach.ui.backlog import Backlog, review
    from coach.ui.export import row_record

    rows = review(Backlog(statements=[(1, "Deliver an Android app"),
                                      (2, "onboarding and NPS and revenue")]),
                  Coach())
    sure, vague = rows
    assert not sure.unsure and row_record(sure)["kind"] == "output"
    assert vague.unsure and row_record(vague)["kind"].endswith("(unsure)")
