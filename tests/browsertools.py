"""Playwright helpers for the multi-user browser tests (Debian's Chromium, never a downloaded browser).

The launch, open and send helpers are the benchmark's own (benchmarks/bench_app.py), so the tests and the
figures drive the app the same way."""

from __future__ import annotations

from typing import Any

from benchmarks.bench_app import CHAT_BOX, CHROMIUM, MESSAGES, open_page, send
from benchmarks.bench_app import launch_chromium as launch
from benchmarks.bench_app import wait_idle as idle

__all__ = ["CHAT_BOX", "CHROMIUM", "MESSAGES", "idle", "launch", "open_page", "send", "shown_messages"]


def shown_messages(page: Any) -> list[str]:
    """The chat messages on screen, each without its "why I'm asking" expander and thumbs."""
    return [m.inner_text().split("keyboard_arrow_right")[0].split("thumb_up")[0].strip()
            for m in page.locator(MESSAGES).all()]
