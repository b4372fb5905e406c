"""Train the learned classifier: `python -m coach.engine.train`.

Reads every labelled statement in `evals/bank/*.yaml` and the dev classification cases,
embeds them, fits the linear models and their calibrators with fixed seeds, reports
5-fold cross-validated figures, and writes `coach/engine/model/` (weights, examples and
a manifest holding the sha256 of every training file). Only this module needs
scikit-learn; the classifier reads the saved weights with numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from coach.engine.classifier import read
from coach.engine.learned import KINDS, MODEL_DIR, TRAPS, LearnedModel, rule_features
from coach.engine.normalise import Speller, _americanise, canonical
from coach.minilm import encode, load

REPO = Path(__file__).resolve().parents[2]
DATA_GLOBS = ("evals/bank/*.yaml", "evals/cases/dev/classification*.yaml")
# Picked by 5-fold cross-validation on the bank and dev cases (see the manifest's "cv").
C_KIND, C_TRAP, RULE_WEIGHT = 4.0, 4.0, 0.5
SEED = 13
FOLDS = 5


@dataclass
class Data:
    """Labelled statements and their features, row-aligned."""

    statements: list[str]
    kinds: np.ndarray  # (n,) index into KINDS
    traps: np.ndarray  # (n, traps) 0/1
    embeddings: np.ndarray
    rules: np.ndarray
    sources: list[str]

    def subset(self, rows: np.ndarray) -> Data:
        return Data([self.statements[i] for i in rows], self.kinds[rows], self.traps[rows], self.embeddings[rows],
                    self.rules[rows], [self.sources[i] for i in rows])


def data_files(root: Path = REPO) -> list[Path]:
    """The training files, in a stable order (new bank files are picked up as they appear)."""
    return sorted({p for pattern in DATA_GLOBS for p in root.glob(pattern)})


def _items(data: object) -> list[dict]:
    if isinstance(data, dict):  # a file may hold {"items": [...]} or a bare list
        data = data.get("items") or data.get("cases") or []
    return [d for d in data or [] if isinstance(d, dict)]


def load_examples(files: list[Path]) -> tuple[list[dict], Counter]:
    """Statements with a valid kind and traps; the first label of a repeated statement wins."""
    examples, seen, skipped = [], set(), Counter()
    for path in files:
        for item in _items(yaml.safe_load(path.read_text(encoding="utf-8"))):
            label = item.get("expect") if isinstance(item.get("expect"), dict) else item
            statement, kind, traps = item.get("statement"), label.get("kind"), label.get("traps") or []
            if not isinstance(statement, str) or kind not in KINDS or not set(traps) <= set(TRAPS):
                skipped["unlabelled or unknown label"] += 1
                continue
            key = re.sub(r"\W+", " ", statement.lower()).strip()
            if key in seen:
                skipped["duplicate statement"] += 1
                continue
            seen.add(key)
            examples.append({"statement": statement.strip(), "kind": kind,
                             "traps": [t for t in TRAPS if t in traps], "source": path.name})
    return examples, skipped


def data_hash(files: list[Path], root: Path = REPO) -> tuple[str, dict[str, str]]:
    """The sha256 of each training file and one over all of them (path and content)."""
    each = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    combined = hashlib.sha256(json.dumps(each, sort_keys=True).encode()).hexdigest()
    return combined, each


def tokenizer_words() -> set[str]:
    """The tokenizer's whole words: words the embedder knows, which the speller leaves alone."""
    return {w for w in load().tokenizer.get_vocab() if w.isalpha()}


def vocabulary(statements: list[str]) -> dict[str, int]:
    """How often each (American-spelt, lowercased) word occurs in the labelled statements."""
    return dict(Counter(w.lower() for s in statements for w in re.findall(r"[A-Za-z]+", _americanise(s))))


def featurise(statements: list[str], speller: Speller | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Embeddings and rule features of the canonical form of each statement."""
    texts = [canonical(s, speller) for s in statements]
    rules = np.vstack([rule_features(t.lower(), read(t.lower())) for t in texts]) if texts else np.zeros((0, 0))
    return encode(texts), rules, texts


def build_data(examples: list[dict], speller: Speller | None) -> Data:
    emb, rules, _ = featurise([e["statement"] for e in examples], speller)
    kinds = np.array([KINDS.index(e["kind"]) for e in examples])
    traps = np.array([[int(t in e["traps"]) for t in TRAPS] for e in examples])
    return Data([e["statement"] for e in examples], kinds, traps, emb, rules, [e["source"] for e in examples])


def _linear(x: np.ndarray, y: np.ndarray, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:  # a trap nobody in this sample has: a constant "no"
        return np.zeros((1, x.shape[1])), np.array([-12.0 if y[0] == 0 else 12.0])
    model = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y)
    return model.coef_, model.intercept_


def _fit_raw(x: np.ndarray, data: Data, seed: int, c_kind: float, c_trap: float):
    """Uncalibrated weights: the multinomial kind model and one binary model per trap."""
    kind_coef, kind_icpt = _linear(x, data.kinds, c_kind, seed)
    if kind_coef.shape[0] != len(KINDS):  # a sample missing a kind: pad so shapes stay fixed
        full_c, full_i = np.zeros((len(KINDS), x.shape[1])), np.full(len(KINDS), -12.0)
        for row, k in enumerate(np.unique(data.kinds)):
            full_c[k], full_i[k] = kind_coef[row], kind_icpt[row]
        kind_coef, kind_icpt = full_c, full_i
    pairs = [_linear(x, data.traps[:, t], c_trap, seed) for t in range(len(TRAPS))]
    return kind_coef, kind_icpt, np.vstack([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def _temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the true kinds (grid search)."""
    best, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.25), np.log(6.0), 80)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1))).mean()
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best


def fit(data: Data, vocab: dict[str, int], seed: int = SEED, c_kind: float = C_KIND, c_trap: float = C_TRAP,
        rule_weight: float = RULE_WEIGHT, folds: int = FOLDS) -> LearnedModel:
    """Fit the linear models on all of `data` and their calibrators on out-of-fold predictions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x = np.hstack([data.embeddings, rule_weight * data.rules])
    n = len(data.statements)
    oof_kind, oof_trap, oof_cos = np.zeros((n, len(KINDS))), np.zeros((n, len(TRAPS))), np.zeros(n)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, held in splitter.split(x, data.kinds):
        kc, ki, tc, ti = _fit_raw(x[train], data.subset(train), seed, c_kind, c_trap)
        oof_kind[held] = x[held] @ kc.T + ki
        oof_trap[held] = x[held] @ tc.T + ti
        oof_cos[held] = (data.embeddings[held] @ data.embeddings[train].T).max(axis=1)
    temperature = _temperature(oof_kind, data.kinds)
    platt = np.zeros((len(TRAPS), 2))
    for t in range(len(TRAPS)):
        y = data.traps[:, t]
        if len(np.unique(y)) < 2:
            platt[t] = (1.0, 0.0)
            continue
        m = LogisticRegression(C=100.0).fit(oof_trap[:, [t]], y)
        platt[t] = (m.coef_[0, 0], m.intercept_[0])
    model = LearnedModel(np.zeros((len(KINDS), x.shape[1])), np.zeros(len(KINDS)), temperature,
                         np.zeros((len(TRAPS), x.shape[1])), np.zeros(len(TRAPS)), platt, np.array([1.0, 0.0, 0.0]),
                         rule_weight, data.embeddings, [], vocab)
    # The joint calibrator: out-of-fold joint probability and nearest cosine -> was the whole verdict right?
    pk = np.exp(oof_kind / temperature - (oof_kind / temperature).max(axis=1, keepdims=True))
    pk /= pk.sum(axis=1, keepdims=True)
    pt = 1 / (1 + np.exp(-(oof_trap * platt[:, 0] + platt[:, 1])))
    chosen, on = pk.argmax(axis=1), pt >= 0.5
    joint = np.clip(pk[np.arange(n), chosen] * np.where(on, pt, 1 - pt).prod(axis=1), 1e-6, 1 - 1e-6)
    right = (chosen == data.kinds) & (on == data.traps.astype(bool)).all(axis=1)
    features = np.column_stack([np.log(joint / (1 - joint)), oof_cos])
    if len(np.unique(right)) == 2:
        m = LogisticRegression(C=100.0).fit(features, right.astype(int))
        model.joint_calibration = np.array([m.coef_[0, 0], m.coef_[0, 1], m.intercept_[0]])
    model.kind_coef, model.kind_intercept, model.trap_coef, model.trap_intercept = _fit_raw(
        x, data, seed, c_kind, c_trap)
    model.examples = [{"statement": s, "kind": KINDS[k], "traps": [t for t, f in zip(TRAPS, row, strict=True) if f]}
                      for s, k, row in zip(data.statements, data.kinds, data.traps, strict=True)]
    return model


def cross_validate(data: Data, vocab: dict[str, int], folds: int = FOLDS, seed: int = SEED, **params) -> dict:
    """Out-of-fold verdicts of the whole pipeline (calibration included) and their figures."""
    from sklearn.model_selection import StratifiedKFold

    n = len(data.statements)
    kind_ok, traps_ok, conf = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed + 1)
    for train, held in splitter.split(data.embeddings, data.kinds):
        model = fit(data.subset(train), vocab, seed=seed, **params)
        for i, v in zip(held, model.predict(data.embeddings[held], data.rules[held]), strict=True):
            kind_ok[i] = KINDS.index(v.kind.value) == data.kinds[i]
            traps_ok[i] = [t.value for t in v.traps] == [t for t, f in zip(TRAPS, data.traps[i], strict=True) if f]
            conf[i] = v.confidence
    return figures(kind_ok, traps_ok, conf)


def figures(kind_ok: np.ndarray, traps_ok: np.ndarray, conf: np.ndarray) -> dict:
    """Kind accuracy, trap exact match, and the reliability of the confidence."""
    right = kind_ok & traps_ok
    high = conf >= 0.8
    bins = []
    for lo, hi in ((0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            bins.append({"from": lo, "to": min(hi, 1.0), "n": int(sel.sum()),
                         "mean_confidence": round(float(conf[sel].mean()), 3),
                         "right": round(float(right[sel].mean()), 3)})
    return {"n": int(len(conf)), "kind_accuracy": round(float(kind_ok.mean()), 4),
            "trap_exact_match": round(float(traps_ok.mean()), 4), "both_right": round(float(right.mean()), 4),
            "coverage_at_0.8": round(float(high.mean()), 4),
            "error_rate_at_0.8": round(float(1 - right[high].mean()), 4) if high.any() else None,
            "reliability": bins}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="Where to write the model files.")
    parser.add_argument("--no-cv", action="store_true", help="Skip the 5-fold cross-validation report.")
    args = parser.parse_args(argv)
    files = data_files()
    examples, skipped = load_examples(files)
    vocab = vocabulary([e["statement"] for e in examples])
    speller = Speller(tokenizer_words() | set(vocab), {w: c for w, c in vocab.items() if c >= 2})
    data = build_data(examples, speller)
    combined, each = data_hash(files)
    counts = Counter(e["source"].split("_")[0] if e["source"].startswith("w") else "dev" for e in examples)
    print(f"{len(examples)} labelled statements from {len(files)} files ({dict(counts)}); skipped {dict(skipped)}",
          file=sys.stderr)
    cv = None if args.no_cv else cross_validate(data, vocab)
    if cv:
        print(json.dumps(cv, indent=2), file=sys.stderr)
    model = fit(data, vocab)
    import sklearn

    model.manifest = {"data_sha256": combined, "files": each, "statements": len(examples),
                      "params": {"c_kind": C_KIND, "c_trap": C_TRAP, "rule_weight": RULE_WEIGHT, "seed": SEED,
                                 "folds": FOLDS},
                      "kind_temperature": round(model.kind_temperature, 4), "cv": cv,
                      "trained_with": f"scikit-learn {sklearn.__version__}"}
    model.save(args.out)
    print(f"wrote {args.out} (data sha256 {combined[:12]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
