"""The learned classifier: a MiniLM sentence embedding, the rule reading, the labels of the
nearest labelled examples and word n-grams as features, fed to linear models trained on
the labelled bank (`python -m coach.engine.train`).

Inference is plain numpy over the weights in `coach/engine/model/`; scikit-learn is
needed only to train. The rules no longer decide anything: their kind, traps and cues
are input features, so a brittle regex can nudge a verdict but not flip it alone.

The verdict is the most probable (kind, trap set) pair among the pairs seen in training
(so never a combination the labelled examples never use).
Confidence is honest about the whole verdict, kind and trap set together. The kind
model's probability (temperature-scaled) of the chosen kind is multiplied by each trap
model's (Platt-scaled) probability of the decision taken for that trap, giving
P(kind and trap set right) under independence; a last calibrator, fitted on
out-of-fold predictions, maps that product and the cosine to the nearest labelled
example to the observed rate of fully right verdicts. So among verdicts given 0.9,
about nine in ten have both kind and traps right.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from coach.engine import lexicon as lx
from coach.engine import shapes as sh
from coach.engine.ngrams import vectorise
from coach.engine.normalise import Speller
from coach.models import Kind, Trap

MODEL_DIR = Path(__file__).resolve().parent / "model"
WEIGHTS_FILE = "weights.npz"
MANIFEST_FILE = "manifest.json"
EXAMPLES_FILE = "examples.json"
KINDS = [k.value for k in Kind]
TRAPS = [t.value for t in Trap]
CUES = ["label", "guardrail", "produced", "feature", "moment", "vanity", "sentiment", "push", "business",
        "qualified"]
LEXICON_FLAGS: list[tuple[str, re.Pattern[str]]] = [
    ("actor", lx.ACTOR), ("behavior", lx.BEHAVIOR), ("business", lx.BUSINESS), ("sentiment", lx.SENTIMENT),
    ("vanity", lx.VANITY), ("wrong_moment", lx.WRONG_MOMENT), ("produced", lx.PRODUCED),
    ("feature_noun", lx.FEATURE_NOUN), ("traction_verb", lx.TRACTION_VERB),
    ("engagement", lx.ENGAGEMENT_PUSH),
    ("frequency", lx.FREQUENCY), ("change", lx.CHANGE_VERB), ("target", sh.TARGET), ("currency", lx.CURRENCY),
    ("guard_clause", lx.GUARD_CLAUSE), ("throughput", lx.THROUGHPUT), ("digit", lx.NUMBERS),
    # A ratio or a qualified count ("share of views that include a review") is how outcomes are usually put.
    ("ratio", re.compile(r"\b(?:share|percentage|proportion|rate|ratio|%) of\b|%", re.I)),
    ("relative_clause", re.compile(r"\b(?:that|which|who|whose|where)\b", re.I)),
]
FEATURE_NAMES = ([f"rule_kind={k}" for k in KINDS] + [f"rule_trap={t}" for t in TRAPS]
                 + [f"cue={c}" for c in CUES]
                 + ["has_bet", "starts_delivery", "clauses>1", "words/20"]
                 + [f"family={name}" for name, _ in sh.FAMILIES]
                 + [f"lex={name}" for name, _ in LEXICON_FLAGS])


def rule_features(text: str, reading: Any) -> np.ndarray:
    """The rule classifier's reading of `text` as numbers: its verdict one-hot, its cues, word families.

    `reading` is `coach.engine.classifier.read(text)`, passed in so this module does not
    import the rules module that imports it.
    """
    main = reading.main or text
    values = [float(reading.kind.value == k) for k in KINDS]
    values += [float(any(t.value == trap for t in reading.traps)) for trap in TRAPS]
    values += [float(reading.guarded if c == "guardrail" else c in reading.cues) for c in CUES]
    values += [float(bool(reading.bet)), float(bool(lx.DELIVERY_VERB.match(main))),
               float(len([p for p in lx.CLAUSE_SPLIT.split(text) if p and p.strip()]) > 1),
               min(len(text.split()) / 20.0, 2.0)]
    values += [float(bool(pattern.search(text))) for _, pattern in sh.FAMILIES]
    values += [float(bool(pattern.search(text))) for _, pattern in LEXICON_FLAGS]
    return np.asarray(values, dtype=np.float32)


@dataclass
class Verdict:
    """What the learned model says about one statement, with the numbers behind it."""

    kind: Kind
    traps: list[Trap]
    confidence: float
    kind_probs: dict[str, float]
    trap_probs: dict[str, float]
    similar: list[dict] = field(default_factory=list)
    nearest_cosine: float = 0.0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def decode(kind_probs: np.ndarray, trap_probs: np.ndarray, combos: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the likeliest (kind, trap set) among `combos` (rows of kind index, then trap flags), and its
    probability P(kind) * prod P(each trap decision)."""
    kinds, traps = combos[:, 0].astype(int), combos[:, 1:].astype(bool)
    score = (np.log(np.clip(kind_probs, 1e-12, 1.0))[:, kinds]
             + np.log(np.clip(trap_probs, 1e-12, 1.0)) @ traps.T
             + np.log(np.clip(1.0 - trap_probs, 1e-12, 1.0)) @ (~traps).T)
    best = score.argmax(axis=1)
    return kinds[best], traps[best], np.exp(score[np.arange(len(best)), best])


def knn_features(sims: np.ndarray, labels: np.ndarray, k: int = 10) -> np.ndarray:
    """The labels of the k nearest examples, averaged with weights cos^3 (near ones count most)."""
    k = min(k, sims.shape[1])
    idx = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    weight = np.maximum(np.take_along_axis(sims, idx, axis=1), 0.0) ** 3
    return (labels[idx] * weight[..., None]).sum(axis=1) / np.maximum(weight.sum(axis=1, keepdims=True), 1e-9)


@dataclass(eq=False)  # hashed by identity: verdicts are cached per model
class LearnedModel:
    """Weights of the trained linear models and calibrators, and the labelled examples."""

    kind_coef: np.ndarray  # (kinds, features)
    kind_intercept: np.ndarray
    kind_temperature: float
    trap_coef: np.ndarray  # (traps, features)
    trap_intercept: np.ndarray
    trap_platt: np.ndarray  # (traps, 2): slope and offset on the raw logit
    joint_calibration: np.ndarray  # slope on logit(joint), slope on nearest cosine, offset
    combos: np.ndarray  # (pairs, 1 + traps): the (kind, trap set) pairs seen in training
    weights: dict[str, float]  # how much each feature block counts: rules, knn, ngrams
    example_embeddings: np.ndarray  # (examples, 384), unit vectors
    # (examples, kinds + traps): kind one-hot and trap flags, averaged over labellers
    example_labels: np.ndarray
    examples: list[dict]
    vocabulary: dict[str, int]
    ngram_vocab: list[str]
    ngram_idf: np.ndarray
    manifest: dict = field(default_factory=dict)

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        return embeddings.astype(np.float32) @ self.example_embeddings.T

    def design(self, embeddings: np.ndarray, rules: np.ndarray, texts: list[str],
               sims: np.ndarray) -> np.ndarray:
        """The model's input: embedding, rule features, neighbours' labels and word n-grams, each block
        weighted."""
        w = self.weights
        return np.hstack([embeddings.astype(np.float32), w["rules"] * rules.astype(np.float32),
                          w["knn"] * knn_features(sims, self.example_labels),
                          w["ngrams"] * vectorise(texts, self.ngram_vocab, self.ngram_idf)])

    def kind_probs(self, x: np.ndarray) -> np.ndarray:
        logits = (x @ self.kind_coef.T + self.kind_intercept) / self.kind_temperature
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def trap_probs(self, x: np.ndarray) -> np.ndarray:
        raw = x @ self.trap_coef.T + self.trap_intercept
        return _sigmoid(raw * self.trap_platt[:, 0] + self.trap_platt[:, 1])

    def predict(self, embeddings: np.ndarray, rules: np.ndarray, texts: list[str]) -> list[Verdict]:
        """Verdicts for a batch: unit embeddings, rule feature rows and canonical lowercased texts."""
        sims = self.similarities(embeddings)
        x = self.design(embeddings, rules, texts, sims)
        pk, pt = self.kind_probs(x), self.trap_probs(x)
        idx = np.argsort(-sims, axis=1, kind="stable")[:, :3]
        cos = np.take_along_axis(sims, idx, axis=1)
        chosen, on, joint = decode(pk, pt, self.combos)
        a, b, c = self.joint_calibration
        confidence = _sigmoid(a * _logit(joint) + b * cos[:, 0] + c)
        verdicts = []
        for i in range(len(x)):
            verdicts.append(Verdict(
                kind=Kind(KINDS[chosen[i]]),
                traps=[Trap(t) for t, flag in zip(TRAPS, on[i], strict=True) if flag],
                confidence=round(float(confidence[i]), 3),
                kind_probs={k: round(float(p), 3) for k, p in zip(KINDS, pk[i], strict=True)},
                trap_probs={t: round(float(p), 3) for t, p in zip(TRAPS, pt[i], strict=True)},
                similar=[dict(self.examples[j]) for j in idx[i]],
                nearest_cosine=round(float(cos[i, 0]), 3),
            ))
        return verdicts

    def speller(self, known: set[str]) -> Speller:
        """The typo mender for this model, towards the words of its labelled examples."""
        return Speller(known, self.vocabulary)

    def save(self, folder: Path) -> None:
        """Write the weights (.npz), the examples and the manifest (JSON) to `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / WEIGHTS_FILE, kind_coef=self.kind_coef.astype(np.float32),
            kind_intercept=self.kind_intercept.astype(np.float32),
            kind_temperature=np.float32(self.kind_temperature),
            trap_coef=self.trap_coef.astype(np.float32),
            trap_intercept=self.trap_intercept.astype(np.float32),
            trap_platt=self.trap_platt.astype(np.float32),
            joint_calibration=self.joint_calibration.astype(np.float32),
            combos=self.combos.astype(np.int8),
            ngram_idf=self.ngram_idf.astype(np.float32),
            example_embeddings=self.example_embeddings.astype(np.float16),
            example_labels=self.example_labels.astype(np.float16))
        payload = {"weights": self.weights, "examples": self.examples, "ngrams": self.ngram_vocab,
                   "vocabulary": dict(sorted(self.vocabulary.items()))}
        (folder / EXAMPLES_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n",
                                            encoding="utf-8")
        manifest = {**self.manifest, "kinds": KINDS, "traps": TRAPS,
                    "features": ["minilm[384]"] + FEATURE_NAMES
                    + [f"knn={label}" for label in KINDS + TRAPS] + [f"ngrams[{len(self.ngram_vocab)}]"]}
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = MODEL_DIR) -> LearnedModel:
        """Read a saved model; raises FileNotFoundError when it was never trained."""
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("features",
                        [])[1:1 + len(FEATURE_NAMES)] != FEATURE_NAMES or manifest.get("traps") != TRAPS:
            raise FileNotFoundError(f"{folder} was trained on other features; retrain with python -m "
                                    f"coach.engine.train")
        payload = json.loads((folder / EXAMPLES_FILE).read_text(encoding="utf-8"))
        with np.load(folder / WEIGHTS_FILE) as w:
            return cls(
                kind_coef=w["kind_coef"], kind_intercept=w["kind_intercept"],
                kind_temperature=float(w["kind_temperature"]), trap_coef=w["trap_coef"],
                trap_intercept=w["trap_intercept"], trap_platt=w["trap_platt"],
                joint_calibration=w["joint_calibration"], combos=w["combos"].astype(int),
                weights=payload["weights"],
                example_embeddings=w["example_embeddings"].astype(np.float32),
                example_labels=w["example_labels"].astype(np.float32), examples=payload["examples"],
                vocabulary=payload["vocabulary"], ngram_vocab=payload["ngrams"], ngram_idf=w["ngram_idf"],
                manifest=manifest)


@cache
def shipped_model() -> LearnedModel | None:
    """The model trained into `coach/engine/model/`, loaded once; None when it is missing."""
    try:
        return LearnedModel.load(MODEL_DIR)
    except (FileNotFoundError, KeyError, ValueError):
        return None
