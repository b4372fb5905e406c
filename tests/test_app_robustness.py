"""App-level robustness: the bad-input corpus typed into the Coach page, and bad uploads on the Workshop page.

Whatever is typed or uploaded: no exception reaches the page, a refused input gets a short,
clear message, the user's text is never rendered as HTML or live markdown, and every turn
saved before the bad input is still saved, unchanged.

Two things a browser does before the app sees the text, mirrored here:
- `st.chat_input(max_chars=MAX_INPUT_CHARS)` cuts longer text to the limit (Streamlit does this
  on the server too), so the 1 MB and just-over-limit entries reach the coach clamped and are
  coached, not refused; the engine's own refusal is covered by tests/test_bad_input.py.
- a browser can only send valid UTF-8, so `bytes` entries arrive decoded with errors="replace"
  (protobuf cannot carry the lone surrogates that "surrogateescape" makes).
An empty message cannot be sent from the browser; the app ignores one without saving anything.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from coach.settings import MAX_INPUT_CHARS
from coach.store import SessionStore
from coach.textinput import InputError, clean_text
from coach.ui import backlog
from coach.ui.view import BUTTON_LABELS_WRAP
from tests.apptools import app as full_app
from tests.apptools import click, goto, ok


def app(timeout: float = 30, **query: str):
    """The app with a shorter timeout: most of these runs are small."""
    return full_app(timeout, **query)


REPO = Path(__file__).resolve().parent.parent
CORPUS = {e["id"]: e
          for e in yaml.safe_load((REPO / "tests/data/bad_inputs.yaml").read_text(encoding="utf-8"))}

TIMINGS: dict[str, float] = {}

# A broad subset of the corpus: empty and whitespace, size, binary, controls, scripts and
# directions, emoji, markup and links, injection-like text, long words, templates.
SUBSET = ["empty", "spaces", "whitespace-mix", "one-mb", "just-over-limit", "at-limit", "nul-bytes",
          "binary-bytes", "invalid-utf8", "control-chars", "ansi-escape", "rtl-override", "arabic", "hebrew",
          "combining", "emoji-only", "zwj-emoji", "html-script", "html-img-onerror", "html-iframe",
          "markdown-image", "markdown-link", "javascript-link", "long-word", "long-url", "sql-drop",
          "path-traversal", "path-traversal-win", "format-string", "jinja", "numbers-only", "newline-flood",
          "windows-newlines", "bom", "private-use"]
# Where the app's answer differs from the corpus's (which is the engine's), and why (see the docstring).
APP_OPENING = {"empty": "ignored", "one-mb": "handled", "just-over-limit": "handled"}
# Mid-dialogue the text is an answer: words are not required ("42" answers "what is the baseline?").
ANSWER_REFUSED = {"spaces", "whitespace-mix", "nul-bytes", "binary-bytes", "newline-flood"}


# --- helpers (small bits as in tests/test_app.py) -------------------------------------------------


def received(entry: dict) -> str:
    """The corpus entry as the app receives it from a browser (see the module docstring)."""
    if "bytes" in entry:
        text = bytes.fromhex(entry["bytes"]).decode("utf-8", errors="replace")
    elif "repeat" in entry:
        text = entry["repeat"] * entry["times"]
    else:
        text = entry["text"]
    return text[:MAX_INPUT_CHARS]


def live_markup(source: str) -> str:
    """What markdown would still interpret: the source with every backslash-escaped character dropped."""
    return re.sub(r"\\.", "", source, flags=re.S)


def shown_text(source: str) -> str:
    """The text a `plain()` markdown source displays."""
    return re.sub(r"\\(.)", r"\1", source.replace("  \n", "\n"), flags=re.S)


def assert_never_markup(at: AppTest) -> None:
    """No HTML element, no markdown allowed to carry HTML, and no live tag, link, image or URL anywhere."""
    assert all(h.proto.body == BUTTON_LABELS_WRAP for h in at.get("html"))  # only the static button style
    for element in [*at.markdown, *at.caption]:
        assert not element.proto.allow_html
        live = live_markup(element.value)
        for token in ("<", "](", "![", "://", "javascript:"):
            assert token not in live, (token, element.value[:200])


def sessions(store: SessionStore) -> set[str]:
    return {s.id for s in store.list(limit=100_000)}


def send(at: AppTest, text: str) -> AppTest:
    ok(at.chat_input[0].set_value(text).run())
    assert_never_markup(at)
    return at


# --- the corpus on the Coach page -----------------------------------------------------------------


def test_the_subset_is_broad_and_in_the_corpus() -> None:
    assert len(SUBSET) >= 15 and set(SUBSET) <= set(CORPUS)
    assert {"empty", "one-mb", "control-chars", "rtl-override", "combining", "zwj-emoji", "html-script",
            "markdown-image", "sql-drop", "path-traversal", "long-word"} <= set(SUBSET)


@pytest.mark.parametrize("entry_id", SUBSET)
def test_bad_input_as_the_opening_statement(app_library_dir: Path, entry_id: str) -> None:
    entry, began = CORPUS[entry_id], time.perf_counter()
    text = received(entry)
    expect = APP_OPENING.get(entry_id, entry["expect"])
    store = SessionStore.for_data_dir(app_library_dir)
    before = sessions(store)
    at = ok(app().run())
    send(at, text)
    if expect in ("refused", "ignored"):
        assert "session" not in at.query_params and not at.chat_message
        assert sessions(store) == before  # nothing half-saved
        if expect == "refused":
            [message] = [e.value for e in at.error]
            assert 10 < len(message) < 200 and "\n" not in message and "Error" not in message
        else:
            assert not at.error
    else:
        assert not at.error
        session = store.load(at.query_params["session"])
        assert session is not None and sessions(store) == before | {session.id}
        assert session.transcript[0].text == clean_text(text)
        assert len(at.chat_message) == len(session.transcript) == 2
        assert shown_text(at.chat_message[0].markdown[0].value) == session.transcript[0].text
    TIMINGS[f"opening {entry_id}"] = time.perf_counter() - began


@pytest.mark.parametrize("entry_id", SUBSET)
def test_bad_input_as_an_answer_mid_dialogue(app_library_dir: Path, entry_id: str) -> None:
    entry, began = CORPUS[entry_id], time.perf_counter()
    text = received(entry)
    store = SessionStore.for_data_dir(app_library_dir)
    at = ok(app().run())
    send(at, "Deliver an Android app")
    send(at, "customers could use us on the go")
    session_id = at.query_params["session"]
    saved = store.load(session_id)
    shown = [shown_text(m.markdown[0].value) for m in at.chat_message]
    assert len(shown) == len(saved.transcript) == 4

    send(at, text)
    after = store.load(session_id)
    assert after.transcript[: len(saved.transcript)] == saved.transcript  # everything shown before, unchanged
    assert [shown_text(m.markdown[0].value) for m in at.chat_message[: len(shown)]] == shown
    new = after.transcript[len(saved.transcript):]
    if entry_id == "empty":  # a browser cannot send it; the app ignores it
        assert not new and not at.error
    elif entry_id in ANSWER_REFUSED:
        with pytest.raises(InputError) as err:
            clean_text(text, what="answer", require_words=False)
        assert [t.role.value for t in new] == ["coach"]  # the bad text itself is not kept
        assert new[0].text.startswith(str(err.value))
        assert shown_text(at.chat_message[-1].markdown[0].value).startswith(str(err.value))
    else:
        assert new and new[0].role.value == "user" and new[0].text == clean_text(text, require_words=False)
        assert new[-1].role.value == "coach" and new[-1].text
        assert shown_text(at.chat_message[len(shown)].markdown[0].value) == new[0].text
    assert len(at.chat_message) == len(after.transcript)
    TIMINGS[f"answer {entry_id}"] = time.perf_counter() - began


def test_script_and_image_are_shown_escaped_in_the_chat(app_library_dir: Path) -> None:
    """The two nastiest entries, checked on the exact markdown source the browser gets."""
    at = ok(app().run())
    send(at, received(CORPUS["html-script"]))
    source = at.chat_message[0].markdown[0].value
    assert source.startswith(r"\<script\>alert(".replace("(", r"\(")) and "<script>" not in source
    send(at, received(CORPUS["markdown-image"]))
    answer = at.chat_message[2].markdown[0].value
    assert answer.startswith(r"\!\[tracker\]\(http\:") and "![" not in answer and "](" not in answer


# --- uploads on the Workshop page -----------------------------------------------------------------


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    """Upload a file on the Workshop page and press Review; returns the page, timed."""
    began = time.perf_counter()
    at.file_uploader[0].set_value((name, data, "text/csv"))
    ok(at.run())
    ok(click(at, "Review the file"))
    TIMINGS[f"upload {name} ({len(data):,} bytes)"] = time.perf_counter() - began
    assert_never_markup(at)
    return at


def test_a_csv_without_a_text_column_is_a_clear_message(app_data_dir: Path) -> None:
    at = upload(goto(ok(app().run()), "Workshop"), "numbers.csv",
                b"id,estimate,points\n1,3,5\n2,5,8\n3,8,13\n")
    [message] = [e.value for e in at.error]
    assert message.startswith("No column with statements") and "statement" in message
    assert not at.dataframe and not at.download_button


def test_a_csv_mixing_utf8_and_latin1_rows_is_read_with_a_notice(app_data_dir: Path) -> None:
    rows = [b"statement,owner", "Launch the café finder".encode(),
            "Lancer l'appli pour les équipes".encode("latin-1"),
            b"Grow ARR by 20%,Bo", "Increase weekly bookings at the Zürich office".encode(), b"",
            b"Deliver dark mode,"]
    at = upload(goto(ok(app().run()), "Workshop"), "mixed.csv", b"\n".join(rows) + b"\n")
    assert not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert "Latin-1" in warnings and "Skipped 1 empty row" in warnings
    frame = at.dataframe[0].value
    statements = list(frame["statement"])
    assert len(statements) == 5 and list(frame["line"]) == ["2", "3", "4", "5",
                                                            "7"]  # every good row reviewed
    assert statements[1] == "Lancer l'appli pour les équipes" and statements[2] == "Grow ARR by 20%"
    assert statements[4] == "Deliver dark mode"
    # The whole file is read as Latin-1, so the UTF-8 rows keep their words but not their accents;
    # the notice tells the user to check them.
    assert statements[0].startswith("Launch the caf") and statements[3].startswith("Increase weekly bookings")
    assert all(frame["question"].str.len() > 10) and all(frame["draft"].str.len() > 10)


def test_a_100000_row_csv_is_capped_with_a_message(app_data_dir: Path) -> None:
    data = b"id,statement\n" + b"".join(b"%d,Launch feature number %d for the mobile team\n" % (i, i)
                                         for i in range(100_000))
    at = goto(ok(app(timeout=60).run()), "Workshop")
    began = time.perf_counter()
    upload(at, "huge.csv", data)
    seconds = time.perf_counter() - began
    print(f"\n100,000-row CSV ({len(data) / 1e6:.1f} MB): uploaded and reviewed in {seconds:.1f} s")
    warnings = [w.value for w in at.warning]
    assert any("only the first 2 MB were read" in w for w in warnings)
    assert any(f"only the first {backlog.MAX_ROWS} were reviewed" in w for w in warnings)
    assert len(at.dataframe[0].value) == backlog.MAX_ROWS
    assert at.metric[0].value == str(backlog.MAX_ROWS)


@pytest.mark.parametrize("name,data", [
    ("image.csv", bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 4),
    ("workbook.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"\x00\xff" * 2000),
], ids=["png", "xlsx"])
def test_binary_bytes_uploaded_as_csv_are_a_clear_message(app_data_dir: Path, name: str, data: bytes) -> None:
    at = upload(goto(ok(app().run()), "Workshop"), name, data)
    [message] = [e.value for e in at.error]
    assert "not text" in message and len(message) < 200
    assert not at.dataframe and not at.warning


def test_binary_bytes_without_nul_never_break_the_page(app_data_dir: Path) -> None:
    """High bytes and controls with no NUL decode as Latin-1: the page must still answer calmly."""
    data = bytes(b for b in range(1, 256) if b not in b",;\t|\n\r\"") * 40
    at = upload(goto(ok(app().run()), "Workshop"), "noise.csv", data)
    [message] = [e.value for e in at.error]  # no column holds words, so nothing is drafted from noise
    assert message.startswith("No column with statements") and not at.dataframe
    assert any("Latin-1" in w.value for w in at.warning)


# --- the slowest case -------------------------------------------------------------------------------


def test_print_the_slowest_case() -> None:
    """Runs last in this file: print (never assert) the wall time of the slowest case above."""
    if not TIMINGS:
        pytest.skip("no timed case ran")
    name, seconds = max(TIMINGS.items(), key=lambda kv: kv[1])
    print(f"\nslowest case: {name}: {seconds:.2f} s (of {len(TIMINGS)} timed)")
