"""View helpers shared by the pages: safe text rendering, passages, the card and the error boundary.

User text (and anything quoting it) goes through `plain()` before `st.markdown`, so it
shows as typed: no links, images, HTML, LaTeX or colour directives. Nothing here
uses `unsafe_allow_html`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from coach.models import OutcomeCard, Passage, Slot

log = logging.getLogger("coach.ui")

SLOT_LABELS: dict[Slot, str] = {
    Slot.value: "Value",
    Slot.success: "Success looks like",
    Slot.who: "Who",
    Slot.behavior: "Behaviour",
    Slot.value_moment: "Value moment",
    Slot.metric: "Metric",
    Slot.guardrail: "Guardrail",
    Slot.business_link: "Business outcome it leads",
    Slot.confidence: "Learning or performance",
}
ORIGIN_LABELS = {"user": "from you", "statement": "from your statement", "inferred": "inferred",
                 "assumed": "assumed"}
CHECK_LABELS = {
    "behavior_change": "Measures a behaviour change",
    "needs_customer_value": "Cannot be hit without helping customers",
    "not_single_feature": "Not the adoption of a single feature",
    "has_counter_metric": "Has a counter-metric",
}
# Material icons ship with Streamlit's own font, so they show where no emoji font is installed.
PASS, FAIL = ":green[:material/check_circle:] **Pass** -", ":red[:material/cancel:] **Fail** -"
GENERIC_ERROR = ("Something went wrong on this page. Your saved sessions are safe; "
                 "reload the page to continue.")

# Streamlit keeps a button label on one line and cuts it with an ellipsis in a narrow column; let it wrap
# instead.
BUTTON_LABELS_WRAP = """<style>
button[data-testid^="stBaseButton"] { height: auto; min-height: 2.5rem; }
button[data-testid^="stBaseButton"] * { white-space: normal !important; text-overflow: clip !important;
  overflow: visible !important; overflow-wrap: normal; word-break: normal; }
</style>"""

_ALL_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|$~:=^])")
_NOT_BOLD = re.compile(r"([\\`_{}\[\]()<>#+\-.!|$~:=^])")


def plain(text: str) -> str:
    """Markdown that shows `text` exactly as typed (every markdown character escaped)."""
    return _ALL_SPECIALS.sub(r"\\\1", str(text)).replace("\n", "  \n")


def coach_text(text: str) -> str:
    """A coach message as markdown: its **bold** is kept, everything else (it quotes the user) is escaped."""
    return _NOT_BOLD.sub(r"\\\1", str(text)).replace("\n", "  \n")


def passage_body(passage: Passage) -> str:
    """The passage text without its 'Title - Section' heading line."""
    head, _, body = passage.text.partition("\n")
    return body.strip() if body and head.startswith(passage.title) else passage.text.strip()


def show_passage(passage: Passage) -> None:
    """Title and section in bold, then the text as plain text."""
    section = f" - {passage.section}" if passage.section and passage.section != "Summary" else ""
    st.markdown(f"**{plain(passage.title + section)}** ({plain(passage.id)})")
    st.text(passage_body(passage))


def show_card(card: OutcomeCard) -> None:
    """The finished outcome card, every field rendered as plain text."""
    st.markdown(f"**Product outcome**  \n{plain(card.product_outcome)}")
    m = card.metric
    rows = [("Who", card.who), ("Behaviour", card.behavior),
            ("Value moment", card.value_moment or "to confirm"), ("Metric", m.name),
            ("Definition", m.definition), ("Baseline", m.baseline), ("Target", m.target),
            ("Time frame", m.time_frame), ("Guardrail", card.guardrail),
            ("Business outcome", card.business_outcome), ("Outcome type", card.outcome_type)]
    st.markdown("\n".join(f"- **{label}:** {plain(value)}" for label, value in rows))
    st.markdown(f"**OKR** - {plain(card.okr.objective)}")
    st.markdown("\n".join(f"{i}. {plain(kr)}" for i, kr in enumerate(card.okr.key_results, 1)))
    st.markdown("**Self-checks**")
    st.markdown("\n".join(
        f"- {PASS if c.passed else FAIL} {CHECK_LABELS.get(c.name, c.name)}: {plain(c.reason)}"
        for c in card.checks))
    if card.assumed_slots:
        st.caption("Filled by assumption: " + ", ".join(SLOT_LABELS[s] for s in card.assumed_slots))


@contextmanager
def error_boundary(message: str = GENERIC_ERROR) -> Iterator[None]:
    """Show a short message instead of a traceback; the details go to the server log."""
    try:
        yield
    except Exception:  # st.rerun/st.stop raise BaseException and pass through
        log.exception("page failed")
        st.error(message)
