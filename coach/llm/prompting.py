"""Messages from the prompt files: a static system prefix first, then the variable part.

Each task prompt in `prompts/llm/` has a head and a body separated by a line
`=== input ===`. The system message is the shared `system.md` (with the canary) plus the
task's head, so it is identical on every call of that task and a provider can cache
it; the head may not use any variable. The body holds the variables and becomes the
user message. User text and passages always go in as delimited, escaped data.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from functools import cache

from coach.llm.structured import Message
from coach.models import Passage
from coach.prompts import Template, load_template

SPLIT = "\n=== input ===\n"
MAX_PASSAGE_CHARS = 1800


def escape(text: str) -> str:
    """Neutralise tags in data, so nothing inside a block can close it or open another."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(text: str) -> str:
    """An attribute value: escaped, with quotes too, so it cannot end the attribute and add another."""
    return escape(text).replace('"', "&quot;")


def unescape(text: str) -> str:
    return html.unescape(text)


def user_text(name: str, text: str) -> str:
    """User-typed text as a delimited, escaped block."""
    return f'<user_text name="{name}">\n{escape(text.strip())}\n</user_text>'


def data_block(tag: str, text: str) -> str:
    """Other data (a draft card, a reference question) as a delimited, escaped block."""
    return f"<{tag}>\n{escape(text.strip())}\n</{tag}>"


def passages_block(passages: Iterable[Passage]) -> str:
    """Retrieved passages, each delimited with its id; '(none)' when there are none."""
    blocks = []
    for p in passages:
        text = p.text
        if len(text) > MAX_PASSAGE_CHARS:
            text = text[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " ..."
        blocks.append(f'<passage id="{attribute(p.id)}" '
                      f'title="{attribute(p.title)}">\n{escape(text)}\n</passage>')
    return "\n".join(blocks) if blocks else "(no passages retrieved)"


@cache
def _parts(name: str) -> tuple[str, Template]:
    """(static head, body template) of a task prompt; the head must be variable-free."""
    template = load_template(name)
    head, sep, body = template.text.partition(SPLIT)
    if not sep:
        raise ValueError(f"prompt {name}: no '=== input ===' line between the static head and the input")
    static = Template(f"{name}:head", head, []).render()  # raises on any variable in the head
    return static.strip(), Template(name, body, template.variables)


def system_prompt(task: str, canary: str) -> str:
    """The static prefix of a task: shared rules (with the canary), then the task's own rules."""
    head, _ = _parts(task)
    return load_template("system").render(canary=canary).strip() + "\n\n" + head


def build(task: str, canary: str, values: Mapping[str, object]) -> list[Message]:
    """[system, user] messages for a task; MissingVariables if a value is missing."""
    _, body = _parts(task)
    return [("system", system_prompt(task, canary)), ("user", body.render(**values).strip())]
