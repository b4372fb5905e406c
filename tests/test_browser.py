"""One end-to-end test in a real browser: Debian's Chromium, driven by Playwright, against
`streamlit run app.py`.

It types a whole coaching dialogue, checks the card, downloads it as Markdown, reloads
the page to see the session resume, and saves a screenshot of every page to
tests/artifacts/screenshots/. Timings are printed (run with -s), not asserted; `python -m
benchmarks.bench_app` measures the same way.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from benchmarks.bench_app import (
    CHROMIUM,
    MESSAGES,
    build_library,
    coach_dialogue,
    dialogue_case,
    launch_chromium,
    open_page,
    start_app,
    wait_idle,
)
from coach.store import SessionStore

# Screenshots go to tests/artifacts (ignored by git);
# COACH_SCREENSHOTS=docs/screenshots refreshes the README's.
SHOTS = Path(__file__).resolve().parent.parent / os.environ.get("COACH_SCREENSHOTS",
                                                                "tests/artifacts/screenshots")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is missing; install Debian's chromium (make browser-deps)"),
]


def _shot(page, name: str) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    wait_idle(page)
    size = page.viewport_size
    height = page.evaluate("Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], height + 40), 5000)})
    page.wait_for_timeout(400)  # let charts finish drawing at the new size
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def test_a_whole_coaching_dialogue_in_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path / "data"
    index_s = build_library(data_dir)
    case = dialogue_case("android-app")

    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        server = start_app(data_dir, log=tmp_path / "streamlit.log")
        try:
            server.wait_healthy()
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            open_page(page, server.url + "/?user=Ana", "Coach")  # a name picked once (sessions are per user)
            startup_s = time.perf_counter() - server.started

            session_id, turns = coach_dialogue(page, data_dir, case)
            session = SessionStore.for_data_dir(data_dir).load(session_id)
            assert session is not None and session.status == "done" and session.card is not None
            page.get_by_role("heading", name="Outcome card").wait_for()
            assert page.get_by_text(session.card.product_outcome, exact=False).first.is_visible()
            assert page.locator('[data-testid="stGraphVizChart"] svg').count() == 2

            with page.expect_download() as info:
                page.get_by_role("button", name="Download Markdown").click()
            download = info.value
            assert download.suggested_filename == f"outcome-card-{session_id}.md"
            text = Path(download.path()).read_text(encoding="utf-8")
            assert text.startswith("# Outcome card") and session.card.product_outcome in text

            page.get_by_text("Edit the card",
                             exact=True).click()  # every card field is editable, and the edit is saved
            page.get_by_label("Guardrail").fill("refund rate stays under 2%")
            page.get_by_role("button", name="Save changes").click()
            page.get_by_text("Card updated").wait_for()
            edited = SessionStore.for_data_dir(data_dir).load(session_id)
            assert edited.card.guardrail == "refund rate stays under 2%"

            page.get_by_text("Why I'm asking").first.click()
            _shot(page, "coach")
            count = page.locator(MESSAGES).count()
            page.reload()  # a refresh resumes the same session from the store
            page.get_by_role("heading", name="Outcome card").wait_for()
            wait_idle(page)
            assert page.locator(MESSAGES).count() == count and f"session={session_id}" in page.url
            rss_mb = server.rss_mb()
            page.get_by_role("button",
                             name="Undo my last answer").click()  # takes back the last answer and reply
            page.get_by_role("button", name="Draft the card now").and_(page.locator(":enabled")).wait_for()
            undone = SessionStore.for_data_dir(data_dir).load(session_id)
            assert undone.status == "active" and len(undone.transcript) == len(session.transcript) - 2

            open_page(page, server.url + "/library", "Ask the library")
            page.get_by_label("Your question").fill("Is NPS enough as a metric?")
            page.get_by_role("button", name="Ask").click()
            page.get_by_text("sentiment-pairing").first.wait_for()
            # a follow-up, read with the question
            page.get_by_label("Your question").fill("and for a B2B team?")
            page.get_by_role("button", name="Ask").click()
            page.get_by_text("Read as a follow-up to: Is NPS enough as a metric?").wait_for()
            assert page.get_by_text("Is NPS enough as a metric?",
                                    exact=True).count() >= 1  # the history stays
            _shot(page, "library")

            open_page(page, server.url + "/practice", "Practice")
            page.get_by_text("Practising as Ana").wait_for()  # the name is remembered across page loads
            page.get_by_text("What kind is it?").wait_for()
            page.get_by_text("output", exact=True).first.click()
            wait_idle(page)
            page.get_by_role("button", name="Check").click()
            page.get_by_text("The coach's reading").wait_for()
            _shot(page, "practice")

            open_page(page, server.url + "/workshop", "Workshop")
            page.get_by_label("One statement per line").fill(
                "Deliver an Android app\nIncrease NPS to 50\nGrow ARR by 20%\nRaise weekly active users\n!!!")
            page.get_by_role("button", name="Review the list").click()
            page.get_by_role("button", name="Coach this row").first.wait_for()
            _shot(page, "workshop")

            open_page(page, server.url + "/sessions", "Sessions")
            page.get_by_role("button", name="Resume").first.wait_for()
            _shot(page, "sessions")
        finally:
            server.stop()
            browser.close()

    later = sorted(turns[1:])
    print(f"\nindex build {index_s:.1f} s; server start -> first page {startup_s:.2f} s (goal <= 3 s)")
    print(f"first turn {turns[0] * 1000:.0f} ms; later turns median {later[len(later) // 2] * 1000:.0f} ms, "
          f"max {later[-1] * 1000:.0f} ms (goal <= 300 ms); server RSS {rss_mb:.0f} MB (goal <= 400 MB)")
