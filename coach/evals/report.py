"""The Markdown report of an eval run: the summary, then every failing case."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from coach.evals.runner import EvalResult


def render(result: EvalResult, title: str) -> str:
    lines = [f"# Eval report: {title}", "", f"_{datetime.now().isoformat(timespec='seconds')}_", "",
             "```", result.summary_table(), "```", ""]
    failing = [c for c in result.cases if c.get("passed") is False]
    lines += [f"## Failing cases ({len(failing)})", ""]
    for c in failing:
        lines.append(f"### {c['id']} ({c['type']})")
        if c["type"] == "retrieval":
            lines += [f"- question: {c['question']}", f"- got: {', '.join(c['got'])}", ""]
            continue
        lines += [f"- statement: {c['statement']}", f"- expected: {c.get('expected')}",
                  f"- got: {c.get('got')}",
                  f"- explanation: {c.get('explanation', '')}"]
        if "card_checks" in c:
            failed = [f"{k} ({c['card_reasons'].get(k, '')})" for k, v in c["card_checks"].items() if not v]
            lines += [f"- failed card checks: {'; '.join(failed) or 'none'}; turns: {c['turns']}",
                      f"- outcome: {c.get('outcome')}", "- transcript:"]
            lines += [f"    - {line}" for line in c.get("transcript", [])]
        lines.append("")
    return "\n".join(lines)


def write_report(result: EvalResult, folder: Path, name: str) -> Path:
    """Write reports/eval-NAME.md and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"eval-{name}.md"
    path.write_text(render(result, name), encoding="utf-8")
    return path
