"""Knowledge notes: load `knowledge/*.md` (YAML front matter + `## ` sections) and chunk them.

A note becomes one chunk per `## ` section, plus a "summary" chunk for the text before
the first section. Chunk ids are stable (`<note-id>#<section-slug>`), and every chunk's
text starts with a heading line naming the note, so a chunk stands alone when retrieved.

A note's front matter may also carry `in_short` (the curated direct answer) and `questions`
(the questions it answers, in a PM's words). They become an "In short" chunk and one small
chunk per question, so a question typed by a user meets the questions the note answers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

#: Bump when chunking changes, so every note's hash changes and the index re-embeds.
CHUNKER_VERSION = "2"
#: A section longer than this (in words) is split into paragraph groups.
MAX_CHUNK_WORDS = 250
MIN_CHUNK_WORDS = 150
SUMMARY = "summary"
IN_SHORT = "In short"
QUESTION = "Question"

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_SECTION = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_H1 = re.compile(r"\A\s*#[ \t]+[^\n]*\n?")


class NoteError(ValueError):
    """A knowledge note that cannot be loaded; the message names the file."""


@dataclass(frozen=True)
class Chunk:
    """One embeddable piece of a note or of an ingested document."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    text: str
    source: str = "corpus"
    doc_hash: str = ""

    @property
    def body(self) -> str:
        """The text without its heading line."""
        return self.text.split("\n", 1)[1].strip() if "\n" in self.text else self.text


@dataclass
class Note:
    """One knowledge note of the shipped corpus."""

    id: str
    title: str
    body: str
    path: Path
    hash: str
    tags: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    in_short: str = ""
    questions: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The note's markdown body, without front matter."""
        return self.body

    def chunks(self) -> list[Chunk]:
        """The note split by `## ` section, each chunk prefixed with the title, plus its curated answer
        chunks."""
        chunks = chunk_sections(self.id, self.title, self.body, source="corpus", doc_hash=self.hash)
        return chunks + answer_chunks(self)


def answer_chunks(note: Note) -> list[Chunk]:
    """The "In short" chunk (the curated answer) and one chunk per question the note answers."""
    if not note.in_short:
        return []
    out = [Chunk(f"{note.id}#in-short", note.id, note.title, IN_SHORT,
                 f"{note.title} - {IN_SHORT}\n{note.in_short}", "corpus", note.hash)]
    for n, question in enumerate(note.questions, start=1):
        out.append(Chunk(f"{note.id}#question-{n}", note.id, note.title, QUESTION, f"{QUESTION}: {question}",
                         "corpus", note.hash))
    return out


def is_question_chunk(chunk_id: str) -> bool:
    """True for the per-question chunks, which match queries but are never shown as a passage."""
    return "#question-" in chunk_id


def slugify(text: str) -> str:
    """A lowercase, hyphenated slug: 'Why it matters?' -> 'why-it-matters'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def content_hash(text: str) -> str:
    """Hash of a document's text together with the chunker version."""
    return hashlib.sha256(f"{CHUNKER_VERSION}\n{text}".encode()).hexdigest()[:16]


def group_paragraphs(text: str, min_words: int = MIN_CHUNK_WORDS,
                     max_words: int = MAX_CHUNK_WORDS) -> list[str]:
    """Join paragraphs into groups of about min..max words; a huge paragraph is split by words."""
    groups: list[str] = []
    current: list[str] = []
    count = 0
    for para in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not para:
            continue
        words = len(para.split())
        if current and (count >= min_words or count + words > max_words):
            groups.append("\n\n".join(current))
            current, count = [], 0
        if words > max_words:
            tokens = para.split()
            for start in range(0, len(tokens), max_words):
                groups.append(" ".join(tokens[start:start + max_words]))
            continue
        current.append(para)
        count += words
    if current:
        groups.append("\n\n".join(current))
    return groups


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) pairs; the text before the first `## ` heading is the summary."""
    parts: list[tuple[str, str]] = []
    matches = list(_SECTION.finditer(body))
    lead = body[: matches[0].start()] if matches else body
    lead = _H1.sub("", lead, count=1)
    parts.append((SUMMARY, lead.strip()))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        parts.append((match.group(1).strip(), body[match.end():end].strip()))
    return [(heading, text) for heading, text in parts if text]


def chunk_sections(doc_id: str, title: str, body: str, source: str = "corpus",
                   doc_hash: str = "") -> list[Chunk]:
    """Chunk a markdown body by `## ` section, with stable, unique chunk ids."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for heading, text in _sections(body):
        base = slugify(heading)
        pieces = group_paragraphs(text) if len(text.split()) > MAX_CHUNK_WORDS else [text]
        for n, piece in enumerate(pieces, start=1):
            slug = base if n == 1 else f"{base}-{n}"
            while slug in seen:
                slug = f"{slug}-x"
            seen.add(slug)
            label = "Summary" if heading == SUMMARY else heading
            chunks.append(Chunk(f"{doc_id}#{slug}", doc_id, title, label, f"{title} - {label}\n{piece}",
                                source, doc_hash))
    return chunks


def parse_note(path: Path) -> Note:
    """Parse one note file; raise `NoteError` naming the file when it is malformed."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NoteError(f"{path}: cannot read note ({exc})") from exc
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise NoteError(f"{path}: no YAML front matter (expected a leading '---' block with id and title)")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise NoteError(f"{path}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise NoteError(f"{path}: front matter must be a mapping with id and title")
    note_id = str(meta.get("id") or "").strip()
    if not note_id:
        raise NoteError(f"{path}: front matter has no 'id'")
    body = raw[match.end():].strip()
    if not body:
        raise NoteError(f"{path}: note '{note_id}' has no body")
    title = str(meta.get("title") or note_id).strip()
    in_short = " ".join(str(meta.get("in_short") or "").split())
    questions = meta.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise NoteError(f"{path}: 'questions' must be a list of non-empty strings")
    if questions and not in_short:
        raise NoteError(f"{path}: note '{note_id}' lists questions but has no 'in_short' answer")
    return Note(
        id=note_id,
        title=title,
        body=body,
        path=path,
        hash=content_hash(raw),
        tags=[str(t) for t in (meta.get("tags") or [])],
        sources=[str(s) for s in (meta.get("sources") or [])],
        in_short=in_short,
        questions=[" ".join(q.split()) for q in questions],
    )


def load_notes(knowledge_dir: Path) -> list[Note]:
    """Load every `*.md` note in a folder, sorted by file name; ids must be unique."""
    knowledge_dir = Path(knowledge_dir)
    if not knowledge_dir.is_dir():
        raise NoteError(f"{knowledge_dir}: knowledge folder not found")
    notes: list[Note] = []
    seen: dict[str, Path] = {}
    for path in sorted(knowledge_dir.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        note = parse_note(path)
        if note.id in seen:
            raise NoteError(f"{path}: duplicate note id '{note.id}' (also in {seen[note.id]})")
        seen[note.id] = path
        notes.append(note)
    return notes
