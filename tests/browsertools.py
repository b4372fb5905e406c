"""Playwright helpers for the multi-user browser tests (Debian's Chromium, never a downloaded browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MESSAGES = '[data-testid="stChatMessage"]'
CHAT_BOX = '[data-testid="stChatInputTextArea"]'
_IDLE = ("document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') === "
         "'notRunning'")


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def idle(page: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the app's script is not running."""
    page.wait_for_function(_IDLE, timeout=timeout_ms)


def open_page(page: Any, url: str, heading: str, timeout_ms: float = 60_000) -> None:
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=timeout_ms)
    idle(page, timeout_ms)


def send(page: Any, text: str, timeout_ms: float = 60_000) -> None:
    """Type a chat message, press Enter and wait for the coach's reply on screen."""
    before = page.locator(MESSAGES).count()
    box = page.locator(CHAT_BOX)
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{MESSAGES}').length >= {before + 2}",
                           timeout=timeout_ms)
    idle(page, timeout_ms)


def shown_messages(page: Any) -> list[str]:
    """The chat messages on screen, each without its "why I'm asking" expander and thumbs."""
    return [m.inner_text().split("keyboard_arrow_right")[0].split("thumb_up")[0].strip()
            for m in page.locator(MESSAGES).all()]
