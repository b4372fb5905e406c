"""The seven traps in plain words, for the pages that show them (Practice, Workshop) and the row coach.

Names and one-line definitions follow the trap list of the coaching model, written in
the project's own words. No Streamlit here.
"""

from __future__ import annotations

from coach.models import Kind, Trap

#: What each trap is called on screen.
TRAP_NAMES: dict[Trap, str] = {
    Trap.output_in_disguise: "output in disguise",
    Trap.traction_metric: "traction metric",
    Trap.wrong_moment: "wrong moment",
    Trap.sentiment_only: "sentiment only",
    Trap.vanity_metric: "vanity metric",
    Trap.no_guardrail: "no guardrail",
    Trap.multiple_outcomes: "multiple outcomes",
}

#: One sentence per trap: what a statement caught by it does.
TRAP_DEFINITIONS: dict[Trap, str] = {
    Trap.output_in_disguise: "Reads like a metric but counts things made (reviews written, features "
                             "shipped), which can grow while nobody is better off.",
    Trap.traction_metric: "Counts use of one particular feature, not whether customers got done what they "
                          "came for.",
    Trap.wrong_moment: "Measures a step before customers get value: sign-ups instead of first value, "
                       "applications instead of hires.",
    Trap.sentiment_only: "Rests on a score of how people feel (NPS, CSAT) with no behaviour to steer by.",
    Trap.vanity_metric: "Counts reach or volume (views, followers, downloads) that need not lead to any "
                        "action.",
    Trap.no_guardrail: "Pushes usage or growth with nothing that says what must not get worse.",
    Trap.multiple_outcomes: "Packs several unrelated goals into one, so the team cannot tell which one to "
                            "move.",
}

#: What a row with no trap is, by kind, in plain words.
KIND_VERDICTS: dict[Kind, str] = {
    Kind.output: "an output: something to ship, not a change in what customers do",
    Kind.business_outcome: "a business result: lagging, the team cannot steer by it directly",
    Kind.product_outcome: "no trap: a customer behaviour",
}


def trap_name(trap: Trap | str) -> str:
    """'wrong_moment' -> 'wrong moment'."""
    return TRAP_NAMES[Trap(trap)]


def definition_lines() -> list[str]:
    """'**name**: definition' for every trap, in the coaching model's order."""
    return [f"**{TRAP_NAMES[t]}**: {TRAP_DEFINITIONS[t]}" for t in Trap]
