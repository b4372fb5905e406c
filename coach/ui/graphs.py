"""DOT sources for the two pictures of the Coach page: the value ladder and a small opportunity solution tree.

Pure functions over a session or a card; every label is escaped, so user text can never
break out of its quoted string or inject DOT attributes.
"""

from __future__ import annotations

import textwrap

from coach.engine.session import Session
from coach.models import OutcomeCard, Slot

UNKNOWN = "?"
_GRAPH = ('digraph {{\n  graph [rankdir={rankdir}, bgcolor="transparent", nodesep=0.25, ranksep=0.3];\n'
          '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=14, '
          'color="#8a8f98", fillcolor="#f4f6fa", fontcolor="#1f2430"];\n'
          '  edge [color="#8a8f98", fontname="Helvetica", fontsize=9, fontcolor="#555b66"];\n')


def dot_label(text: str, width: int = 30, max_lines: int = 12) -> str:
    """A quoted DOT label: wrapped, shortened, with quotes, backslashes and newlines escaped."""
    text = " ".join(str(text).split()) or UNKNOWN
    lines = textwrap.wrap(text, width=width) or [UNKNOWN]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 3].rstrip() + "..."
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    return '"' + "\\n".join(escaped) + '"'


def _node(name: str, label: str, fill: str = "", bold: bool = False) -> str:
    attrs = [f"label={label}"]
    if fill:
        attrs.append(f'fillcolor="{fill}"')
    if bold:
        attrs.append("penwidth=2")
    return f"  {name} [{', '.join(attrs)}];\n"


def ladder_steps(session: Session) -> list[tuple[str, str]]:
    """(rung name, text) from output to business outcome, from the card when done, else the slots."""
    card, s = session.card, session.filled
    if card is not None:
        behaviour = card.behavior + (f" (at: {card.value_moment})" if card.value_moment else "")
        return [("Output", card.output), ("Value", s(Slot.value) or card.who),
                ("Behaviour at the value moment", behaviour or card.product_outcome),
                ("Business outcome", card.business_outcome)]
    behaviour = s(Slot.behavior)
    if behaviour and s(Slot.value_moment):
        behaviour += f" (at: {s(Slot.value_moment)})"
    return [("Output", session.statement), ("Value", s(Slot.value)),
            ("Behaviour at the value moment", behaviour or s(Slot.value_moment)),
            ("Business outcome", s(Slot.business_link))]


def value_ladder_dot(session: Session) -> str:
    """Output -> value -> behaviour at the value moment -> business outcome; unknown rungs show '?'."""
    dot = _GRAPH.format(rankdir="TB")
    fills = ["#fdf1e1", "#eef3fb", "#e6f4ea", "#f1ecfa"]
    for i, (rung, text) in enumerate(ladder_steps(session)):
        known = bool(text.strip())
        dot += _node(f"n{i}", dot_label(f"{rung}: {text}" if known else f"{rung}: {UNKNOWN}"),
                     fill=fills[i] if known else "#ffffff", bold=i == 2 and known)
    # No edge labels: they make the browser's layout several times slower on every change.
    dot += "  n0 -> n1 -> n2 -> n3;\n"
    return dot + "}\n"


def opportunity_tree_dot(card: OutcomeCard) -> str:
    """The outcome, the bets that could move it (alternatives), and the riskiest assumptions with their tests.

    Drawn left to right, so it stays narrow enough for the card column.
    """
    dot = _GRAPH.format(rankdir="LR")
    dot += _node("outcome", dot_label(f"Outcome: {card.product_outcome}", 26), fill="#e6f4ea", bold=True)
    for i, alternative in enumerate(card.alternatives):
        dot += _node(f"s{i}", dot_label(f"Bet: {alternative}", 28), fill="#eef3fb")
        dot += f"  outcome -> s{i};\n"
    parent = "s0" if card.alternatives else "outcome"
    for i, item in enumerate(card.assumptions):
        text = dot_label(f"Assumption: {item.assumption}",
                         30)[:-1] + "\\n" + dot_label(f"Test: {item.test}", 30)[1:]
        dot += _node(f"a{i}", text, fill="#fdf1e1")
        dot += f"  {parent} -> a{i} [style=dashed];\n"
    return dot + "}\n"
