"""The "Ask the library" page: a conversation with the library, and a guided path through six core notes.

The answers come from `coach.service.ask_library` (offline or LLM). The page keeps every question
and answer of the conversation, reads a follow-up with the last question, and each citation opens
the note it cites (the URL then names the note: `?note=guardrails`). The path's check questions
are content in `guided_path.yaml`, not code.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
import yaml

from coach.models import Answer
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


HISTORY = "library_history"
OPEN_NOTE = "library_note"
_CITED = re.compile(r"\s*\[([A-Za-z0-9][\w.-]*)\]")


def open_note(note_id: str) -> None:
    """Show a note at the top of the page (a citation was clicked); the URL names it, so it can be shared."""
    st.session_state[OPEN_NOTE] = note_id
    st.query_params["note"] = note_id


def close_note() -> None:
    st.session_state.pop(OPEN_NOTE, None)
    st.query_params.pop("note", None)


def new_conversation() -> None:
    st.session_state[HISTORY] = []
    close_note()


def note_view() -> None:
    """The note a citation opened, whole, with a button to close it."""
    note_id = st.session_state.get(OPEN_NOTE) or st.query_params.get("note")
    if not note_id:
        return
    st.session_state[OPEN_NOTE] = note_id
    note = services.notes(services.settings()).get(note_id)
    with st.container(border=True):
        if note is None:
            st.info(f"There is no note called {plain(note_id)} in the library.")
        else:
            st.subheader(note.title)
            if note.in_short:
                st.markdown(f"**In short:** {plain(note.in_short)}")
            st.markdown(note.body.replace("$", "\\$"))  # our own notes: markdown, but never LaTeX
        st.button("Close the note", key="close-note", on_click=close_note)


def _answer_markdown(text: str) -> str:
    """The answer as safe markdown, each [note-id] citation shown as a small tag."""
    parts, start = [], 0
    for match in _CITED.finditer(text):
        parts.append(plain(text[start:match.start()]) + f" `{match.group(1)}`")
        start = match.end()
    return "".join(parts) + plain(text[start:])


def _show_turn(index: int, turn: dict) -> None:
    """One question and its answer, with buttons that open the notes it cites (or the nearest notes)."""
    answer: Answer = turn["answer"]
    with st.chat_message("user"):
        st.markdown(plain(turn["question"]))
    with st.chat_message("assistant"):
        if turn.get("notice"):
            st.caption(plain(turn["notice"]))
        if answer.follow_up_of:
            st.caption(plain(f"Read as a follow-up to: {answer.follow_up_of}"))
        st.markdown(_answer_markdown(answer.answer))
        titles = {p.id: p.title for p in [*answer.sources, *answer.nearest]}
        cited = [i for i in dict.fromkeys(_CITED.findall(answer.answer)) if i in titles] \
            or [p.id for p in answer.nearest]
        label = "Sources" if answer.covered else "Nearest notes"
        if cited:
            st.caption(f"{label}: open a note to read it whole.")
            for note_id in cited:
                st.button(f"{titles[note_id]} ({note_id})", key=f"cite-{index}-{note_id}",
                          icon=":material/description:", on_click=open_note, args=(note_id,))
        for passage in answer.sources:
            with st.expander(plain(f"{passage.title} ({passage.id})")):
                show_passage(passage)


def ask_section() -> None:
    """A conversation with the library: every question and answer kept, follow-ups read with the last
    question."""
    note_view()
    history: list[dict] = st.session_state.setdefault(HISTORY, [])
    conversation = st.container()
    with st.form("ask", clear_on_submit=True, border=False):
        question = st.text_input("Your question", placeholder="Is NPS a good key result?", max_chars=500)
        asked = st.form_submit_button("Ask")
    st.caption("Ask a follow-up (\"and for a B2B team?\") and it is read with your last question.")
    if asked:
        try:
            question = clean_text(question, what="question", max_chars=500)
        except InputError as err:
            st.error(str(err))
        else:
            context = history[-1]["query"] if history else ""
            with st.spinner("Searching the library..."):
                answer, notice = services.ask(services.settings(), question, context=context)
            query = f"{answer.follow_up_of} {question}" if answer.follow_up_of else question
            history.append({"question": question, "answer": answer, "notice": notice, "query": query})
    with conversation:
        for index, turn in enumerate(history):
            _show_turn(index, turn)
    if history:
        st.button("Start a new conversation", key="new-conversation", on_click=new_conversation)


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
