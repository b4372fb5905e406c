"""How long the Workshop takes to read a backlog, and how many distinct drafts and questions it gives.

    python -m benchmarks.bench_workshop [backlog.csv]

Prints one line per method: the row coach the page uses now, and the older way (a whole
coaching session drafted per row with `Coach.start` + `Coach.finish`) for comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from coach.engine.protocol import Coach
from coach.ui.backlog import from_csv, review

DEFAULT = Path(__file__).resolve().parents[1] / "tests" / "data" / "workshop_backlog.csv"


def main(argv: list[str] | None = None) -> None:
    path = Path((argv or sys.argv[1:] or [str(DEFAULT)])[0])
    statements = [text for _, text in from_csv(path.read_bytes()).statements]
    review(from_csv(b"statement\nwarm up the classifier and the encoder\nsecond row\n"))
    began = time.perf_counter()
    rows = review(from_csv(path.read_bytes()))
    now = time.perf_counter() - began
    drafts = [r.advice.draft for r in rows if r.advice and r.advice.draft]
    questions = {r.advice.question for r in rows if r.advice}
    repeats = sum(1 for r in rows if r.advice and r.advice.duplicate_of is not None)
    print(f"{path.name}: {len(statements)} rows")
    print(f"row coach (now):             {now:6.2f} s  drafts {len(drafts)} ({len(set(drafts))} distinct), "
          f"questions {len(questions)} distinct, duplicates flagged {repeats}")
    coach, began = Coach(), time.perf_counter()
    cards = []
    for text in statements:
        session = coach.start(text)
        coach.finish(session)
        cards.append(session.card.product_outcome)
    print(f"session per row (before):    {time.perf_counter() - began:6.2f} s  drafts {len(cards)} "
          f"({len(set(cards))} distinct), no question, no duplicate check")


if __name__ == "__main__":
    main()
