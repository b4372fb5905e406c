"""Package discovery only; every other setting is in pyproject.toml.

The top-level `prompts/`, `knowledge/` and `evals/` folders are shipped inside the wheel as
`coach/resources/<folder>/` (see coach/resources/__init__.py); pyproject.toml cannot map a
package onto a folder outside it while still discovering the others, so this file does.
"""

from setuptools import find_namespace_packages, setup

SHIPPED = {f"coach.resources.{name}": name for name in ("prompts", "knowledge", "evals")}

setup(
    packages=[*find_namespace_packages(include=["coach", "coach.*"], exclude=["*.__pycache__"]), *SHIPPED],
    package_dir=SHIPPED,
)
