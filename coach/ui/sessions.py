"""The Sessions page: this user's saved coaching sessions to search, rename, resume, export or delete.

Only the user's own sessions are listed (see coach.ui.identity); "this computer" also sees the
sessions saved before users existed and those saved by the CLI.
"""

from __future__ import annotations

import streamlit as st

from coach.identity import User
from coach.store import SessionStore, SessionSummary, StoreError
from coach.ui import identity, services
from coach.ui.coaching import PARAM
from coach.ui.export import session_markdown
from coach.ui.view import plain

COACH_PAGE = "coach/ui/pages/coach.py"


def _mine(user: User) -> dict:
    return {"owner": user.id, "include_unowned": user.sees_unowned}


def _exports(store: SessionStore, summary: SessionSummary, user: User) -> None:
    """Download buttons that read the session only when clicked."""

    def as_json() -> str:
        return store.export_json(summary.id, **_mine(user))

    def as_markdown() -> str:
        session = store.load(summary.id, **_mine(user))
        return session_markdown(session) if session else ""

    left, right = st.columns(2)
    left.download_button("Export JSON", as_json, file_name=f"session-{summary.id}.json",
                         mime="application/json", on_click="ignore", key=f"json-{summary.id}")
    right.download_button("Export Markdown", as_markdown, file_name=f"session-{summary.id}.md",
                          mime="text/markdown", on_click="ignore", key=f"md-{summary.id}")


def _rename(store: SessionStore, summary: SessionSummary, user: User) -> None:
    with st.form(key=f"rename-form-{summary.id}", border=False):
        name = st.text_input("New name (empty: back to the statement)", value=summary.title, max_chars=120,
                             key=f"rename-{summary.id}")
        if st.form_submit_button("Save name"):
            store.rename(summary.id, name, **_mine(user))
            st.session_state.pop("renaming", None)
            st.rerun()


def _row(store: SessionStore, summary: SessionSummary, user: User) -> None:
    with st.container(border=True):
        text, resume, rename, export, delete = st.columns([4, 1, 1, 2, 1], vertical_alignment="center")
        status = "card ready" if summary.status == "done" else "in progress"
        room = f" - room {summary.room}" if summary.room else ""
        text.markdown(f"**{plain(summary.title)}**  \n{status}{room} - updated "
                      f"{summary.updated[:16].replace('T', ' ')} UTC")
        if resume.button("Resume", key=f"resume-{summary.id}"):
            st.session_state[PARAM] = summary.id
            st.switch_page(COACH_PAGE, query_params={PARAM: summary.id})
        if rename.button("Rename", key=f"rename-btn-{summary.id}"):
            st.session_state["renaming"] = summary.id
        with export:
            _exports(store, summary, user)
        if delete.button("Delete", key=f"delete-{summary.id}"):
            st.session_state["confirm_delete"] = summary.id
        if st.session_state.get("renaming") == summary.id:
            _rename(store, summary, user)
        if st.session_state.get("confirm_delete") == summary.id:
            st.warning("Delete this session for good?")
            yes, no, _ = st.columns([1, 1, 4])
            if yes.button("Yes, delete", key=f"yes-{summary.id}", type="primary"):
                store.delete(summary.id, **_mine(user))
                st.session_state.pop("confirm_delete", None)
                if st.session_state.get(PARAM) == summary.id:
                    st.session_state.pop(PARAM, None)
                st.rerun()
            if no.button("Cancel", key=f"no-{summary.id}"):
                st.session_state.pop("confirm_delete", None)
                st.rerun()


def page() -> None:
    """Render the Sessions page."""
    st.title("Sessions")
    try:
        store = services.store(services.settings())
    except StoreError as err:
        st.error(str(err))
        return
    user = identity.require_user("to see your sessions")
    if user is None:
        return
    search = st.text_input("Search your sessions", key="session-search", max_chars=200,
                           placeholder="A word from the statement or the name you gave it")
    try:
        summaries = store.list(search=search, **_mine(user))
    except StoreError as err:
        st.error(str(err))
        return
    whose = f"{plain(user.name)}'s" if user.named else "Saved"
    if not summaries:
        st.info(f"No session matches '{plain(search.strip())}'." if search.strip()
                else "No saved sessions yet. Start one on the Coach page.")
        return
    st.caption(f"{whose} sessions: {len(summaries)}{' matching' if search.strip() else ''}, most recent "
               f"first.")
    for summary in summaries:
        try:
            _row(store, summary, user)
        except StoreError as err:  # one unreadable session must not hide the others
            st.error(str(err))
