"""The "Ask the library" page: a question answered with citations, and a guided path through six core notes.

The answers come from `coach.service.ask_library` (offline extractive or LLM); the path's
check questions are content in `guided_path.yaml`, not code.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
import yaml

from coach.textinput import InputError, clean_text
from coach.ui import services
from coach.ui.view import plain, show_passage

if TYPE_CHECKING:
    from coach.knowledge.notes import Note

PATH_FILE = Path(__file__).with_name("guided_path.yaml")


@cache
def guided_path() -> list[dict]:
    """The steps of the guided path: note id, question, options, answer index, why."""
    steps = yaml.safe_load(PATH_FILE.read_text(encoding="utf-8")) or []
    for step in steps:
        if not 0 <= int(step["answer"]) < len(step["options"]):
            raise ValueError(f"{PATH_FILE}: step {step['note']} has no option {step['answer']}")
    return steps


def note_summary(note: Note) -> tuple[str, str]:
    """The note's lead paragraph and the rest of its body."""
    lead, _, rest = note.body.partition("\n## ")
    return lead.strip(), ("## " + rest) if rest else ""


def ask_section() -> None:
    """Question in, answer with its cited passages out."""
    with st.form("ask", border=False):
        question = st.text_input("Your question", placeholder="Is NPS enough as a metric?", max_chars=500)
        asked = st.form_submit_button("Ask")
    if asked:
        try:
            question = clean_text(question, what="question", max_chars=500)
        except InputError as err:
            st.error(str(err))
            return
        with st.spinner("Searching the library..."):
            answer, notice = services.ask(services.settings(), question)
        st.session_state["answer"] = (question, answer, notice)
    if "answer" not in st.session_state:
        return
    question, answer, notice = st.session_state["answer"]
    if notice:
        st.caption(plain(notice))
    st.markdown(f"**{plain(question)}**")
    st.markdown(plain(answer.answer))
    for passage in answer.sources:
        with st.expander(plain(f"{passage.title} ({passage.id})")):
            show_passage(passage)


def _check(step: dict, index: int) -> None:
    key = f"path-{index}"
    choice = st.radio(step["question"], range(len(step["options"])), index=None, key=key,
                      format_func=lambda i: step["options"][i])
    if choice is None:
        return
    done = st.session_state.setdefault("path_done", set())
    if choice == step["answer"]:
        done.add(index)
        st.success("Right. " + step["why"])
    else:
        st.error("Not quite. " + step["why"])


def guided_section() -> None:
    """Six notes in order, each ending with a check question that answers at once."""
    steps, notes = guided_path(), services.notes(services.settings())
    steps = [s for s in steps if s["note"] in notes]
    if not steps:
        st.info("The core notes are not available.")
        return
    st.session_state.setdefault("path_done", set())
    bar = st.empty()  # drawn after the check below, so a right answer shows in this very run
    index = st.session_state.setdefault("path_step", 0) % len(steps)
    step, note = steps[index], notes[steps[index]["note"]]
    st.subheader(f"{index + 1}. {note.title}")
    lead, rest = note_summary(note)
    st.markdown(lead.replace("$", "\\$"))  # our own notes: markdown, but never LaTeX
    if rest:
        with st.expander("Read the whole note"):
            st.markdown(rest.replace("$", "\\$"))
    _check(step, index)
    done = {i for i in st.session_state.get("path_done", set()) if i < len(steps)}
    bar.progress(len(done) / len(steps), text=f"{len(done)} of {len(steps)} checks answered right")
    back, forward, _ = st.columns([1, 1, 3])
    if back.button("Previous", disabled=index == 0):
        st.session_state["path_step"] = index - 1
        st.rerun()
    if forward.button("Next note", disabled=index == len(steps) - 1):
        st.session_state["path_step"] = index + 1
        st.rerun()


def page() -> None:
    """Render the Ask the library page."""
    st.title("Ask the library")
    ask_tab, path_tab = st.tabs(["Ask a question", "Learn the basics"])
    with ask_tab:
        ask_section()
    with path_tab:
        guided_section()
