"""AppTest helpers shared by the app's test files."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from coach.ui import PAGES
from coach.ui.view import GENERIC_ERROR

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = {p.title: p.script for p in PAGES}


def app(timeout: float = 90, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(query)
    return at


def ok(at: AppTest) -> AppTest:
    """No exception element and no generic error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert GENERIC_ERROR not in [e.value for e in at.error]
    return at


def goto(at: AppTest, title: str) -> AppTest:
    return ok(at.switch_page(PAGE[title]).run())


def click(at: AppTest, label: str) -> AppTest:
    """Click the button with this label and run."""
    return next(b for b in at.button if b.label == label).click().run()
