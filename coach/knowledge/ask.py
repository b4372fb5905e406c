"""`answer_offline`: an extractive answer to a question, built from the top passages.

No language model: the 2-4 sentences of the top passages that share the most words with
the question (ties broken by passage rank) are quoted, each followed by its note id. A
question whose nearest chunk is far away in meaning (when the searcher can tell, as
`KnowledgeBase.top_similarity` does) or that shares no word with the passages gets a
plain "nothing found".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol

from coach.knowledge.lexical import tokenize
from coach.models import Answer, Passage

MAX_SENTENCES = 4
MIN_SENTENCES = 2
MAX_SENTENCE_CHARS = 400
MIN_SENTENCE_WORDS = 6
MAX_PER_NOTE = 2
#: Below this cosine similarity of the nearest chunk, a question is off-topic. With MiniLM,
#: on-topic questions score 0.3 or more and unrelated ones ("tell me a joke") about 0.15.
MIN_SIMILARITY = 0.2
NOTHING_FOUND = (
    "I found nothing in the knowledge notes that answers this. Try asking about turning an output into "
    "an outcome, for example: \"How do I turn a feature into an outcome?\", \"Is NPS enough as a metric?\", "
    "\"What is a guardrail metric?\" or \"How do product outcomes lead business outcomes?\""
)

_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]*[A-Z0-9])")
_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)]|>|#+)\s*")


class Searcher(Protocol):
    """What `answer_offline` needs from a knowledge base."""

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]: ...


@dataclass(frozen=True)
class _Candidate:
    score: float
    rank: int
    position: int
    sentence: str
    note_id: str


def sentences(text: str) -> list[str]:
    """Plain sentences of a passage: heading line dropped, markdown bullets and emphasis removed."""
    body = text.split("\n", 1)[1] if "\n" in text else text
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", body):
        line = " ".join(_MARKUP.sub("", ln).strip() for ln in para.splitlines() if ln.strip())
        line = re.sub(r"[*_`]{1,2}([^*_`]+)[*_`]{1,2}", r"\1", line)
        line = line.replace("|", " ").strip()
        if not line or set(line) <= set("-: "):
            continue
        # A sentence ending in ':' only introduces a list; it says nothing alone.
        out.extend(s.strip() for s in _SPLIT.split(line)
                   if len(s.split()) >= MIN_SENTENCE_WORDS and not s.rstrip().endswith(":"))
    return out


def _clip(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    return sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0] + "..."


def _candidates(question_terms: set[str], passages: list[Passage]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for rank, passage in enumerate(passages):
        for position, sentence in enumerate(sentences(passage.text)):
            terms = set(tokenize(sentence))
            overlap = len(question_terms & terms)
            if not overlap:
                continue
            # Word overlap dominates; an earlier passage and an earlier sentence break ties.
            score = overlap / math.sqrt(len(question_terms)) + 0.3 / (1 + rank) + 0.05 / (1 + position)
            found.append(_Candidate(score, rank, position, sentence, passage.id))
    return sorted(found, key=lambda c: -c.score)


def answer_offline(kb: Searcher, question: str, k: int = 3) -> Answer:
    """An extractive, cited answer from the top `k` passages, or a plain 'nothing found'."""
    terms = set(tokenize(question or ""))
    # The meaning gate applies when the searcher can measure it (KnowledgeBase.top_similarity).
    similarity = getattr(kb, "top_similarity", None)
    on_topic = bool(terms) and (not callable(similarity) or similarity(question) >= MIN_SIMILARITY)
    passages = kb.search(question, k=k) if on_topic else []
    picked: list[_Candidate] = []
    seen: set[str] = set()
    for cand in _candidates(terms, passages):
        key = cand.sentence.lower()
        if key in seen or sum(c.note_id == cand.note_id for c in picked) >= MAX_PER_NOTE:
            continue
        seen.add(key)
        picked.append(cand)
        if len(picked) == MAX_SENTENCES:
            break
    if not picked:
        return Answer(answer=NOTHING_FOUND, sources=[])
    if len(picked) < MIN_SENTENCES:
        top = sentences(passages[0].text)
        extra = next((s for s in top if s.lower() not in seen), None)
        if extra:
            picked.append(_Candidate(0.0, 0, top.index(extra), extra, passages[0].id))
    picked.sort(key=lambda c: (c.rank, c.position))
    text = " ".join(f"{_clip(c.sentence)} [{c.note_id}]" for c in picked)
    return Answer(answer=text, sources=passages)
