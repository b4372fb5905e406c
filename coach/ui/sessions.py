"""The Sessions page: saved coaching sessions to resume, export (JSON or Markdown) or delete."""

from __future__ import annotations

import streamlit as st

from coach.store import SessionStore, SessionSummary, StoreError
from coach.ui import services
from coach.ui.coaching import PARAM
from coach.ui.export import session_markdown
from coach.ui.view import plain

COACH_PAGE = "coach/ui/pages/coach.py"


def _exports(store: SessionStore, summary: SessionSummary) -> None:
    """Download buttons that read the session only when clicked."""

    def as_json() -> str:
        return store.export_json(summary.id)

    def as_markdown() -> str:
        session = store.load(summary.id)
        return session_markdown(session) if session else ""

    left, right = st.columns(2)
    left.download_button("Export JSON", as_json, file_name=f"session-{summary.id}.json", mime="application/json",
                         on_click="ignore", key=f"json-{summary.id}")
    right.download_button("Export Markdown", as_markdown, file_name=f"session-{summary.id}.md", mime="text/markdown",
                          on_click="ignore", key=f"md-{summary.id}")


def _row(store: SessionStore, summary: SessionSummary) -> None:
    with st.container(border=True):
        text, resume, export, delete = st.columns([4, 1, 2, 1], vertical_alignment="center")
        status = "card ready" if summary.status == "done" else "in progress"
        text.markdown(f"**{plain(summary.title)}**  \n{status} - updated {summary.updated[:16].replace('T', ' ')} UTC")
        if resume.button("Resume", key=f"resume-{summary.id}"):
            st.session_state[PARAM] = summary.id
            st.switch_page(COACH_PAGE, query_params={PARAM: summary.id})
        with export:
            _exports(store, summary)
        if delete.button("Delete", key=f"delete-{summary.id}"):
            st.session_state["confirm_delete"] = summary.id
        if st.session_state.get("confirm_delete") == summary.id:
            st.warning("Delete this session for good?")
            yes, no, _ = st.columns([1, 1, 4])
            if yes.button("Yes, delete", key=f"yes-{summary.id}", type="primary"):
                store.delete(summary.id)
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
        summaries = store.list()
    except StoreError as err:
        st.error(str(err))
        return
    if not summaries:
        st.info("No saved sessions yet. Start one on the Coach page.")
        return
    st.caption(f"{len(summaries)} saved session{'s' if len(summaries) > 1 else ''}, most recent first.")
    for summary in summaries:
        try:
            _row(store, summary)
        except StoreError as err:  # one unreadable session must not hide the others
            st.error(str(err))
