"""Shared pytest fixtures."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REAL_KNOWLEDGE = REPO / "knowledge"

# --- isolation: no test reads or writes the repository's ./data ----------------------------


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data dir through COACH_DATA_DIR (subprocesses inherit it).

    Fixtures that need another data dir (a built library, say) set COACH_DATA_DIR after this one.
    """
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    return data_dir


# --- knowledge (retrieval layer) fixtures ------------------------------------------------

TINY_NOTES = {
    "value-creation-moment": """---
id: value-creation-moment
title: Measure at the moment value is created
tags: [traps, wrong-moment]
sources: [seed]
---
# Measure at the moment value is created

Measure where customers actually get value, not a step before it.

## Hires, not applications

A job board that counts applications measures a step before value. Employers get value
when they hire someone. Measure hires instead of applications.

## Why it matters

Early steps can rise while nobody gets any value at all.
""",
    "sentiment-pairing": """---
id: sentiment-pairing
title: Pair sentiment with behaviour
tags: [nps]
---
NPS alone is not enough to steer a team. Sentiment scores move slowly and do not say where to look.

## Pair it with behaviour

Pair NPS with a behaviour such as weekly active use, and keep satisfaction as the guardrail.
""",
    "guardrails": """---
id: guardrails
title: Guardrails stop harm
---
## What a guardrail is

A guardrail is a counter-metric that must not get worse while the team pushes its main metric.
Maximising time in app without a guardrail can make the product addictive.
""",
}


def write_tiny_corpus(folder: Path) -> Path:
    """Write the three tiny notes into a folder and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for note_id, text in TINY_NOTES.items():
        (folder / f"{note_id}.md").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A small knowledge folder of three notes, fresh for each test."""
    return write_tiny_corpus(tmp_path / "knowledge")


@pytest.fixture(scope="session")
def kb_data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data_dir root for the whole session, so tests never touch ./data."""
    return tmp_path_factory.mktemp("coach-data")


@pytest.fixture
def kb_settings(tmp_path: Path, tiny_corpus: Path) -> Callable[..., object]:
    """Factory of local (no Chroma server) settings over a tmp data dir and the tiny corpus."""
    from coach.settings import Settings

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {"data_dir": tmp_path / "data", "knowledge_dir": tiny_corpus,
                                     "chroma_host": None}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def real_corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped knowledge notes; skips when the corpus is not written yet."""
    if len(list(REAL_KNOWLEDGE.glob("*.md"))) < 10:
        pytest.skip("the shipped knowledge corpus (knowledge/*.md) is not there yet")
    dest = tmp_path_factory.mktemp("knowledge")
    for path in REAL_KNOWLEDGE.glob("*.md"):
        shutil.copy(path, dest / path.name)
    return dest


@pytest.fixture(scope="session")
def real_kb(kb_data_root: Path, real_corpus_copy: Path) -> Iterator[object]:
    """A KnowledgeBase over the shipped corpus with the real MiniLM embedder, built once."""
    from coach.knowledge import KnowledgeBase, MiniLMEmbedder
    from coach.settings import Settings

    settings = Settings(data_dir=kb_data_root / "real", knowledge_dir=real_corpus_copy, chroma_host=None)
    kb = KnowledgeBase(settings, embedder=MiniLMEmbedder())
    kb.build()
    yield kb
    kb.close()


# --- app (Streamlit UI) fixtures ----------------------------------------------------------

_APP_ENV_CLEARED = ("OPENAI_API_KEY", "COACH_API_KEY", "OPENAI_BASE_URL", "COACH_BASE_URL",
                    "COACH_CHROMA_HOST", "CHROMA_HOST", "COACH_KNOWLEDGE_DIR", "COACH_DATABASE_URL",
                    "COACH_FACILITATORS")


def _app_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    """Point the app at `data_dir` (COACH_DATA_DIR) with the offline engine and no provider settings."""
    monkeypatch.setenv("COACH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COACH_ENGINE", "offline")
    for name in _APP_ENV_CLEARED:
        monkeypatch.delenv(name, raising=False)
    return data_dir


@pytest.fixture
def app_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data dir for the app; for pages that never open the library."""
    return _app_env(monkeypatch, tmp_path / "app-data")


@pytest.fixture(scope="session")
def app_library_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose knowledge index (shipped corpus, real MiniLM embedder) is built once per test run."""
    from coach.knowledge import KnowledgeBase
    from coach.settings import Settings

    root = tmp_path_factory.mktemp("app-library")
    with KnowledgeBase(Settings(data_dir=root, knowledge_dir=REAL_KNOWLEDGE, chroma_host=None)) as kb:
        kb.build()
    return root


@pytest.fixture
def app_library_dir(app_library_root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared data dir with a built library, for tests that coach or ask (they share its sessions.db)."""
    return _app_env(monkeypatch, app_library_root)


# --- LLM fixtures (owned by the LLM layer): the fake OpenAI server and the live-test switch ---------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runlive", action="store_true", default=False,
                     help="run tests marked `live` against a real LLM provider (also needs a key set)")


def _live_key_set() -> bool:
    import os

    return any(os.environ.get(name, "").strip() for name in ("OPENAI_API_KEY", "COACH_API_KEY"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runlive") and _live_key_set():
        return
    skip = pytest.mark.skip(reason="live LLM test: run with --runlive and OPENAI_API_KEY (or COACH_API_KEY) "
                                   "set")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fake_openai() -> Iterator[object]:
    """A fake OpenAI-compatible server on 127.0.0.1 for one test.

    `fake_openai.settings(**overrides)` gives Settings pointing at it (LLM engine, a test
    key, read timeout 1 s, connect 0.5 s); `enqueue(...)` scripts replies and faults;
    `requests` records what was sent.
    """
    from fakeopenai import FakeOpenAI

    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
