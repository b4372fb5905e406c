"""Prompt templates as files: `prompts/llm/*.md` for the model, `prompts/offline/*.yaml` for the offline
writer.

The folder is found by `coach.resources` (shipped in the wheel, or the repository's own).

An LLM template starts with front matter naming its variables and is loaded as a LangChain
`PromptTemplate` (f-string syntax: `{name}` is a variable, `{{` a literal brace). Rendering
fails loudly when a variable is missing or undeclared, so a template and its caller cannot
drift apart.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from coach.resources import prompts_dir

if TYPE_CHECKING:  # imported lazily: the offline engine reads only the YAML phrase banks
    from langchain_core.prompts import PromptTemplate

PROMPTS_DIR: Path = prompts_dir()


class MissingVariables(KeyError):
    """A template was rendered without all of its declared variables."""


class Template:
    """A prompt file with declared variables, rendered by a LangChain `PromptTemplate`."""

    def __init__(self, name: str, text: str, variables: list[str]):
        from langchain_core.prompts import PromptTemplate

        self.name, self.text, self.variables = name, text, list(variables)
        self.prompt: PromptTemplate = PromptTemplate.from_template(text)
        undeclared = set(self.prompt.input_variables) - set(self.variables)
        if undeclared:
            raise ValueError(f"prompt {name}: undeclared variables {sorted(undeclared)}")

    def render(self, **values: object) -> str:
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise MissingVariables(f"prompt {self.name} needs {missing}")
        return self.prompt.format(**{v: values[v] for v in self.prompt.input_variables})


@cache
def load_template(name: str) -> Template:
    """Load `prompts/llm/NAME.md`."""
    raw = (PROMPTS_DIR / "llm" / f"{name}.md").read_text(encoding="utf-8")
    variables: list[str] = []
    if raw.startswith("---\n"):
        head, _, raw = raw[4:].partition("\n---\n")
        variables = list((yaml.safe_load(head) or {}).get("variables", []))
    return Template(name, raw.strip() + "\n", variables)


@cache
def load_offline(name: str) -> dict:
    """Load the phrase bank `prompts/offline/NAME.yaml`."""
    return yaml.safe_load((PROMPTS_DIR / "offline" / f"{name}.yaml").read_text(encoding="utf-8"))
