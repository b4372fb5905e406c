"""The retrieval layer against a real Chroma server (`chroma run` on loopback), via CHROMA_HOST settings."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.knowledge import HashEmbedder, KnowledgeBase, MiniLMEmbedder, answer_offline
from coach.settings import Settings

CHROMA = Path(sys.executable).parent / "chroma"


def _chroma_executable() -> str | None:
    if CHROMA.is_file() and os.access(CHROMA, os.X_OK):
        return str(CHROMA)
    return shutil.which("chroma")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A `chroma run` server on a free loopback port over a tmp path, stopped after the module."""
    exe = _chroma_executable()
    if exe is None:
        pytest.skip("the `chroma` executable is not installed (it ships with the chromadb package)")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = (path / "server.log").open("wb")
    proc = subprocess.Popen([exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path",
                             str(path / "db")],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not _heartbeat(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma run did not answer its heartbeat: "
                            f"{(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _server_settings(port: int, data_dir: Path, knowledge_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, knowledge_dir=knowledge_dir, CHROMA_HOST="127.0.0.1", CHROMA_PORT=port)


def test_settings_pick_the_http_client(chroma_port: int, tmp_path: Path, tiny_corpus: Path) -> None:
    settings = _server_settings(chroma_port, tmp_path / "data", tiny_corpus)
    assert settings.chroma_host == "127.0.0.1" and settings.chroma_port == chroma_port
    with KnowledgeBase(settings, embedder=HashEmbedder(dim=40)) as kb:
        assert type(kb.store.client).__name__ != "PersistentClient"
        report = kb.build(force=True)
        assert report.embedded == report.chunks == 6
        assert kb.build().embedded == 0
        assert kb.search("hires not applications")[0].id == "value-creation-moment"
        assert not (tmp_path / "data" / "chroma").exists()  # nothing stored locally


def test_real_retrieval_through_the_server(chroma_port: int, tmp_path: Path, real_corpus_copy: Path) -> None:
    settings = _server_settings(chroma_port, tmp_path / "data", real_corpus_copy)
    with KnowledgeBase(settings, embedder=MiniLMEmbedder()) as kb:
        report = kb.build(force=True)
        assert report.notes >= 10 and report.embedded == report.chunks
        assert "value-creation-moment" in [p.id for p in kb.search("We measure job applications. Good "
                                                                   "outcome?")]
        assert "sentiment-pairing" in [p.id for p in kb.search("Is NPS enough?")]
        assert kb.search("Is NPS enough?", mode="dense") and kb.search("Is NPS enough?", mode="bm25")
        doc = tmp_path / "interviews.md"
        doc.write_text("# Interview notes\n\nAdmins told us they need audit logs before a company-wide "
                       "rollout.\n")
        assert kb.ingest(doc).files[0].status == "ingested"
        assert kb.search("audit logs before rollout")[0].source == "user"
        answer = answer_offline(kb, "Is NPS enough as an outcome?")
        assert "[sentiment-pairing]" in answer.answer
    with KnowledgeBase(settings, embedder=MiniLMEmbedder()) as kb:  # a new client reopens the collections
        assert kb.build().embedded == 0
        assert kb.search("audit logs before rollout")[0].id == "user-interviews"


def test_collection_reopens_without_passing_the_embedder(chroma_port: int, tmp_path: Path,
                                                         real_corpus_copy: Path) -> None:
    import chromadb

    with KnowledgeBase(_server_settings(chroma_port, tmp_path / "data", real_corpus_copy),
                       MiniLMEmbedder()) as kb:
        kb.build()  # a no-op when the test above already built it
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_port)
    try:
        coll = client.get_collection("corpus")
        assert coll.configuration["embedding_function"].name() == "outcome-coach-minilm-int8"
        res = coll.query(query_texts=["Is NPS enough?"], n_results=3)
        assert any(i.startswith("sentiment-pairing#") for i in res["ids"][0])
    finally:
        client.close()
