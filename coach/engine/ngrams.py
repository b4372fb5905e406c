"""Word unigrams and bigrams with tf-idf weights, in plain numpy, for the learned classifier.

The same code builds the vocabulary at training time and vectorises at run time, so
no scikit-learn vectoriser (and its hashing or pickles) is needed to classify. The
weighting follows scikit-learn's `TfidfVectorizer(sublinear_tf=True, smooth_idf=True)`.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_TOKEN = re.compile(r"\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Lowercased words of two or more characters and the bigrams they form."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def fit_vocabulary(texts: list[str], min_df: int = 2) -> tuple[list[str], np.ndarray]:
    """Terms found in at least `min_df` texts, sorted, and their smoothed idf."""
    df = Counter(t for text in texts for t in set(terms(text)))
    vocab = sorted(t for t, n in df.items() if n >= min_df)
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab], dtype=np.float32)
    return vocab, idf


def vectorise(texts: list[str], vocab: list[str], idf: np.ndarray) -> np.ndarray:
    """(texts, terms) rows of (1 + log tf) * idf, each scaled to unit length."""
    index = {t: i for i, t in enumerate(vocab)}
    out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for row, text in enumerate(texts):
        for term, count in Counter(terms(text)).items():
            col = index.get(term)
            if col is not None:
                out[row, col] = (1.0 + math.log(count)) * idf[col]
        norm = float(np.linalg.norm(out[row]))
        if norm:
            out[row] /= norm
    return out
