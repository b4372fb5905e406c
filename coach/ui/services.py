"""What the pages need from the rest of the app: settings, the session store, the coach, the library.

The one switch between engines lives in `make_coach`: it asks `coach.service` (which
picks the LLM layer when configured) and falls back to the offline coach with a
notice when that fails. Everything is opened lazily, so the first page renders fast.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.engine.protocol import Coach
from coach.models import Answer
from coach.settings import Settings
from coach.store import SessionStore, database_url

if TYPE_CHECKING:  # the knowledge package imports chromadb; load it only when a page needs it
    from coach.knowledge.notes import Note

log = logging.getLogger("coach.ui")
_stores: dict[str, SessionStore] = {}
_warmed: set[Path] = set()
_lock = threading.Lock()
_kb_lock = threading.Lock()


def settings() -> Settings:
    """Settings from the environment (fresh each run; reading them is cheap)."""
    return Settings()


def store(cfg: Settings) -> SessionStore:
    """The shared store these settings name (COACH_DATABASE_URL, else SQLite in the data dir), opened once per
    process; raises StoreError (one line) when it is damaged, unreachable or the URL is wrong."""
    url = database_url(cfg)
    with _lock:
        if url not in _stores:
            _stores[url] = SessionStore(url=url)
        return _stores[url]


def _library(cfg: Settings) -> Any:
    """The knowledge base of coach.service, opened under a lock so two threads never open it twice."""
    from coach import service

    with _kb_lock:
        return service.knowledge_base(cfg)


def make_coach(cfg: Settings) -> tuple[Coach, str]:
    """The coach for these settings and a notice to show (empty when all is well)."""
    from coach import service

    try:
        _library(cfg)
        return service.make_coach(cfg)
    except Exception as err:  # a broken engine layer must not stop coaching
        log.exception("make_coach failed; using the offline coach")
        retriever = None
        try:
            retriever = service.make_retriever(_library(cfg))
        except Exception:  # noqa: BLE001 - coach without citations rather than not at all
            log.exception("no retriever either")
        return Coach(retriever=retriever), f"Using the offline coach ({err.__class__.__name__})."


def warm_library(cfg: Settings) -> None:
    """Open an already built library in the background, once per process, so the first turn need not wait.

    Does nothing when there is no local index yet: building one is `coach index`'s job, not a page view's.
    """
    if cfg.chroma_host or not (Path(cfg.data_dir) / "chroma").is_dir():
        return
    key = Path(cfg.data_dir).resolve()
    with _lock:
        if key in _warmed:
            return
        _warmed.add(key)

    def warm() -> None:
        try:
            _library(cfg).search("what is the value of this output", k=1)
        except Exception:  # the first turn will report it, or coach without citations
            log.warning("warming the library failed", exc_info=True)

    threading.Thread(target=warm, name="coach-warm-library", daemon=True).start()


def drafting_coach() -> Coach:
    """A coach for drafting many cards at once, without dialogue or library look-ups."""
    return Coach()


def ask(cfg: Settings, question: str, context: str = "") -> tuple[Answer, str]:
    """An answer with cited passages, and a notice (e.g. an LLM fallback); `context` is the earlier
    question."""
    from coach import service

    _library(cfg)
    return service.ask_library(cfg, question, k=cfg.top_k, context=context)


@cache
def _notes(knowledge_dir: str) -> dict[str, Note]:
    from coach.knowledge.notes import load_notes

    return {n.id: n for n in load_notes(Path(knowledge_dir))}


def notes(cfg: Settings) -> dict[str, Note]:
    """The shipped knowledge notes by id (read once per process)."""
    return _notes(str(Path(cfg.knowledge_dir).resolve()))
