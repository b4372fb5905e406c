"""`KnowledgeBase`: build the index, search it (dense, BM25 or hybrid), ingest user documents.

Hybrid search fuses the chroma nearest neighbours and the in-memory BM25 ranking by
reciprocal rank fusion over documents, each shown by its best chunk. Searches cover the
shipped corpus and the user's ingested documents.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from coach.knowledge.ask import COVERED_SIMILARITY
from coach.knowledge.embedder import EmbedderUnavailable, MiniLMEmbedder
from coach.knowledge.lexical import LexicalIndex, tokenize
from coach.knowledge.notes import Chunk, Note, is_question_chunk, load_notes
from coach.knowledge.store import COLLECTIONS, CORPUS, USER_DOCS, IndexStore, embed_texts
from coach.knowledge.userdocs import IngestReport, UserDocStore, ingest_path
from coach.models import Passage
from coach.settings import Settings

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")
RRF_K = 60
#: Marks the curated answer inside a passage's text: "In short: ...".
IN_SHORT_LABEL = "In short:"


@dataclass
class BuildReport:
    """What a build did."""

    notes: int = 0
    chunks: int = 0
    embedded: int = 0
    user_docs: int = 0
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self) | {"seconds": round(self.seconds, 3)}

    def line(self) -> str:
        """One line for humans."""
        return (f"{self.notes} notes, {self.chunks} chunks ({self.embedded} embedded), "
                f"{self.user_docs} user documents, {self.seconds:.2f}s")


def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists: score = sum of 1 / (k + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_by_document(rankings: list[list[str]], chunks: dict[str, Chunk]) -> list[tuple[str, float]]:
    """RRF over documents (the unit returned), each shown by its best chunk by chunk-level RRF.

    A note's curated answer chunks ("In short" and its questions) count for the note's rank, but
    the note is shown by its best section of prose (see `_passages`)."""
    best: dict[str, str] = {}
    for chunk_id, _ in rrf(rankings):
        doc_id = chunks[chunk_id].doc_id
        if doc_id not in best or (_shown_late(best[doc_id], chunks) and not _shown_late(chunk_id, chunks)):
            best[doc_id] = chunk_id
    doc_rankings = [list(dict.fromkeys(chunks[c].doc_id for c in ranking)) for ranking in rankings]
    return [(best[doc_id], score) for doc_id, score in rrf(doc_rankings)]


def is_answer_chunk(chunk_id: str) -> bool:
    """The curated "In short" chunk or one of a note's question chunks."""
    return chunk_id.endswith("#in-short") or is_question_chunk(chunk_id)


def _shown_late(chunk_id: str, chunks: dict[str, Chunk]) -> bool:
    """Chunks a passage is not shown by when a better one exists: the answer chunks, and the summary of a
    note with an "In short" (the curated answer already leads every passage of that note)."""
    doc_id = chunk_id.split("#", 1)[0]
    return is_answer_chunk(chunk_id) or (chunk_id.endswith("#summary") and f"{doc_id}#in-short" in chunks)


def _best_prose(doc_id: str, ranked: list[tuple[str, float]], chunks: dict[str, Chunk]) -> Chunk | None:
    """A note's best-ranked section of prose (other than its summary), else its first section."""
    for chunk_id, _ in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is not None and chunk.doc_id == doc_id and not _shown_late(chunk_id, chunks):
            return chunk
    own = sorted((c for c in chunks.values() if c.doc_id == doc_id and not _shown_late(c.chunk_id, chunks)),
                 key=lambda c: c.chunk_id)
    return own[0] if own else None


def passage_text(chunk: Chunk, chunks: dict[str, Chunk]) -> str:
    """A chunk's text, with its note's curated "In short" answer after the heading line when it has one."""
    in_short = chunks.get(f"{chunk.doc_id}#in-short")
    if in_short is None or chunk.source == "user":
        return chunk.text
    heading, _, body = chunk.text.partition("\n")
    return f"{heading}\n{IN_SHORT_LABEL} {in_short.body}\n\n{body}"


def _passages(ranked: list[tuple[str, float]], chunks: dict[str, Chunk], k: int) -> list[Passage]:
    """Best chunk per document, as passages, best first; a note is shown by prose, led by its "In short"."""
    out: list[Passage] = []
    seen: set[str] = set()
    for chunk_id, score in ranked:
        chunk = chunks.get(chunk_id)
        if chunk is not None and _shown_late(chunk_id, chunks):
            chunk = _best_prose(chunk.doc_id, ranked, chunks) or chunk
        if chunk is None or chunk.doc_id in seen:
            continue
        seen.add(chunk.doc_id)
        out.append(Passage(id=chunk.doc_id, title=chunk.title, section=chunk.section,
                           text=passage_text(chunk, chunks), score=round(score, 6), chunk_id=chunk.chunk_id,
                           source="user" if chunk.source == "user" else "corpus"))
        if len(out) == k:
            break
    return out


class KnowledgeBase:
    """The knowledge corpus plus ingested documents, searchable by meaning and by words."""

    def __init__(self, settings: Settings | None = None, embedder: Any | None = None) -> None:
        self.settings = settings or Settings()
        self.embedder = embedder if embedder is not None else MiniLMEmbedder()
        self.user_docs = UserDocStore(Path(self.settings.data_dir))
        self._store: IndexStore | None = None
        self._notes: list[Note] | None = None
        # Chunks by id and the BM25 index over them, swapped as one tuple so a search never mixes two.
        self._index: tuple[dict[str, Chunk], LexicalIndex] | None = None
        self._lock = threading.RLock()
        self._df: tuple[dict[str, Chunk], dict[str, int]] | None = None

    @property
    def store(self) -> IndexStore:
        """The chromadb store, opened on first use."""
        with self._lock:
            if self._store is None:
                self._store = IndexStore(self.settings, self.embedder)
            return self._store

    @property
    def notes(self) -> list[Note]:
        """The shipped notes, loaded from `settings.knowledge_dir`."""
        if self._notes is None:
            self._notes = load_notes(Path(self.settings.knowledge_dir))
        return self._notes

    @property
    def notices(self) -> list[str]:
        """Things worth telling the user, e.g. that a corrupt index was rebuilt."""
        return list(self._store.notices) if self._store else []

    def build(self, force: bool = False) -> BuildReport:
        """Embed what changed (or everything with force) and drop what is gone; reload BM25."""
        started = time.perf_counter()
        with self._lock:
            self._notes = load_notes(Path(self.settings.knowledge_dir))
            corpus = {n.id: (n.hash, n.chunks()) for n in self._notes}
            docs = self.user_docs.load()
            user = {d.doc_id: (d.hash, d.chunks(self.user_docs.text(d))) for d in docs}
            try:
                embedded = self.store.sync(CORPUS, corpus,
                                           force=force) + self.store.sync(USER_DOCS, user, force=force)
                self._reload()
            except EmbedderUnavailable:
                raise
            except Exception as exc:
                if self.settings.chroma_host:
                    raise
                self.store.reset(f"failed while syncing ({exc.__class__.__name__}: {exc})")
                embedded = self.store.sync(CORPUS, corpus,
                                           force=True) + self.store.sync(USER_DOCS, user, force=True)
                self._reload()
            chunks = len(self._index[0]) if self._index else 0
            return BuildReport(notes=len(self._notes), chunks=chunks, embedded=embedded, user_docs=len(docs),
                               seconds=time.perf_counter() - started, notices=list(self.store.notices))

    def _reload(self) -> None:
        """Read every chunk back from the index and rebuild the BM25 index over them."""
        chunks = [c for name in COLLECTIONS for c in self.store.chunks(name)]
        self._index = ({c.chunk_id: c for c in chunks}, LexicalIndex(chunks))

    def _ensure_ready(self) -> tuple[dict[str, Chunk], LexicalIndex]:
        with self._lock:
            if self._index is None:
                self.build()
            assert self._index is not None
            return self._index

    def search(self, query: str, k: int | None = None, mode: Mode = "hybrid",
               prior: Sequence[str] = ()) -> list[Passage]:
        """The top `k` passages for a query, at most one per document; empty query -> [].

        `prior` is a ranking of note ids from elsewhere (e.g. the classifier's verdict on the
        question) fused in hybrid mode as one more ranked list."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        text = " ".join((query or "").split())
        if not text:
            return []
        k = k or self.settings.top_k
        chunks, lexical_index = self._ensure_ready()
        pool = max(4 * k, 20)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            vector = embed_texts(self.embedder, [text])[0]
            dense = [(h.chunk_id, h.score) for h in self.store.dense(vector, pool) if h.chunk_id in chunks]
        if mode in ("bm25", "hybrid"):
            lexical = [(c.chunk_id, s) for c, s in lexical_index.search(text, pool)]
        if mode == "hybrid":
            rankings = [[cid for cid, _ in dense], [cid for cid, _ in lexical]]
            # The questions each note answers (and its "In short") rank once more on their own, so a
            # question close to one a note answers counts for that note as much as its prose does. An
            # ingested document has no such questions; its own text stands in, so it is not outranked.
            rankings.append([cid for cid, _ in dense if is_answer_chunk(cid) or chunks[cid].source == "user"])
            if prior:
                rankings.append(_prior_chunks(prior, rankings, chunks))
            ranked = fuse_by_document(rankings, chunks)
        else:
            ranked = dense or lexical
        return _passages(ranked, chunks, k)

    def top_similarity(self, query: str) -> float:
        """Cosine similarity of the chunk nearest in meaning to the query; 0.0 when there is none."""
        hits = self.search(query, k=1, mode="dense")
        return hits[0].score if hits else 0.0

    def coverage_threshold(self) -> float | None:
        """The coverage score below which the library does not cover a question: calibrated for the MiniLM
        embedder only; None (decide by shared words alone) for any other embedder."""
        return COVERED_SIMILARITY if isinstance(self.embedder, MiniLMEmbedder) else None

    def best_answer(self, query: str) -> tuple[str, float] | None:
        """The note whose curated answer or listed questions come nearest in meaning to the query, with
        that cosine similarity; None when no note has them."""
        text = " ".join((query or "").split())
        if not text:
            return None
        chunks, _ = self._ensure_ready()
        vector = embed_texts(self.embedder, [text])[0]
        for hit in self.store.dense(vector, max(40, 4 * self.settings.top_k)):
            if hit.chunk_id in chunks and is_answer_chunk(hit.chunk_id):
                return chunks[hit.chunk_id].doc_id, hit.score
        return None

    def term_weights(self, text: str) -> dict[str, float]:
        """Inverse document frequency (over the indexed chunks) of each word of a text: rare words weigh
        more."""
        chunks, _ = self._ensure_ready()
        with self._lock:
            if self._df is None or self._df[0] is not chunks:
                counts: dict[str, int] = {}
                for chunk in chunks.values():
                    for term in set(tokenize(chunk.body)):
                        counts[term] = counts.get(term, 0) + 1
                self._df = (chunks, counts)
            total, counts = len(chunks), self._df[1]
        return {t: math.log(1 + total / counts[t]) for t in dict.fromkeys(tokenize(text)) if counts.get(t)}

    def note(self, note_id: str) -> Note | None:
        """A shipped note (or an ingested document) by id, or None."""
        for note in self.notes:
            if note.id == note_id:
                return note
        for doc in self.user_docs.load():
            if doc.doc_id == note_id:
                return Note(id=doc.doc_id, title=doc.title, body=self.user_docs.text(doc),
                            path=self.user_docs.copy_path(doc), hash=doc.hash)
        return None

    def ingest(self, path: str | Path) -> IngestReport:
        """Add a file, or a folder of .md/.txt files, to the user's documents; see the report per file."""
        with self._lock:
            self._ensure_ready()
            report = ingest_path(self.store, self.user_docs, Path(path))
            if report.ingested:
                self._reload()
            return report

    def close(self) -> None:
        """Release the index client."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
            self._index = None

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _prior_chunks(note_ids: Sequence[str], rankings: list[list[str]], chunks: dict[str, Chunk]) -> list[str]:
    """Each prior note as its best-ranked chunk (or its first one)."""
    out = []
    for note_id in note_ids:
        ranked = [cid for ranking in rankings for cid in ranking if chunks[cid].doc_id == note_id]
        own = ranked or [cid for cid, c in chunks.items() if c.doc_id == note_id][:1]
        out.extend(own[:1])
    return out
