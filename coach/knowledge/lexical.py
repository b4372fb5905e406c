"""In-memory BM25 over the indexed chunks, via the `bm25s` library.

Tokens are lowercased words minus English stopwords (bm25s's list), passed through a
small suffix-stripping stemmer (bm25s takes any callable; no stemmer download needed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from coach.knowledge.notes import Chunk

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(STOPWORDS_EN) | {"s", "t", "us", "we", "our", "i", "my", "me", "can", "how", "what",
                                       "why"}
# Longest suffix first; each keeps a stem of at least three letters.
_SUFFIXES = (("ational", "ate"), ("ization", "ize"), ("iveness", "ive"), ("fulness", "ful"),
             ("ements", "e"), ("ement", "e"), ("ments", ""), ("ment", ""), ("ities", "ity"), ("ings", ""),
             ("ing", ""), ("ies", "y"), ("ied", "y"), ("edly", ""), ("ed", ""), ("ers", "er"), ("es", ""),
             ("ly", ""), ("s", ""))


def stem(word: str) -> str:
    """A light English stemmer: 'applications' -> 'application', 'hire', 'hires', 'hiring' -> 'hir'."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: -len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


# British and American spellings meet in one token: the notes say "behaviour", users type "behavior".
_SPELLING = ((re.compile(r"(?<=[a-z])(iour|vour|lour|bour|mour|nour)"),
              lambda m: m.group(1).replace("our", "or")),
             (re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)$"), lambda m: "iz" + m.group(1)),
             (re.compile(r"(?<=[a-z]{2})tre$"), lambda m: "ter"))


def americanise(word: str) -> str:
    for pattern, repl in _SPELLING:
        word = pattern.sub(repl, word)
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens without stopwords, spelling-normalised and stemmed."""
    return [stem(americanise(t)) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS and len(t) > 1]


class LexicalIndex:
    """BM25 over a fixed list of chunks; rebuilt whenever the chunks change."""

    def __init__(self, chunks: Sequence[Chunk], k1: float = 1.5, b: float = 0.75) -> None:
        self.chunks = list(chunks)
        self._bm25: bm25s.BM25 | None = None
        if self.chunks:
            # The heading line (title and section) is part of each chunk's text; repeating it as a
            # title boost did not help on the dev split, so it counts once.
            corpus = [tokenize(c.text) or ["_empty_"] for c in self.chunks]
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, n: int) -> list[tuple[Chunk, float]]:
        """The best `n` chunks with a positive BM25 score, best first."""
        tokens = tokenize(query)
        if self._bm25 is None or not tokens:
            return []
        ids = self._bm25.get_tokens_ids(tokens)
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        top = np.argsort(-scores, kind="stable")[:n]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

