"""App benchmark: `python -m benchmarks.bench_app [--data-dir DIR] [--case ID] [--screenshots DIR]`.

Starts `streamlit run app.py` on a free loopback port (offline engine), drives a whole
coaching dialogue in Debian's Chromium with Playwright and prints, without asserting:
seconds from server start to the first rendered page (goal <= 3 s), milliseconds per
coach turn as seen in the browser (goal <= 300 ms) and the server's RSS after the
session (goal <= 400 MB). `tests/test_browser.py` drives the app with the same helpers.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
GOALS = {"startup_s": 3.0, "turn_ms": 300.0, "rss_mb": 400.0}
MESSAGES = '[data-testid="stChatMessage"]'
CHAT_BOX = '[data-testid="stChatInputTextArea"]'
_IDLE = ("document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') "
         "=== 'notRunning'")
_PROVIDER_VARS = ("OPENAI_API_KEY", "COACH_API_KEY", "OPENAI_BASE_URL", "COACH_BASE_URL", "COACH_CHROMA_HOST",
                  "CHROMA_HOST")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(data_dir: Path) -> dict[str, str]:
    """The environment of the app under test: its own data dir, the offline engine, no provider settings."""
    env = {k: v for k, v in os.environ.items() if k not in _PROVIDER_VARS}
    return env | {"COACH_DATA_DIR": str(data_dir), "COACH_ENGINE": "offline", "PYTHONUNBUFFERED": "1"}


def build_library(data_dir: Path) -> float:
    """Build the knowledge index in a separate process (as `make run` does first); returns seconds."""
    started = time.perf_counter()
    code = ("from coach.knowledge import KnowledgeBase; from coach.settings import Settings; "
            "KnowledgeBase(Settings()).build()")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=app_env(data_dir), check=True, timeout=600)
    return time.perf_counter() - started


@dataclass
class AppServer:
    """A running `streamlit run app.py`."""

    proc: subprocess.Popen
    url: str
    started: float
    log: Path

    def rss_mb(self) -> float:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds from start until the health endpoint answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"streamlit did not answer within {timeout} s; see {self.log}")

    def stop(self) -> None:
        """Stop the server (this process started it) and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_app(data_dir: Path, port: int | None = None, log: Path | None = None) -> AppServer:
    """Start the app on 127.0.0.1 with its output in a log file."""
    port = port or free_port()
    log = log or Path(data_dir) / "streamlit.log"
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port)]
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, env=app_env(data_dir), stdout=out,
                                stderr=subprocess.STDOUT)
    return AppServer(proc, f"http://127.0.0.1:{port}", started, log)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_idle(page: Any, timeout_ms: float = 30_000) -> None:
    """Wait until the app's script is not running."""
    page.wait_for_function(_IDLE, timeout=timeout_ms)


def open_page(page: Any, url: str, heading: str, timeout_ms: float = 60_000) -> None:
    """Open a URL and wait for the page's title heading and an idle script."""
    page.goto(url)
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def send(page: Any, text: str, timeout_ms: float = 60_000) -> float:
    """Type a chat message and press Enter; seconds until the coach's reply is on screen."""
    before = page.locator(MESSAGES).count()
    box = page.locator(CHAT_BOX)
    box.fill(text)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{MESSAGES}').length >= {before + 2}",
                           timeout=timeout_ms,
                           polling=10)
    elapsed = time.perf_counter() - started
    wait_idle(page, timeout_ms)
    return elapsed


def dialogue_case(case_id: str = "android-app") -> dict[str, Any]:
    """A dialogue case (statement and persona) of the dev split."""
    cases = yaml.safe_load((ROOT / "evals" / "cases" / "tidy" / "dialogue.yaml").read_text(encoding="utf-8"))
    return next(c for c in cases if c["id"] == case_id)


def coach_dialogue(page: Any, data_dir: Path, case: dict[str, Any],
                   max_turns: int = 16) -> tuple[str, list[float]]:
    """Type the statement, then answer each question from the persona (by the slot the store says is pending).
    """
    from coach.store import SessionStore

    turns = [send(page, case["statement"])]
    session_id = page.url.split("session=")[1].split("&")[0]
    store = SessionStore.for_data_dir(data_dir)
    for _ in range(max_turns):
        session = store.load(session_id)
        if session is None or session.status == "done" or session.pending is None:
            break
        turns.append(send(page, case["persona"].get(session.pending.value, "not sure")))
    return session_id, turns


@dataclass
class AppBench:
    """What one run measured."""

    index_s: float = 0.0
    health_s: float = 0.0
    startup_s: float = 0.0
    turns_ms: list[float] = field(default_factory=list)
    rss_mb: float = 0.0

    def lines(self) -> list[str]:
        turns = self.turns_ms[1:] or self.turns_ms  # the first turn also opens the library
        return [
            f"index build (before the server): {self.index_s:.2f} s",
            f"server start -> health endpoint: {self.health_s:.2f} s",
            f"server start -> first rendered page: {self.startup_s:.2f} s (goal <= {GOALS['startup_s']:.0f} "
            f"s)",
            (f"first coach turn (opens the library): {self.turns_ms[0]:.0f} ms" if self.turns_ms
             else "no turns"),
            f"later coach turns: median {statistics.median(turns):.0f} ms, max {max(turns):.0f} ms "
            f"over {len(turns)} turns (goal <= {GOALS['turn_ms']:.0f} ms)" if turns else "",
            f"server RSS after the session: {self.rss_mb:.0f} MB (goal <= {GOALS['rss_mb']:.0f} MB)",
        ]


def measure(data_dir: Path | None = None, case_id: str = "android-app") -> AppBench:
    """Build the library, start the app, coach one case in Chromium, and measure."""
    if data_dir is None:
        with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
            return measure(Path(tmp), case_id)
    from playwright.sync_api import sync_playwright

    bench = AppBench(index_s=build_library(data_dir))
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        server = start_app(data_dir)
        try:
            bench.health_s = server.wait_healthy()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_page(page, server.url + "/", "Coach")
            bench.startup_s = time.perf_counter() - server.started
            _, seconds = coach_dialogue(page, data_dir, dialogue_case(case_id))
            bench.turns_ms = [s * 1000 for s in seconds]
            bench.rss_mb = server.rss_mb()
        finally:
            server.stop()
            browser.close()
    return bench


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data dir to use (default: a fresh temporary one)")
    parser.add_argument("--case", default="android-app",
                        help="dialogue case id of evals/cases/tidy/dialogue.yaml")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps) to run the app "
                 f"benchmark")
    for line in measure(args.data_dir, args.case).lines():
        if line:
            print(line)


if __name__ == "__main__":
    main()
