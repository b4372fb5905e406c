"""The chromadb side of the knowledge index: client factory, collections and incremental sync.

A local `PersistentClient` under `data_dir/chroma` by default, or a Chroma server when
`settings.chroma_host` is set. The manifest of what is embedded is the index itself:
every chunk carries its document's content hash, so a sync embeds only documents whose
hash changed and deletes chunks of documents that are gone.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings

from coach.knowledge.notes import Chunk
from coach.settings import Settings

log = logging.getLogger(__name__)

CORPUS = "corpus"
USER_DOCS = "user_docs"
COLLECTIONS = (CORPUS, USER_DOCS)
_BATCH = 128


@dataclass(frozen=True)
class DenseHit:
    """One nearest-neighbour result: chunk id and cosine similarity."""

    chunk_id: str
    score: float


def chroma_path(settings: Settings) -> Path:
    """The folder of the local persistent index."""
    return Path(settings.data_dir) / "chroma"


def make_client(settings: Settings) -> ClientAPI:
    """An HttpClient when `chroma_host` is set, else a PersistentClient under data_dir/chroma."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    path = chroma_path(settings)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def embedder_signature(embedder: Any) -> str:
    """A string naming the embedder and its config; a change means re-embedding everything."""
    return json.dumps({"name": embedder.name(), "config": embedder.get_config()}, sort_keys=True)


class IndexStore:
    """The two collections ("corpus", "user_docs") of one chromadb client, with one embedder."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        self.settings = settings
        self.embedder = embedder
        self.notices: list[str] = []
        if not settings.chroma_host and not chroma_path(settings).is_dir():
            self._notice(f"No index at {chroma_path(settings)} (first run, or it was deleted); building it.")
        self.client = self._open_client()
        self._collections: dict[str, Collection] = {}
        self._counts: dict[str, int] = {}

    def _notice(self, message: str) -> None:
        log.info(message)  # the caller shows `notices`; logging it as a warning would print it twice
        self.notices.append(message)

    def _open_client(self) -> ClientAPI:
        """Open the client; a corrupt local index folder is removed and recreated."""
        try:
            client = make_client(self.settings)
            client.list_collections()
            return client
        except Exception as exc:
            if self.settings.chroma_host:
                raise RuntimeError(
                    f"Cannot reach the Chroma server at "
                    f"{self.settings.chroma_host}:{self.settings.chroma_port}: {exc}"
                ) from exc
            self._wipe(f"could not be opened ({exc.__class__.__name__})")
            client = make_client(self.settings)
            client.list_collections()
            return client

    def _wipe(self, why: str) -> None:
        path = chroma_path(self.settings)
        self._notice(f"The index at {path} {why}; rebuilding it.")
        _forget_local_system(path)
        shutil.rmtree(path, ignore_errors=True)

    def reset(self, why: str) -> None:
        """Throw away a broken local index and start an empty one (never touches a server)."""
        if self.settings.chroma_host:
            raise RuntimeError("reset() is only for the local index")
        self.close()
        self._collections.clear()
        self._counts.clear()
        self._wipe(why)
        self.client = make_client(self.settings)

    def collection(self, name: str) -> Collection:
        """The named collection, created if absent and recreated if built by another embedder."""
        if name in self._collections:
            return self._collections[name]
        signature = embedder_signature(self.embedder)
        metadata = {"embedder": signature, "hnsw:space": "cosine"}
        try:
            coll = self.client.get_or_create_collection(name, embedding_function=self.embedder,
                                                        metadata=metadata)
            stale = (coll.metadata or {}).get("embedder") != signature
        except ValueError as exc:  # persisted under another embedding function name
            log.info("collection %s: %s", name, exc)
            stale = True
        if stale:
            self._notice(f"The '{name}' index was built with another embedder; re-embedding it.")
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - absent or half-created: recreate either way
                pass
            coll = self.client.create_collection(name, embedding_function=self.embedder, metadata=metadata)
        self._collections[name] = coll
        self._counts[name] = coll.count()
        return coll

    def count(self, name: str) -> int:
        """Number of chunks in a collection (cached between syncs)."""
        self.collection(name)
        return self._counts[name]

    def indexed(self, name: str) -> dict[str, tuple[set[str], set[str]]]:
        """doc id -> (the content hashes its indexed chunks carry, their chunk ids)."""
        got = self.collection(name).get(include=["metadatas"])
        found: dict[str, tuple[set[str], set[str]]] = {}
        for chunk_id, meta in zip(got["ids"], got["metadatas"] or [], strict=False):
            hashes, ids = found.setdefault(str((meta or {}).get("doc_id")), (set(), set()))
            hashes.add(str((meta or {}).get("doc_hash")))
            ids.add(chunk_id)
        return found

    def sync(self, name: str, docs: dict[str, tuple[str, list[Chunk]]], force: bool = False) -> int:
        """Make a collection hold exactly `docs` (doc id -> (hash, chunks)); returns chunks embedded."""
        coll = self.collection(name)
        if force:
            self._delete_where(coll, None)
        indexed = {} if force else self.indexed(name)
        # A document is stale when gone, changed, or only partly indexed (e.g. an interrupted build).
        stale = {doc_id for doc_id, (hashes, ids) in indexed.items()
                 if doc_id not in docs or hashes != {docs[doc_id][0]}
                 or ids != {c.chunk_id for c in docs[doc_id][1]}}
        for doc_id in stale:
            self._delete_where(coll, doc_id)
        fresh = [chunk for doc_id, (_, chunks) in docs.items() if doc_id in stale or doc_id not in indexed
                 for chunk in chunks]
        self.add(name, fresh)
        self._counts[name] = coll.count()
        return len(fresh)

    def add(self, name: str, chunks: Sequence[Chunk]) -> None:
        """Embed and add chunks to a collection, in batches."""
        coll = self.collection(name)
        for start in range(0, len(chunks), _BATCH):
            batch = list(chunks[start:start + _BATCH])
            coll.upsert(
                ids=[c.chunk_id for c in batch],
                documents=[c.text for c in batch],
                embeddings=list(embed_texts(self.embedder, [c.text for c in batch])),
                metadatas=[_metadata(c, i) for i, c in enumerate(batch, start=start)],
            )
        self._counts[name] = coll.count()

    def delete_doc(self, name: str, doc_id: str) -> None:
        """Remove every chunk of one document."""
        coll = self.collection(name)
        self._delete_where(coll, doc_id)
        self._counts[name] = coll.count()

    @staticmethod
    def _delete_where(coll: Collection, doc_id: str | None) -> None:
        ids = coll.get(where={"doc_id": doc_id} if doc_id else None, include=[])["ids"]
        for start in range(0, len(ids), _BATCH):
            coll.delete(ids=ids[start:start + _BATCH])

    def chunks(self, name: str) -> list[Chunk]:
        """Every chunk stored in a collection, in a stable order."""
        got = self.collection(name).get(include=["documents", "metadatas"])
        found = [_chunk(cid, doc, meta) for cid, doc, meta in zip(got["ids"], got["documents"] or [],
                                                                  got["metadatas"] or [], strict=False)]
        return sorted(found, key=lambda c: c.chunk_id)

    def dense(self, vector: Iterable[float], n: int) -> list[DenseHit]:
        """Nearest chunks across both collections, best first."""
        hits: list[DenseHit] = []
        for name in COLLECTIONS:
            size = self.count(name)
            if not size:
                continue
            query: Any = [np.asarray(vector, dtype=np.float32)]  # chromadb's union type wants int32 too
            res = self.collection(name).query(query_embeddings=query, n_results=min(n, size),
                                              include=["distances"])
            distances = cast(list[list[float]], res["distances"])  # asked for in `include`
            hits.extend(DenseHit(cid, 1.0 - float(d))
                        for cid, d in zip(res["ids"][0], distances[0], strict=False))
        return sorted(hits, key=lambda h: -h.score)[:n]

    def close(self) -> None:
        """Release the client, and for a server its HTTP connections (best effort)."""
        # chromadb 1.5's HttpClient.close() leaves its httpx sessions (its own and its admin
        # client's) open; close them here.
        owners = (self.client, getattr(self.client, "_admin_client", None))
        sessions = [getattr(getattr(o, "_server", None), "_session", None) for o in owners]
        for closer in (getattr(self.client, "close", None), *(getattr(s, "close", None) for s in sessions)):
            if callable(closer):
                try:
                    closer()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass


def embed_texts(embedder: Any, texts: list[str]) -> np.ndarray:
    """Vectors from one of our embedders (`.embed`) or any chromadb embedding function."""
    embed = getattr(embedder, "embed", None)
    return np.asarray(embed(texts) if callable(embed) else embedder(texts), dtype=np.float32)


def _metadata(chunk: Chunk, order: int) -> dict[str, Any]:
    return {"doc_id": chunk.doc_id, "title": chunk.title, "section": chunk.section,
            "source": chunk.source, "doc_hash": chunk.doc_hash, "order": order}


def _chunk(chunk_id: str, document: str | None, meta: Mapping[str, Any] | None) -> Chunk:
    meta = meta or {}
    return Chunk(chunk_id, str(meta.get("doc_id", chunk_id.split("#")[0])), str(meta.get("title", "")),
                 str(meta.get("section", "")), document or "", str(meta.get("source", "corpus")),
                 str(meta.get("doc_hash", "")))


def _forget_local_system(path: Path) -> None:
    """Drop chromadb's in-process cache of a local system so the folder can be recreated."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    if system is not None:
        try:
            system.stop()
        except Exception:  # noqa: BLE001 - a broken system may not stop cleanly
            pass
