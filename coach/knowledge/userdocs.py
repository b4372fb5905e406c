"""User documents for `coach ingest PATH`: checks, paragraph chunking and a local manifest.

Each accepted file is copied to `data_dir/user_docs/<hash>.txt` and listed in
`data_dir/user_docs/manifest.json`, so the index can always be rebuilt from them (a
deleted index, a new embedder) and rebuilding the corpus never drops user documents.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from coach.knowledge.notes import Chunk, content_hash, group_paragraphs, slugify
from coach.knowledge.store import USER_DOCS, IndexStore

MAX_BYTES = 1_000_000
SUFFIXES = (".md", ".txt")

Status = Literal["ingested", "updated", "skipped", "error"]


@dataclass
class FileResult:
    """What happened to one file of an ingest."""

    path: str
    status: Status
    message: str
    doc_id: str = ""
    chunks: int = 0


@dataclass
class IngestReport:
    """The result of `KnowledgeBase.ingest`: one line per file."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ingested(self) -> int:
        """Files added or updated."""
        return sum(f.status in ("ingested", "updated") for f in self.files)

    @property
    def rejected(self) -> int:
        """Files skipped or in error."""
        return len(self.files) - self.ingested

    def lines(self) -> list[str]:
        """Human-readable lines, one per file, then a total."""
        out = [f"{f.status:8} {f.path}: {f.message}" for f in self.files]
        out.append(f"{self.ingested} ingested, {self.rejected} not ingested, {self.seconds:.2f}s")
        return out

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {"files": [asdict(f) for f in self.files], "ingested": self.ingested,
                "rejected": self.rejected, "seconds": round(self.seconds, 3)}


@dataclass
class UserDoc:
    """One ingested document as recorded in the manifest."""

    doc_id: str
    title: str
    path: str
    hash: str

    def chunks(self, text: str) -> list[Chunk]:
        """Paragraph groups of ~150-250 words, each prefixed with the title."""
        return [Chunk(f"{self.doc_id}#p{n}", self.doc_id, self.title, f"Part {n}",
                      f"{self.title} - Part {n}\n{piece}", "user", self.hash)
                for n, piece in enumerate(group_paragraphs(text), start=1)]


class UserDocStore:
    """The folder of ingested copies and its manifest."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / "user_docs"
        self.manifest_path = self.folder / "manifest.json"

    def load(self) -> list[UserDoc]:
        """Documents in the manifest whose copies still exist."""
        if not self.manifest_path.is_file():
            return []
        try:
            rows = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        docs = [UserDoc(**row) for row in rows if isinstance(row, dict)
                and set(row) == {"doc_id", "title", "path", "hash"}]
        return [d for d in docs if self.copy_path(d).is_file()]

    def save(self, docs: list[UserDoc]) -> None:
        """Write the manifest atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(d) for d in docs], indent=1), encoding="utf-8")
        tmp.replace(self.manifest_path)

    def copy_path(self, doc: UserDoc) -> Path:
        """Where the text of a document is kept."""
        return self.folder / f"{doc.hash}.txt"

    def text(self, doc: UserDoc) -> str:
        """The stored text of a document."""
        return self.copy_path(doc).read_text(encoding="utf-8")

    def keep(self, doc: UserDoc, text: str) -> None:
        """Store the text of a document."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.copy_path(doc).write_text(text, encoding="utf-8")

    def drop(self, doc: UserDoc) -> None:
        """Forget the stored text of a document."""
        self.copy_path(doc).unlink(missing_ok=True)


def candidate_files(path: Path) -> tuple[list[Path], list[FileResult]]:
    """The files to ingest under a path, and results for paths that cannot be used at all."""
    path = Path(path)
    if path.is_file():
        return [path], []
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            return [], [FileResult(str(path), "skipped", "no .md or .txt files in this folder")]
        return files, []
    return [], [FileResult(str(path), "error", "no such file or folder")]


def read_text_file(path: Path) -> tuple[str | None, str]:
    """The decoded text of a file, or None and the reason it cannot be ingested."""
    if path.suffix.lower() not in SUFFIXES:
        return None, f"not a .md or .txt file ({path.suffix or 'no extension'})"
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, f"too large ({size:,} bytes; the limit is {MAX_BYTES:,})"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if b"\x00" in data:
        return None, "looks binary (contains NUL bytes)"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "looks binary (not valid UTF-8 text)"
    if not text.strip():
        return None, "is empty"
    return text.replace("\r\n", "\n"), ""


def describe(path: Path, text: str, taken: set[str]) -> UserDoc:
    """A manifest entry for a new document: id from the file name, title from its first heading."""
    digest = content_hash(text)
    heading = re.search(r"^#{1,2}[ \t]+(.+?)\s*$", text, re.MULTILINE)
    title = heading.group(1).strip() if heading else path.stem.replace("-", " ").replace("_", " ").strip()
    doc_id = f"user-{slugify(path.stem)}"
    if doc_id in taken:
        doc_id = f"{doc_id}-{digest[:6]}"
    return UserDoc(doc_id=doc_id, title=title or doc_id, path=str(path.resolve()), hash=digest)


def ingest_path(index: IndexStore, store: UserDocStore, path: Path) -> IngestReport:
    """Check, copy, chunk and embed every usable file under `path`; one result per file."""
    started = time.perf_counter()
    docs = store.load()
    files, results = candidate_files(Path(path))
    report = IngestReport(files=results)
    for file in files:
        report.files.append(_ingest_one(index, store, docs, file))
    report.seconds = time.perf_counter() - started
    return report


def _ingest_one(index: IndexStore, store: UserDocStore, docs: list[UserDoc], file: Path) -> FileResult:
    """Ingest one file, updating `docs` and the manifest in place on success."""
    text, why = read_text_file(file)
    if text is None:
        return FileResult(str(file), "error" if why.startswith("cannot") else "skipped", why)
    digest = content_hash(text)
    same = next((d for d in docs if d.hash == digest), None)
    if same is not None:
        return FileResult(str(file), "skipped", f"duplicate: same content as {same.doc_id} ({same.path})",
                          same.doc_id)
    previous = next((d for d in docs if d.path == str(file.resolve())), None)
    doc = describe(file, text, {d.doc_id for d in docs if d is not previous})
    if previous is not None:
        doc.doc_id = previous.doc_id
    chunks = doc.chunks(text)
    try:
        store.keep(doc, text)
        if previous is not None:
            index.delete_doc(USER_DOCS, previous.doc_id)
        index.add(USER_DOCS, chunks)
    except Exception as exc:  # noqa: BLE001 - report per file, go on with the rest
        return FileResult(str(file), "error", f"could not be indexed ({exc})")
    if previous is not None:
        docs.remove(previous)
        store.drop(previous)
    docs.append(doc)
    store.save(docs)
    status: Status = "updated" if previous is not None else "ingested"
    words = len(text.split())
    return FileResult(str(file), status,
                      f"{words} words in {len(chunks)} chunk{'s' if len(chunks) != 1 else ''} as "
                      f"'{doc.doc_id}'", doc.doc_id,
                      len(chunks))
