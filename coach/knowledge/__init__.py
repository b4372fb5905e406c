"""The retrieval layer of Outcome Coach: knowledge notes, embeddings, the index, search and answers.

    kb = KnowledgeBase(settings)              # MiniLM embedder by default; inject HashEmbedder in tests
    kb.build()                                # incremental: embeds only notes whose hash changed
    kb.search("Is NPS enough?", k=3)          # -> list[Passage], hybrid dense + BM25 by default
    answer_offline(kb, "Is NPS enough?")      # -> Answer with cited sentences and sources
    kb.ingest("docs/")                        # -> IngestReport, one line per file
"""

from coach.knowledge.ask import answer_offline
from coach.knowledge.embedder import EmbedderUnavailable, HashEmbedder, MiniLMEmbedder
from coach.knowledge.lexical import LexicalIndex, tokenize
from coach.knowledge.notes import Chunk, Note, NoteError, chunk_sections, load_notes, parse_note
from coach.knowledge.retrieve import MODES, BuildReport, KnowledgeBase, rrf
from coach.knowledge.store import CORPUS, USER_DOCS, IndexStore, make_client
from coach.knowledge.userdocs import FileResult, IngestReport

__all__ = [
    "CORPUS",
    "MODES",
    "USER_DOCS",
    "BuildReport",
    "Chunk",
    "EmbedderUnavailable",
    "FileResult",
    "HashEmbedder",
    "IndexStore",
    "IngestReport",
    "KnowledgeBase",
    "LexicalIndex",
    "MiniLMEmbedder",
    "Note",
    "NoteError",
    "answer_offline",
    "chunk_sections",
    "load_notes",
    "make_client",
    "parse_note",
    "rrf",
    "tokenize",
]
