"""The Workshop page: a whole backlog at once, each statement labelled with a draft outcome card.

Paste a list or upload a CSV; problems with the input are reported and every good row
is still reviewed. The table and its downloads (CSV, Markdown) are for a team to go
through together.
"""

from __future__ import annotations

import streamlit as st

from coach.ui import services
from coach.ui.backlog import MAX_ROWS, Backlog, from_csv, from_text, review
from coach.ui.export import row_record, rows_csv, rows_markdown
from coach.ui.view import plain


def _run(backlog: Backlog) -> None:
    """Review a backlog with a progress bar and keep the result for this browser tab."""
    rows = []
    if backlog.statements:
        bar = st.progress(0.0, text="Drafting cards...")
        rows = review(backlog, services.drafting_coach(),
                      progress=lambda done, total: bar.progress(done / total, text=f"Drafted {done} of {total}"))
        bar.empty()
    st.session_state["workshop"] = (backlog, rows)


def _inputs() -> None:
    paste, upload = st.tabs(["Paste a list", "Upload a CSV"])
    with paste:
        text = st.text_area("One statement per line", height=180, key="workshop_text",
                            placeholder="Deliver an Android app\nIncrease NPS to 50\nGrow ARR by 20%")
        if st.button("Review the list"):
            _run(from_text(text or ""))
    with upload:
        st.caption(f"A column named statement, item, title or feature (else the first text column); "
                   f"up to {MAX_ROWS} rows and 2 MB.")
        file = st.file_uploader("Backlog file", type=["csv", "txt"], key="workshop_file")
        if st.button("Review the file", disabled=file is None) and file is not None:
            _run(from_csv(file.getvalue()))


def _results() -> None:
    if "workshop" not in st.session_state:
        return
    backlog, rows = st.session_state["workshop"]
    if backlog.error:
        st.error(backlog.error)
    for notice in backlog.notices:
        st.warning(notice)
    if not rows:
        return
    bad = [r for r in rows if r.card is None]
    first, second = st.columns(2)
    first.metric("Statements reviewed", len(rows) - len(bad))
    second.metric("Skipped", len(bad))
    if bad:
        with st.expander(f"{len(bad)} line{'s' if len(bad) > 1 else ''} could not be reviewed", expanded=True):
            st.markdown("\n".join(f"- Line {r.line}: {plain(r.problem)}" for r in bad))
    st.dataframe([row_record(r) for r in rows if r.card is not None], hide_index=True, width="stretch",
                 column_config={"line": "Line", "statement": "Statement", "kind": "Kind", "traps": "Traps",
                                "product_outcome": "Product outcome", "metric": "Metric",
                                "guardrail": "Guardrail", "business_outcome": "Business outcome",
                                "outcome_type": "Type", "problem": None})
    left, right, _ = st.columns([1, 1, 2])
    left.download_button("Download CSV", rows_csv(rows), file_name="backlog-review.csv", mime="text/csv",
                         on_click="ignore")
    right.download_button("Download Markdown", rows_markdown(rows), file_name="backlog-review.md",
                          mime="text/markdown", on_click="ignore")


def page() -> None:
    """Render the Workshop page."""
    st.title("Workshop")
    _inputs()
    _results()
