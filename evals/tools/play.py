"""Play a coaching dialogue one answer at a time, as a person would: for red-team rounds.

    python evals/tools/play.py new  ROUND/NAME "the statement"   # prints the coach's first message
    python evals/tools/play.py say  ROUND/NAME "your answer"     # prints the coach's next message
    python evals/tools/play.py show ROUND/NAME                   # the transcript so far, as Markdown

Only what a user sees is printed: the coach's words, and the outcome card once it is drawn.
Sessions are kept as JSON under evals/transcripts/ROUND/NAME.json, with a Markdown copy beside.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = ROOT / "evals" / "transcripts"


def _paths(name: str) -> tuple[Path, Path]:
    base = TRANSCRIPTS / name
    base.parent.mkdir(parents=True, exist_ok=True)
    return base.with_suffix(".json"), base.with_suffix(".md")


def card_text(card) -> str:
    """The card as a user sees it."""
    m = card.metric
    lines = [
        "---- OUTCOME CARD ----",
        f"Output (what you came with): {card.output}",
        f"Product outcome: {card.product_outcome}",
        f"Who: {card.who}",
        f"Behaviour: {card.behavior}",
        f"Value moment: {card.value_moment}",
        f"Metric: {m.name}. Definition: {m.definition}. Baseline: {m.baseline}. Target: {m.target}. "
        f"Time frame: {m.time_frame}",
        f"Guardrail: {card.guardrail}",
        f"Business outcome: {card.business_outcome}",
        f"Outcome type: {card.outcome_type}",
        f"OKR objective: {card.okr.objective}",
        *[f"  KR: {kr}" for kr in card.okr.key_results],
        "Alternatives: " + "; ".join(card.alternatives),
        *[f"Assumption: {a.assumption} (test: {a.test})" for a in card.assumptions],
        *[f"Check {c.name}: {'pass' if c.passed else 'FAIL'} ({c.reason})" for c in card.checks],
        "----------------------",
    ]
    return "\n".join(lines)


def transcript_md(session) -> str:
    out = [f"# {session.statement}", ""]
    for turn in session.transcript:
        who = "Coach" if turn.role.value == "coach" else "PM"
        out.append(f"**{who}:** {turn.text}")
        out.append("")
    if session.card is not None:
        out += ["```", card_text(session.card), "```", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"new", "say", "show"}:
        print(__doc__)
        return 2
    from coach.engine.session import Session
    from coach.service import make_coach
    from coach.settings import get_settings

    verb, name = argv[0], argv[1]
    json_path, md_path = _paths(name)
    if verb == "show":
        session = Session.model_validate_json(json_path.read_text(encoding="utf-8"))
        print(transcript_md(session))
        return 0
    if len(argv) < 3:
        print("missing text", file=sys.stderr)
        return 2
    coach, _ = make_coach(get_settings())
    had_card = False
    if verb == "new":
        session = coach.start(argv[2])
        turn = session.transcript[-1]
    else:
        if not json_path.exists():
            print(f"no dialogue {name}; start it with: new {name} \"statement\"", file=sys.stderr)
            return 2
        session = Session.model_validate_json(json_path.read_text(encoding="utf-8"))
        had_card = session.card is not None
        turn = coach.reply(session, argv[2])
    json_path.write_text(session.model_dump_json(indent=1), encoding="utf-8")
    md_path.write_text(transcript_md(session), encoding="utf-8")
    print(f"COACH: {turn.text}")
    if session.card is not None and not had_card:
        print(card_text(session.card))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
