"""Two app servers on loopback sharing one PostgreSQL and one `chroma run` server, driven in Chromium.

A session started on one server resumes on the other; killing a server mid-session (SIGKILL)
loses no turn that was shown. Each server has its own data dir, so nothing is shared through files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsertools import CHROMIUM, idle, launch, open_page, send, shown_messages
from conftest import write_tiny_corpus

from coach.servers import Chroma, Postgres, postgres_unavailable, start_app, start_chroma, start_postgres
from coach.store import SessionStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (make browser-deps)"),
    pytest.mark.skipif(postgres_unavailable() is not None, reason=str(postgres_unavailable())),
]

PERSONA = {"value": "More of our customers could use us on the go", "success": "People open it every week",
           "who": "customers who mostly use their phone",
           "behavior": "they check their dashboards from their phone each week",
           "value_moment": "when they act on an alert from their phone",
           "metric": "weekly active mobile users as a share of all active users",
           "guardrail": "desktop satisfaction does not drop", "business_link": "engaged customers renew",
           "confidence": "we have not tried anything on mobile yet"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Postgres, Chroma, dict[str, str]]]:
    """PostgreSQL, a chroma server holding the library, and the settings that point an app at both."""
    from coach.knowledge import KnowledgeBase
    from coach.settings import Settings

    root = tmp_path_factory.mktemp("two-servers")
    pg = start_postgres()
    chroma = None
    try:
        chroma = start_chroma(root / "chroma")
        corpus = write_tiny_corpus(root / "knowledge")
        with KnowledgeBase(Settings(data_dir=root / "build", knowledge_dir=corpus, CHROMA_HOST="127.0.0.1",
                                    CHROMA_PORT=chroma.port)) as kb:
            kb.build()
        settings = {"COACH_DATABASE_URL": pg.url, "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port),
                    "COACH_KNOWLEDGE_DIR": str(corpus)}
        yield pg, chroma, settings
    finally:
        if chroma is not None:
            chroma.stop()
        pg.stop()


def _answer(page, store: SessionStore, session_id: str) -> None:
    session = store.load(session_id)
    send(page, PERSONA.get(session.pending.value if session.pending else "", "not sure"))


def test_a_session_survives_its_server_and_resumes_on_the_other(shared, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pg, _, settings = shared
    first = start_app(tmp_path / "a", **settings)
    second = start_app(tmp_path / "b", **settings)
    store = SessionStore(url=pg.url)
    try:
        with sync_api.sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_page(page, first.url + "/?user=Ana", "Coach")
            send(page, "Our goal this quarter is to deliver an Android app.")
            session_id = page.url.split("session=")[1].split("&")[0]
            _answer(page, store, session_id)
            _answer(page, store, session_id)
            shown = shown_messages(page)
            assert len(shown) == 6

            first.kill()  # mid-session, as in a crash: every turn shown must already be saved
            saved = store.load(session_id, owner="Ana")
            assert saved is not None and len(saved.transcript) == len(shown)

            page.goto(f"{second.url}/?session={session_id}&user=Ana")
            page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= "
                                   f"{len(shown)}", timeout=60_000)
            idle(page)
            assert shown_messages(page) == shown  # the same conversation, word for word
            for _ in range(12):
                if store.load(session_id).status == "done":
                    break
                _answer(page, store, session_id)
            done = store.load(session_id, owner="Ana")
            assert done.status == "done" and done.card is not None
            assert done.transcript[0].text.startswith("Our goal this quarter")

            other = browser.new_context().new_page()  # Ben, on the same server, cannot open it
            other.goto(f"{second.url}/?session={session_id}&user=Ben")
            other.get_by_text("There is no saved session with that id").wait_for(timeout=60_000)
            browser.close()
    finally:
        first.stop()
        second.stop()
        store.close()
