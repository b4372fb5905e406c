"""In real Chromium at 1400 px: no button label on any page is cut off, and the Workshop grid fits the screen.

Saves a screenshot of each page it checks to tests/artifacts/screenshots/ (`*-1400.png`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_app import CHROMIUM, build_library, launch_chromium, open_page, start_app, wait_idle

SHOTS = Path(__file__).resolve().parent.parent / "tests/artifacts/screenshots"
BACKLOG = Path(__file__).parent / "data" / "workshop_backlog.csv"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing; install Debian's chromium"),
]

# Every visible button whose label is wider than the room it has (clipped, or an ellipsis), by its text.
CUT_LABELS = ("() => [...document.querySelectorAll('button')]"
              """.filter(b => b.offsetParent !== null).flatMap(b => {
  const label = b.querySelector('[data-testid="stMarkdownContainer"], p') || b;
  const cut = label.scrollWidth > label.clientWidth + 1 || b.scrollWidth > b.clientWidth + 1;
  return cut && b.innerText.trim() ? [b.innerText.trim()] : [];
})""")
# The Workshop grid's column headers and whether each ends inside the window.
HEADERS = """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"] strong')]
  .filter(e => ['Line', 'Statement', 'Trap', 'The question to ask', 'Draft outcome'].includes(e.innerText))
  .map(e => [e.innerText, e.getBoundingClientRect().right <= window.innerWidth])"""


def test_no_button_label_is_cut_off_at_1400px(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path / "data"
    build_library(data_dir)
    with sync_api.sync_playwright() as pw:
        browser = launch_chromium(pw)
        server = start_app(data_dir, log=tmp_path / "streamlit.log")
        try:
            server.wait_healthy()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            cut: dict[str, list[str]] = {}
            for path, heading in [("/", "Coach"), ("/library", "Ask the library"), ("/practice", "Practice"),
                                  ("/sessions", "Sessions")]:
                open_page(page, server.url + path, heading)
                if heading == "Practice":
                    page.get_by_label("Your name").fill("Ana")
                    page.get_by_label("Your name").press("Enter")
                    page.get_by_text("What kind is it?").wait_for()
                if heading == "Ask the library":
                    page.get_by_role("tab", name="Learn the basics").click()
                    wait_idle(page)
                cut[heading] = page.evaluate(CUT_LABELS)
                page.screenshot(path=str(SHOTS / f"{heading.split()[-1].lower()}-1400.png"))
            open_page(page, server.url + "/workshop", "Workshop")
            page.get_by_role("tab", name="Upload a CSV").click()
            page.locator('input[type="file"]').set_input_files(str(BACKLOG))
            page.get_by_role("button", name="Review the file").and_(page.locator(":enabled")).click()
            page.get_by_role("button", name="Coach this row").first.wait_for(timeout=120_000)
            wait_idle(page)
            cut["Workshop"] = page.evaluate(CUT_LABELS)
            headers = page.evaluate(HEADERS)
            page.screenshot(path=str(SHOTS / "workshop-1400.png"), full_page=True)
            assert page.get_by_text("Duplicate of line 2").first.is_visible()

            page.get_by_role("button", name="Coach this row").first.click()  # the row opens in the Coach
            page.get_by_role("heading", name="Coach", exact=True).wait_for()
            page.get_by_text("Launch the Android app for learners").first.wait_for()
        finally:
            server.stop()
            browser.close()
    assert {name: labels for name, labels in cut.items() if labels} == {}
    assert len(headers) == 5 and all(inside for _, inside in headers), headers
