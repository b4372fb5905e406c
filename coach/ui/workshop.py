"""The Workshop page: a whole backlog at once, each row coached on its own.

Paste a list or upload a CSV; problems with the input are reported and every good row
is still reviewed. Each row shows its trap in plain words, the one question to ask, and
a draft outcome where the row holds enough (its card one click away), else a button
that opens the Coach on that row. Built to be read from a projector: text wraps, and
the columns fit a 1400-pixel screen. The whole table and the downloads follow.
"""

from __future__ import annotations

import streamlit as st

from coach.ui import services
from coach.ui.backlog import MAX_ROWS, Backlog, Row, from_csv, from_text, review
from coach.ui.export import row_record, rows_csv, rows_markdown
from coach.ui.view import plain, show_card

COACH_PAGE = "coach/ui/pages/coach.py"
PAGE_ROWS = 30
WIDTHS = [0.6, 2.1, 1.3, 2.5, 2.5, 1.2]  # line, statement, trap, question, draft, action


def _drafter():  # noqa: ANN202 - a RowDrafter or None
    """The LLM engine's row drafter when that engine is configured, else None (offline advice only)."""
    try:
        from coach.ui.rowllm import llm_drafter

        return llm_drafter(services.settings())
    # noqa: BLE001 - no LLM layer or bad settings: the offline advice is complete on its own
    except Exception:
        return None


def _run(backlog: Backlog) -> None:
    """Review a backlog with a progress bar and keep the result for this browser tab."""
    rows = []
    if backlog.statements:
        bar = st.progress(0.0, text="Reading each row...")
        rows = review(backlog, progress=lambda done, total: bar.progress(done / total,
                                                                         text=f"Read {done} of {total}"),
                      drafter=_drafter())
        bar.empty()
    st.session_state["workshop"] = (backlog, rows)
    st.session_state["workshop_from"] = 0


def open_in_coach(statement: str) -> None:
    """Hand a row's statement to the Coach page, which starts a fresh session on it."""
    from coach.ui.coaching import remember

    remember(None)  # a new session, not the one this tab had open
    st.session_state["chat_text"] = statement
    st.switch_page(COACH_PAGE)


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


def _header() -> None:
    for column, title in zip(st.columns(WIDTHS), ["Line", "Statement", "Trap", "The question to ask",
                                                  "Draft outcome", ""], strict=True):
        column.markdown(f"**{title}**" if title else "")


def _row(row: Row) -> None:
    advice = row.advice
    assert advice is not None
    with st.container(border=True):
        line, statement, trap, question, draft, action = st.columns(WIDTHS)
        line.markdown(f"**{row.line}**")
        statement.markdown(plain(row.statement))
        if advice.duplicate_of is not None:
            what = "Duplicate" if advice.similarity >= 1.0 \
                else f"Near-duplicate ({advice.similarity:.0%} alike)"
            statement.warning(f"{what} of line {advice.duplicate_of}", icon=":material/content_copy:")
        trap.markdown(f"**{plain(advice.trap)}**" + (" (unsure)" if row.unsure else ""))
        trap.caption(plain(advice.why))
        question.markdown(plain(advice.question))
        if advice.draft:
            draft.markdown(plain(advice.draft))
            with action.popover("Card", width="stretch"):
                show_card(advice.card) if advice.card else st.caption("No card for this row.")
                if st.button("Refine in the Coach", key=f"refine-{row.line}"):
                    open_in_coach(row.statement)
        else:
            draft.markdown("**Needs coaching.** " + plain(advice.reason))
            if action.button("Coach this row", key=f"coach-{row.line}", width="stretch"):
                open_in_coach(row.statement)
        if advice.notice:
            st.caption(plain(advice.notice))


def _grid(rows: list[Row]) -> None:
    """The rows, PAGE_ROWS at a time, as wrapped text in columns that fit a projector."""
    if len(rows) > PAGE_ROWS:
        starts = list(range(0, len(rows), PAGE_ROWS))
        start = st.selectbox("Rows", starts, key="workshop_from",
                             format_func=lambda s: f"{s + 1} to {min(s + PAGE_ROWS, len(rows))} of "
                                                   f"{len(rows)}")
    else:
        start = 0
    _header()
    for row in rows[start:start + PAGE_ROWS]:
        _row(row)


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
    bad = [r for r in rows if r.advice is None]
    good = [r for r in rows if r.advice is not None]
    drafted = [r for r in good if r.advice.draft]
    repeats = [r for r in good if r.advice.duplicate_of is not None]
    for column, (label, value) in zip(st.columns(5),
                                      [("Statements reviewed", len(good)), ("Drafted", len(drafted)),
                                       ("Need coaching", len(good) - len(drafted)),
                                       ("Duplicates", len(repeats)), ("Skipped", len(bad))],
                                                      strict=True):
        column.metric(label, value)
    if bad:
        with st.expander(f"{len(bad)} line{'s' if len(bad) > 1 else ''} could not be reviewed",
                         expanded=True):
            st.markdown("\n".join(f"- Line {r.line}: {plain(r.problem)}" for r in bad))
    if not good:
        return
    _grid(good)
    with st.expander("The whole table (sortable)"):
        st.dataframe([row_record(r) for r in good], hide_index=True, width="stretch",
                     column_config={"line": "Line", "statement": "Statement", "kind": "Kind",
                                    "traps": "Traps", "trap": "Trap", "question": "Question",
                                    "draft": "Draft outcome", "duplicate_of": "Duplicate of",
                                    "product_outcome": None, "metric": "Metric", "guardrail": "Guardrail",
                                    "business_outcome": None, "outcome_type": None, "problem": None})
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
