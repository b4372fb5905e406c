"""Example cases (coaching-model.md section 5): loading and telling their types apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CaseDict = dict[str, Any]


def case_type(case: CaseDict) -> str:
    """'retrieval', 'dialogue' or 'classification', from the fields a case states."""
    if "question" in case:
        return "retrieval"
    if "persona" in case or "card" in case:
        return "dialogue"
    return "classification"


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
    if path.is_file():
        return [path]
    raise ValueError(f"no case file or folder at {path}")


def load_cases(path: Path) -> list[CaseDict]:
    """Every case in a file or a folder of YAML lists; a clear error names the file at fault."""
    cases: list[CaseDict] = []
    for file in _files(Path(path)):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise ValueError(f"{file}: not valid YAML ({err.__class__.__name__})") from None
        if data is None:
            continue
        if not isinstance(data, list):
            raise ValueError(f"{file}: a case file holds a YAML list of cases")
        for i, case in enumerate(data):
            if not isinstance(case,
                              dict) or "id" not in case or not ("statement" in case or "question" in case):
                raise ValueError(f"{file}: case {i + 1} needs an id and a statement (or a question)")
            cases.append({**case, "_file": str(file)})
    if not cases:
        raise ValueError(f"no cases found in {path}")
    return cases
