"""Reading a backlog for the Workshop page (a pasted list or a CSV file) and coaching each row.

Reading never gives up on the whole file for one bad row: problems become notices or
per-row messages, and every good row is still reviewed. No Streamlit here.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from coach.engine.classifier import classify
from coach.engine.protocol import UNSURE, Coach
from coach.engine.rowcoach import RowAdvice, advise, duplicates
from coach.models import Classification, OutcomeCard
from coach.textinput import InputError, clean_text, looks_like_words

log = logging.getLogger("coach.ui")

MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024
COLUMN_NAMES = ("statement", "item", "title", "feature")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+")
# : Writes a row's draft with a model: (statement, verdict, offline advice) -> advice; returns the offline one
# on failure.
RowDrafter = Callable[[str, Classification, RowAdvice], RowAdvice]


@dataclass
class Backlog:
    """Statements read from the input as (line or row number, text), and what the reader noticed."""

    statements: list[tuple[int, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class Row:
    """One reviewed statement: its labels, advice and draft card (drafted rows only), or the problem that
    stopped it."""

    line: int
    statement: str
    kind: str = ""
    traps: list[str] = field(default_factory=list)
    unsure: bool = False  # the classifier's confidence is low: a person should look at the kind first
    card: OutcomeCard | None = None
    problem: str = ""
    advice: RowAdvice | None = None  # the trap, the question and the draft (or why it needs coaching)


def _cap(backlog: Backlog, what: str) -> Backlog:
    if len(backlog.statements) > MAX_ROWS:
        backlog.notices.append(f"The {what} has {len(backlog.statements):,} statements; only the first "
                               f"{MAX_ROWS} were reviewed. Split it to review the rest.")
        backlog.statements = backlog.statements[:MAX_ROWS]
    return backlog


def _skipped(backlog: Backlog, empty: int, what: str) -> None:
    if empty:
        backlog.notices.append(f"Skipped {empty} empty {what}{'s' if empty > 1 else ''}.")


def from_text(text: str) -> Backlog:
    """One statement per line; list bullets are dropped, empty lines skipped."""
    backlog = Backlog()
    if len(text) > MAX_BYTES:
        text = text[:MAX_BYTES].rsplit("\n", 1)[0]
        backlog.notices.append("The list is longer than 2 MB; only its beginning was read.")
    empty = 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = _BULLET.sub("", line).strip()
        if line:
            backlog.statements.append((number, line))
        else:
            empty += 1
    if not backlog.statements:
        backlog.error = "The list is empty: paste one statement per line."
        return backlog
    _skipped(backlog, empty, "line")
    return _cap(backlog, "list")


def decode(data: bytes) -> tuple[str, str]:
    """Text of an uploaded file and a notice: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), ""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), ""
    if b"\x00" in data[:8192]:
        raise InputError("This file is not text (is it an Excel workbook?). Save it as CSV and upload that.")
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("latin-1"), ("The file is not UTF-8, so it was read as Latin-1: "
                                        "check accented letters in the results.")


def _pick_column(header: list[str], rows: list[list[str]]) -> tuple[int | None, str]:
    """The statement column by name, else the first column that mostly holds words."""
    names = [h.strip().lower() for h in header]
    for wanted in COLUMN_NAMES:
        for i, name in enumerate(names):
            if name in (wanted, wanted + "s"):
                return i, ""
    for i, name in enumerate(header):
        values = [r[i].strip() for r in rows[:50] if i < len(r) and r[i].strip()]
        if values and sum(looks_like_words(v) for v in values) * 2 > len(values):
            shown = name.strip() or f"column {i + 1}"
            return i, (f"No column is named statement, item, title or feature, so the first text column "
                       f"(\u201c{shown}\u201d) was used.")
    return None, ""


def from_csv(data: bytes) -> Backlog:
    """Statements from a CSV backlog, with a notice for each thing that was off."""
    backlog = Backlog()
    if len(data) > MAX_BYTES:
        size, cut = len(data), data[:MAX_BYTES]
        data = cut[: cut.rfind(b"\n") + 1] or cut
        backlog.notices.append(f"The file is {size / 1e6:.1f} MB; only the first 2 MB were read.")
    try:
        text, notice = decode(data)
    except InputError as err:
        backlog.error = str(err)
        return backlog
    if notice:
        backlog.notices.append(notice)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO(text), dialect))
    except csv.Error as err:
        backlog.notices.append(f"The file could not be read past row {len(rows) + 1} ({err}); "
                               "the rows before it were reviewed.")
    numbered = [(n, r) for n, r in enumerate(rows, start=1)]
    while numbered and not any(cell.strip() for cell in numbered[0][1]):
        numbered.pop(0)
    if not numbered:
        backlog.error = "The file is empty."
        return backlog
    header, body = numbered[0][1], numbered[1:]
    column, notice = _pick_column(header, [r for _, r in body])
    if len(header) == 1 and column is not None and notice and len(header[0].split()) >= 3:
        body, notice = numbered, "The file has no header row, so every line was read as a statement."
    if column is None:
        backlog.error = ("No column with statements was found. Name the column 'statement' "
                         "(or item, title, feature) and upload the file again.")
        return backlog
    if notice:
        backlog.notices.append(notice)
    empty = 0
    for number, row in body:
        value = row[column].strip() if column < len(row) else ""
        if value:
            backlog.statements.append((number, value))
        else:
            empty += 1
    _skipped(backlog, empty, "row")
    if not backlog.statements:
        backlog.error = "No statements found in the chosen column."
    return _cap(backlog, "file")


def _embeddings(texts: list[str]):  # noqa: ANN202 - numpy array or None
    """MiniLM vectors of the statements, or None when the encoder is not installed (then exact repeats
    only)."""
    try:
        from coach.minilm import encode

        return encode(texts)
    except Exception:  # noqa: BLE001 - near-duplicates are a help, not a reason to stop the workshop
        log.warning("no embeddings for near-duplicates", exc_info=True)
        return None


def flag_duplicates(rows: list[Row]) -> None:
    """Mark rows that repeat an earlier one (same normalised text, or a rewording by embedding similarity)."""
    good = [r for r in rows if r.advice is not None]
    texts = [r.statement for r in good]
    for index, (earlier, similarity) in duplicates(texts,
                                                   _embeddings(texts) if len(texts) > 1 else None).items():
        row, first = good[index], good[earlier]
        advice = row.advice
        assert advice is not None
        advice.duplicate_of, advice.similarity = first.line, similarity
        if similarity >= 1.0:  # the same row twice: one discussion, not two identical drafts
            advice.question = f"Same as line {first.line}: merge the two rows, then coach that one."
            advice.draft, advice.card, row.card = "", None, None
            advice.reason = f"Duplicate of line {first.line}."


def review(backlog: Backlog, coach: Coach | None = None, progress: Callable[[int, int], object] | None = None,
           drafter: RowDrafter | None = None) -> list[Row]:
    """Kind, traps, the question and a draft where there is enough, per statement; duplicates flagged.

    `drafter` (the LLM engine's) may write a row's draft; any failure keeps the offline advice for that row.
    `coach` is accepted for callers of the older signature and not needed.
    """
    rows: list[Row] = []
    total = len(backlog.statements)
    for i, (number, raw) in enumerate(backlog.statements):
        row = Row(line=number, statement=raw[:200])
        try:
            text = clean_text(raw)
            row.statement = text
            if not looks_like_words(text):
                raise InputError("This line has no words to review.")
            verdict = classify(text)
            row.kind = verdict.kind.value
            row.traps = [t.value for t in verdict.traps]
            row.unsure = verdict.confidence is not None and verdict.confidence < UNSURE
            row.advice = advise(text, verdict)
            if drafter is not None:
                row.advice = drafter(text, verdict, row.advice)
            row.card = row.advice.card
        except InputError as err:
            row.problem = str(err)
        except Exception:  # one row must not stop the workshop
            log.exception("review failed for line %s", number)
            row.problem = "This line could not be reviewed."
        rows.append(row)
        if progress:
            progress(i + 1, total)
    flag_duplicates(rows)
    return rows
