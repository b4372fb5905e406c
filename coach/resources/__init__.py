"""Where the coach's data folders are found at run time: `prompts/`, `knowledge/` and `evals/`.

They stay at the top of the repository, where people look for them. The wheel ships them
inside this package (`coach/resources/prompts/...`, mapped in setup.py), so an installed coach
reads them through importlib.resources from any working directory. A source checkout or an
editable install has no copies here, and uses the repository's own folders instead.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

Folder = Literal["prompts", "knowledge", "evals"]
SOURCE_ROOT = Path(__file__).resolve().parents[2]


class MissingResource(FileNotFoundError):
    """A data folder is neither shipped in the package nor present in a source checkout."""


def folder(name: Folder) -> Path:
    """The folder `name`: the copy shipped in the wheel, else the repository's own."""
    shipped = files(__name__) / name
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    source = SOURCE_ROOT / name
    if source.is_dir():
        return source
    raise MissingResource(f"the {name}/ folder is not installed with coach; reinstall the package")


def prompts_dir() -> Path:
    return folder("prompts")


def knowledge_dir() -> Path:
    return folder("knowledge")


def thresholds_file() -> Path:
    """The eval gate's floors, `evals/thresholds.yaml`."""
    return folder("evals") / "thresholds.yaml"


def dev_cases_dir() -> Path:
    """The regression split of the example cases, `evals/cases/dev` (the practice drills draw on it)."""
    return folder("evals") / "cases" / "dev"
