"""Sum a red-team round's grades (evals/transcripts/ROUND/grades-*.yaml) into the rubric table of
docs/quality.md.

    python evals/tools/rubric_table.py round1
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2] / "evals" / "transcripts"
CRITERIA = "abcdefgh"


def table(round_name: str) -> str:
    rows = []
    for path in sorted((ROOT / round_name).glob("grades-*.yaml")):
        rows.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    n = len(rows)
    lines = [f"{n} dialogues", "", "| criterion | passed | rate |", "| --- | --- | --- |"]
    for c in CRITERIA:
        passed = sum(1 for r in rows if (r.get("grades") or {}).get(c, {}).get("pass") is True)
        lines.append(f"| {c} | {passed}/{n} | {passed / n:.0%} |" if n else f"| {c} | 0/0 | - |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(sys.argv[1] if len(sys.argv) > 1 else "round1"))
