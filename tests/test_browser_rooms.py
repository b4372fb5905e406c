"""A training room in a real browser: a facilitator opens it, two trainees (two browser contexts) join and
do drills, and the facilitator's live view shows both scores and the room's most-missed trap; neither
trainee can see the other's sessions. Names are picked once and remembered (cookie) across page loads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browsertools import CHROMIUM, idle, launch, open_page, send
from conftest import write_tiny_corpus

from coach.servers import start_app
from coach.store import SessionStore
from coach.ui.drills import label, load_drills, order_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
]


def _join(browser, url: str, name: str, code: str, statement: str):
    """A trainee in their own browser context: pick a name, join, coach one statement, do two drills."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_page(page, url + "/rooms", "Rooms")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your name").press("Enter")
    page.get_by_label("Room code").fill(code.lower())
    page.get_by_role("button", name="Join").click()
    page.get_by_text(f"You are in room {code}").wait_for()

    open_page(page, url + "/", "Coach")  # a new page load: the name is remembered
    send(page, statement)
    open_page(page, url + "/practice", "Practice")
    page.get_by_text(f"in room {code}").wait_for()
    drills = order_for(name, load_drills())
    # answer the first two drills that have traps with their kind but no trap: every trap in them is missed
    pos = 0
    for target in [i for i, d in enumerate(drills) if d.traps][:2]:
        for step in range(pos, target):
            page.get_by_role("button", name="Next statement").click()
            page.get_by_text(f"Statement {step + 2}", exact=True).wait_for()
        idle(page)
        page.get_by_text(label(drills[target].kind), exact=True).first.click()
        check = page.get_by_role("button", name="Check")
        check.and_(page.locator(":enabled")).wait_for()
        check.click()
        page.get_by_text("The coach's reading").wait_for()
        idle(page)
        pos = target
    return page


def test_a_room_with_a_facilitator_and_two_trainees(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    data_dir = tmp_path / "data"
    corpus = write_tiny_corpus(tmp_path / "knowledge")
    server = start_app(data_dir, COACH_KNOWLEDGE_DIR=str(corpus))
    store = SessionStore.for_data_dir(data_dir)
    try:
        with sync_api.sync_playwright() as pw:
            browser = launch(pw)
            fay = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            open_page(fay, server.url + "/rooms?user=Fay", "Rooms")
            fay.get_by_label("Room name").fill("Berlin PMs")
            fay.get_by_role("button", name="Open a room").click()
            fay.get_by_text("Nobody has joined yet").wait_for()
            code = store.rooms_of("Fay")[0].code

            ana = _join(browser, server.url, "Ana", code, "Deliver an Android app")
            ben = _join(browser, server.url, "Ben", code, "Grow ARR by 20%")

            report = store.room_report(code)
            assert [(r.name, r.drills) for r in report.trainees] == [("Ana", 2), ("Ben", 2)]
            worst = report.most_missed()
            assert worst is not None
            # the facilitator's view redraws itself: no reload
            fay.get_by_text(f"Most missed trap: {label(worst.trap)}").wait_for(timeout=30_000)
            rows = fay.locator('[data-testid="stTable"]').first.inner_text()
            for trainee in report.trainees:
                assert trainee.name in rows
                assert f"{trainee.correct / trainee.drills:.0%}" in rows

            for page, mine, theirs in ((ana, "Deliver an Android app", "Grow ARR by 20%"),
                                       (ben, "Grow ARR by 20%", "Deliver an Android app")):
                open_page(page, server.url + "/sessions", "Sessions")
                page.get_by_text(mine).first.wait_for()
                assert page.get_by_text(theirs).count() == 0
            bens = store.list(owner="Ben")[0].id
            ana.goto(f"{server.url}/?session={bens}")
            ana.get_by_text("There is no saved session with that id").wait_for()
            browser.close()
    finally:
        server.stop()
