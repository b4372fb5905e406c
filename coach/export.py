"""The outcome card as Markdown or JSON, for downloads and `coach reframe --export`."""

from __future__ import annotations

import json
from pathlib import Path

from coach.models import OutcomeCard


def card_json(card: OutcomeCard) -> str:
    return json.dumps(card.model_dump(mode="json"), indent=2, ensure_ascii=False)


def card_markdown(card: OutcomeCard) -> str:
    """A readable card: outcome first, then how it is measured, then the bets and checks."""
    m = card.metric
    lines = [
        "# Outcome card", "",
        f"**Output (where we started):** {card.output}", "",
        f"**Product outcome:** {card.product_outcome}", "",
        f"- **Who:** {card.who}",
        f"- **Behaviour:** {card.behavior}",
        f"- **Value moment:** {card.value_moment or 'to confirm'}",
        f"- **Outcome type:** {card.outcome_type}", "",
        "## Metric", "",
        f"- **Name:** {m.name}",
        f"- **Definition:** {m.definition}",
        f"- **Baseline:** {m.baseline}",
        f"- **Target:** {m.target}",
        f"- **Time frame:** {m.time_frame}",
        f"- **Guardrail:** {card.guardrail}",
        f"- **Business outcome it leads:** {card.business_outcome}", "",
        "## OKR", "", f"**Objective:** {card.okr.objective}", "",
        *[f"- KR{i}: {kr}" for i, kr in enumerate(card.okr.key_results, 1)], "",
        "## Alternatives (other bets on the same outcome)", "",
        *[f"- {a}" for a in card.alternatives], "",
        "## Riskiest assumptions", "",
        *[f"- {a.assumption} (test: {a.test})" for a in card.assumptions], "",
        "## Self-checks", "",
        *[f"- [{'x' if c.passed else ' '}] {c.name}: {c.reason}" for c in card.checks], "",
    ]
    if card.assumed_slots:
        lines += [f"_Filled by assumption: {', '.join(s.value for s in card.assumed_slots)}._", ""]
    if card.sources:
        lines += [f"Sources: {', '.join(card.sources)}", ""]
    return "\n".join(lines)


def write_card(card: OutcomeCard | None, path: Path) -> None:
    """Write the card to PATH; the suffix (.md or .json) picks the format."""
    if card is None:
        raise ValueError("there is no card to export yet")
    suffix = path.suffix.lower()
    if suffix not in (".md", ".json"):
        raise ValueError(f"export to .md or .json, not {suffix or 'a file without suffix'}")
    path.write_text(card_json(card) if suffix == ".json" else card_markdown(card), encoding="utf-8")
