"""Package discovery and the data folders shipped in the wheel; every other setting is in pyproject.toml.

The top-level `prompts/`, `knowledge/` and `evals/` folders stay where they are and are shipped
inside the wheel as `coach/resources/<folder>/` (read by coach/resources/__init__.py).
pyproject.toml cannot map packages onto folders outside the package while still discovering
the others, so this file does.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
#: folder -> the files of it (and of its subfolders, for prompts/) that the coach reads at run time
DATA = {
    "prompts": ["*.md", "*.yaml"],
    "knowledge": ["*.md"],
    "evals": ["thresholds.yaml"],
    "evals/cases": [],
    "evals/cases/dev": ["classification*.yaml"],  # the practice drills
}


def data_folders() -> dict[str, list[str]]:
    folders = dict(DATA)
    subfolders = (p for p in (HERE / "prompts").iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for sub in sorted(subfolders):
        folders[f"prompts/{sub.name}"] = DATA["prompts"]
    return folders


FOLDERS = data_folders()
PACKAGE_DIR = {"coach.resources." + folder.replace("/", "."): folder for folder in FOLDERS}
#: data files that live inside the package itself
PACKAGE_DATA = {
    "coach.ui": ["guided_path.yaml", "pages/*.py"],
    "coach.engine": ["model/*.npz", "model/*.json", "spec_examples.yaml"],
    "coach.store": ["migrations/*.py", "migrations/*.mako", "migrations/versions/*.py"],
}

setup(
    packages=[*find_namespace_packages(include=["coach", "coach.*"], exclude=["*.__pycache__"]),
              *PACKAGE_DIR],
    package_dir=PACKAGE_DIR,
    package_data={**PACKAGE_DATA, **{package: FOLDERS[folder] for package, folder in PACKAGE_DIR.items()}},
)
