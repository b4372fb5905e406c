"""Downloads of the app: a whole session as Markdown, and a reviewed backlog as CSV or Markdown.

The card itself is rendered by `coach.export` (shared with the CLI's `reframe --export`);
this module adds the transcript and the workshop table around it. No Streamlit here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from coach.engine.session import Session
from coach.export import card_json, card_markdown
from coach.models import Role
from coach.ui.backlog import Row

__all__ = ["card_json", "card_markdown", "rows_csv", "rows_markdown", "session_markdown"]

CSV_COLUMNS = ["line", "statement", "kind", "traps", "trap", "question", "draft", "duplicate_of",
               "product_outcome", "metric", "guardrail", "business_outcome", "outcome_type", "problem"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def session_markdown(session: Session) -> str:
    """The transcript, then the card when there is one."""
    c = session.classification
    lines = [f"# Coaching session {session.id}", "", f"**Statement:** {session.statement}", "",
             f"**Kind:** {c.kind.value}; **traps:** {', '.join(t.value for t in c.traps) or 'none'}", "",
             "## Transcript", ""]
    for turn in session.transcript:
        who = "Coach" if turn.role is Role.coach else "You"
        lines += [f"**{who}:** {turn.text}", ""]
        if turn.feedback:
            reason = f" ({turn.feedback_reason})" if turn.feedback_reason else ""
            lines += [f"_Feedback: {turn.feedback}{reason}_", ""]
    if session.card is not None:
        lines += ["---", "", card_markdown(session.card)]
    return "\n".join(lines)


def _cell(value: str) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is read as text."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def row_record(row: Row) -> dict[str, str]:
    """One reviewed row as flat strings (the table and the CSV share this)."""
    card, advice = row.card, row.advice
    return {
        "line": str(row.line),
        "statement": row.statement,
        "kind": f"{row.kind} (unsure)" if row.unsure else row.kind,
        "traps": ", ".join(row.traps),
        "trap": advice.trap if advice else "",
        "question": advice.question if advice else "",
        "draft": (advice.draft or "needs coaching") if advice else "",
        "duplicate_of": str(advice.duplicate_of) if advice and advice.duplicate_of is not None else "",
        "product_outcome": card.product_outcome if card else "",
        "metric": card.metric.name if card else "",
        "guardrail": card.guardrail if card else "",
        "business_outcome": card.business_outcome if card else "",
        "outcome_type": card.outcome_type if card else "",
        "problem": row.problem,
    }


def rows_csv(rows: Sequence[Row]) -> bytes:
    """The reviewed backlog as CSV (UTF-8 with a byte-order mark, so spreadsheets read it right)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row_record(row).items()})
    return out.getvalue().encode("utf-8-sig")


def rows_markdown(rows: Sequence[Row]) -> str:
    """The reviewed backlog: one section per row (trap, question, draft and card), problems listed at the
    end."""
    good = [r for r in rows if r.advice is not None]
    bad = [r for r in rows if r.advice is None]
    drafted = sum(1 for r in good if r.card is not None)
    lines = ["# Backlog review", "",
             f"{len(good)} statements reviewed ({drafted} drafted, {len(good) - drafted} "
             f"need coaching), {len(bad)} skipped.", ""]
    for row in good:
        advice = row.advice
        assert advice is not None
        traps = ", ".join(row.traps) or "none"
        lines += [f"## Line {row.line}: {row.statement}", "", f"**Kind:** {row.kind}; **traps:** {traps}", "",
                  f"**Trap:** {advice.trap}. {advice.why}", "", f"**Ask:** {advice.question}", ""]
        if advice.duplicate_of is not None:
            lines += [f"_Repeats line {advice.duplicate_of}._", ""]
        if row.card is not None:
            lines += [card_markdown(row.card).replace("# Outcome card", "### Outcome card", 1), ""]
        else:
            lines += [f"**Needs coaching.** {advice.reason}", ""]
    if bad:
        lines += ["## Skipped lines", ""] + [f"- Line {r.line}: {r.problem}" for r in bad] + [""]
    return "\n".join(lines)
