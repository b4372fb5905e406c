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
from typing import Any

import numpy as np
import yaml

from coach.engine.classifier import read
from coach.engine.learned import FEATURE_NAMES, KINDS, MODEL_DIR, TRAPS, LearnedModel, decode, rule_features
from coach.engine.ngrams import fit_vocabulary
from coach.engine.normalise import Speller, _americanise, canonical
from coach.minilm import encode, load

REPO = Path(__file__).resolve().parents[2]
# The real-world set (evals/realworld/statements.yaml, adjudicated labels) joined training once it had been
# scored; statements2.yaml is unlabelled on purpose (the fresh measure) and is never read here.
DATA_GLOBS = ("evals/bank/*.yaml", "evals/cases/dev/classification*.yaml", "coach/engine/spec_examples.yaml",
              "evals/realworld/statements.yaml")
SECOND_LABEL_GLOB = "evals/bank/labels_*/*.yaml"  # a second labeller's {id, kind, traps} for bank items
# Picked by 5-fold cross-validation on the bank and dev cases (see the manifest's "cv").
C_KIND, C_TRAP = 4.0, 4.0
REAL_WORLD = "statements.yaml"  # the file name of the real-world set among the training files
REAL_WORLD_WEIGHT = 3.0
WEIGHTS = {"rules": 1.0, "knn": 1.0, "ngrams": 1.0}
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
    texts: list[str]  # canonical, lowercased: what the n-gram features read
    sources: list[str]
    alt_kinds: np.ndarray  # the second labeller's kind, or the first's where there is none
    alt_traps: np.ndarray
    groups: list[str]  # who wrote it: a bank batch file, a dev file, or a real-world document's source

    @property
    def real_world(self) -> np.ndarray:
        return np.array([s == REAL_WORLD for s in self.sources], dtype=bool)

    @property
    def row_weight(self) -> np.ndarray:
        """Each row's weight in training: real-world statements count more (they are what users bring)."""
        return np.where(self.real_world, REAL_WORLD_WEIGHT, 1.0)

    def subset(self, rows: np.ndarray) -> Data:
        return Data([self.statements[i] for i in rows], self.kinds[rows], self.traps[rows],
                    self.embeddings[rows], self.rules[rows], [self.texts[i] for i in rows],
                    [self.sources[i] for i in rows], self.alt_kinds[rows], self.alt_traps[rows],
                    [self.groups[i] for i in rows])

    @property
    def soft_labels(self) -> np.ndarray:
        """Kind one-hot and trap flags, averaged over the two labellers."""
        first = np.hstack([np.eye(len(KINDS))[self.kinds], self.traps])
        second = np.hstack([np.eye(len(KINDS))[self.alt_kinds], self.alt_traps])
        return ((first + second) / 2).astype(np.float32)


def data_files(root: Path = REPO) -> list[Path]:
    """The training files, in a stable order (new bank files are picked up as they appear)."""
    return sorted({p for pattern in DATA_GLOBS for p in root.glob(pattern)})


def second_label_files(root: Path = REPO) -> list[Path]:
    return sorted(root.glob(SECOND_LABEL_GLOB))


def second_labels(files: list[Path]) -> dict[str, dict]:
    """A second labeller's verdicts by item id (for soft targets where the two disagree)."""
    labels = {}
    for path in files:
        for item in _items(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if item.get("kind") in KINDS and set(item.get("traps") or []) <= set(TRAPS):
                labels[str(item.get("id"))] = {"kind": item["kind"], "traps": list(item.get("traps") or [])}
    return labels


def _items(data: Any) -> list[dict]:
    if isinstance(data, dict):  # a file may hold {"items": [...]} or a bare list
        data = data.get("items") or data.get("cases") or []
    return [d for d in data or [] if isinstance(d, dict)]


def load_examples(files: list[Path], second: dict[str, dict] | None = None) -> tuple[list[dict], Counter]:
    """Statements with a valid kind and traps; the first label of a repeated statement wins.

    `second` (item id -> {kind, traps}) adds another labeller's verdict as `second` on each example.
    """
    examples: list[dict] = []
    seen: set[str] = set()
    skipped: Counter[str] = Counter()
    second = second if second is not None else second_labels(second_label_files())
    for path in files:
        for item in _items(yaml.safe_load(path.read_text(encoding="utf-8"))):
            label = expect if isinstance(expect := item.get("expect"), dict) else item
            statement, kind, traps = item.get("statement"), label.get("kind"), label.get("traps") or []
            if not isinstance(statement, str) or kind not in KINDS or not set(traps) <= set(TRAPS):
                skipped["unlabelled or unknown label"] += 1
                continue
            key = re.sub(r"\W+", " ", statement.lower()).strip()
            if key in seen:
                skipped["duplicate statement"] += 1
                continue
            seen.add(key)
            # Near-copies come from one writer or one document: cross-validation keeps each group in one fold.
            group = path.name
            if path.name == REAL_WORLD and isinstance(item.get("source"), str) and item["source"].split():
                group = f"{path.name}:{item['source'].split()[0]}"
            example = {"statement": statement.strip(), "kind": kind,
                       "traps": [t for t in TRAPS if t in traps], "source": path.name, "group": group}
            if str(item.get("id")) in second:
                example["second"] = second[str(item.get("id"))]
            examples.append(example)
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
    """Embeddings, rule features and lowercased canonical texts of the statements."""
    texts = [canonical(s, speller).lower() for s in statements]
    rules = np.vstack([rule_features(t, read(t)) for t in texts]) if texts \
        else np.zeros((0, len(FEATURE_NAMES)))
    return encode(texts), rules, texts


def build_data(examples: list[dict], speller: Speller | None) -> Data:
    emb, rules, texts = featurise([e["statement"] for e in examples], speller)
    kinds = np.array([KINDS.index(e["kind"]) for e in examples])
    traps = np.array([[int(t in e["traps"]) for t in TRAPS] for e in examples]).reshape(-1, len(TRAPS))
    alt = [e.get("second") or e for e in examples]
    alt_kinds = np.array([KINDS.index(a["kind"]) for a in alt])
    alt_traps = np.array([[int(t in a["traps"]) for t in TRAPS] for a in alt]).reshape(-1, len(TRAPS))
    return Data([e["statement"] for e in examples], kinds, traps, emb, rules, texts,
                [e["source"] for e in examples], alt_kinds, alt_traps,
                [e.get("group", e["source"]) for e in examples])


def _linear(x: np.ndarray, y: np.ndarray, c: float, seed: int, weight: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:  # a trap nobody in this sample has: a constant "no"
        return np.zeros((1, x.shape[1])), np.array([-12.0 if y[0] == 0 else 12.0])
    model = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(x, y, sample_weight=weight)
    return model.coef_, model.intercept_


def _fit_raw(x: np.ndarray, data: Data, seed: int, c_kind: float, c_trap: float) -> tuple[np.ndarray, ...]:
    """Uncalibrated weights: the multinomial kind model and one binary model per trap.

    Where the two labellers disagree the row counts twice, once per label, at half weight each:
    the model learns that the statement is a borderline case rather than one labeller's reading.
    """
    differ = np.flatnonzero((data.kinds != data.alt_kinds) | (data.traps != data.alt_traps).any(axis=1))
    x = np.vstack([x, x[differ]])
    base = data.row_weight
    weight = np.concatenate([base, base[differ]])
    weight[differ] *= 0.5
    weight[len(data.kinds):] *= 0.5
    kinds = np.concatenate([data.kinds, data.alt_kinds[differ]])
    traps = np.vstack([data.traps, data.alt_traps[differ]])
    kind_coef, kind_icpt = _linear(x, kinds, c_kind, seed, weight)
    if kind_coef.shape[0] != len(KINDS):  # a sample missing a kind: pad so shapes stay fixed
        full_c, full_i = np.zeros((len(KINDS), x.shape[1])), np.full(len(KINDS), -12.0)
        for row, k in enumerate(np.unique(kinds)):
            full_c[k], full_i[k] = kind_coef[row], kind_icpt[row]
        kind_coef, kind_icpt = full_c, full_i
    pairs = [_linear(x, traps[:, t], c_trap, seed, weight) for t in range(len(TRAPS))]
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


def _untrained(data: Data, vocab: dict[str, int], weights: dict[str, float]) -> LearnedModel:
    """A model holding the examples, n-gram vocabulary and weights of `data`, with no fitted coefficients
    yet."""
    ngram_vocab, idf = fit_vocabulary(data.texts)
    examples = [{"statement": s, "kind": KINDS[k], "traps": [t for t, f in zip(TRAPS, row, strict=True) if f]}
                for s, k, row in zip(data.statements, data.kinds, data.traps, strict=True)]
    combos = np.unique(np.column_stack([data.kinds, data.traps]).astype(int), axis=0)
    return LearnedModel(np.zeros((len(KINDS), 1)), np.zeros(len(KINDS)), 1.0, np.zeros((len(TRAPS), 1)),
                        np.zeros(len(TRAPS)), np.tile([1.0, 0.0], (len(TRAPS), 1)), np.array([1.0, 0.0, 0.0]),
                        combos, dict(weights), data.embeddings.astype(np.float32), data.soft_labels, examples,
                        vocab, ngram_vocab, idf)


def _training_design(model: LearnedModel, data: Data) -> np.ndarray:
    """Design rows for the model's own examples: each one's neighbours exclude itself (leave-one-out)."""
    sims = model.similarities(data.embeddings)
    np.fill_diagonal(sims, -1.0)
    return model.design(data.embeddings, data.rules, data.texts, sims)


def fit(data: Data, vocab: dict[str, int], seed: int = SEED, c_kind: float = C_KIND, c_trap: float = C_TRAP,
        weights: dict[str, float] | None = None, folds: int = FOLDS) -> LearnedModel:
    """Fit the linear models on all of `data` and their calibrators on out-of-fold predictions."""
    from sklearn.linear_model import LogisticRegression

    weights = weights or WEIGHTS
    n = len(data.statements)
    oof_kind, oof_trap, oof_cos = np.zeros((n, len(KINDS))), np.zeros((n, len(TRAPS))), np.zeros(n)
    fold_combos = []
    for train, held in _folds(data, folds, seed):
        part = data.subset(train)
        inner = _untrained(part, vocab, weights)
        fold_combos.append((held, inner.combos))
        kc, ki, tc, ti = _fit_raw(_training_design(inner, part), part, seed, c_kind, c_trap)
        sims = inner.similarities(data.embeddings[held])
        x_held = inner.design(data.embeddings[held], data.rules[held], [data.texts[i] for i in held], sims)
        oof_kind[held] = x_held @ kc.T + ki
        oof_trap[held] = x_held @ tc.T + ti
        oof_cos[held] = sims.max(axis=1)
    model = _untrained(data, vocab, weights)
    model.kind_temperature = _temperature(oof_kind, data.kinds)
    for t in range(len(TRAPS)):
        y = data.traps[:, t]
        if len(np.unique(y)) == 2:
            m = LogisticRegression(C=100.0).fit(oof_trap[:, [t]], y)
            model.trap_platt[t] = (m.coef_[0, 0], m.intercept_[0])
    # The joint calibrator: out-of-fold joint probability and nearest cosine -> was the whole verdict right?
    z = oof_kind / model.kind_temperature
    pk = np.exp(z - z.max(axis=1, keepdims=True))
    pk /= pk.sum(axis=1, keepdims=True)
    pt = 1 / (1 + np.exp(-(oof_trap * model.trap_platt[:, 0] + model.trap_platt[:, 1])))
    chosen, on, joint = np.zeros(n, int), np.zeros((n, len(TRAPS)), bool), np.zeros(n)
    for held, combos in fold_combos:  # decoded among the pairs each fold's training part had seen
        chosen[held], on[held], joint[held] = decode(pk[held], pt[held], combos)
    joint = np.clip(joint, 1e-6, 1 - 1e-6)
    right = (chosen == data.kinds) & (on == data.traps.astype(bool)).all(axis=1)
    # weighted like training, so real-world statements steer the calibration most
    if len(np.unique(right)) == 2:
        m = LogisticRegression(C=100.0).fit(np.column_stack([np.log(joint / (1 - joint)), oof_cos]),
                                            right.astype(int), sample_weight=data.row_weight)
        model.joint_calibration = np.array([m.coef_[0, 0], m.coef_[0, 1], m.intercept_[0]])
    model.kind_coef, model.kind_intercept, model.trap_coef, model.trap_intercept = _fit_raw(
        _training_design(model, data), data, seed, c_kind, c_trap)
    return model


def _folds(data: Data, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that keep each group (a writer's batch, a dev file, one real-world document) whole,
    so a statement is never judged by a model that saw its near-copies, stratified by kind."""
    from sklearn.model_selection import StratifiedGroupKFold

    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(data.embeddings, data.kinds, groups=data.groups))


def cross_validate(data: Data, vocab: dict[str, int], folds: int = FOLDS, seed: int = SEED, **params) -> dict:
    """Out-of-fold verdicts of the whole pipeline (calibration included) and their figures, grouped folds."""
    n = len(data.statements)
    kind_ok, traps_ok, conf, either_ok = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n), np.zeros(n, bool)
    for train, held in _folds(data, folds, seed + 1):
        model = fit(data.subset(train), vocab, seed=seed, **params)
        verdicts = model.predict(data.embeddings[held], data.rules[held], [data.texts[i] for i in held])
        for i, v in zip(held, verdicts, strict=True):
            kind_ok[i] = KINDS.index(v.kind.value) == data.kinds[i]
            traps_ok[i] = ([t.value for t in v.traps]
                           == [t for t, f in zip(TRAPS, data.traps[i], strict=True) if f])
            conf[i] = v.confidence
            second = [t for t, f in zip(TRAPS, data.alt_traps[i], strict=True) if f]
            either_ok[i] = (kind_ok[i] and traps_ok[i]) or (
                KINDS.index(v.kind.value) == data.alt_kinds[i] and [t.value for t in v.traps] == second)
    report = figures(kind_ok, traps_ok, conf)
    # Where a second labeller exists, a verdict matching either labeller is a defensible reading.
    high = conf >= 0.8
    report["error_rate_at_0.8_vs_either_labeller"] = round(float(1 - either_ok[high].mean()),
                                                           4) if high.any() else None
    real = data.real_world
    if real.any():  # the figures that matter most: statements from real documents, judged out of their group
        report["real_world"] = {k: v for k, v in figures(kind_ok[real], traps_ok[real], conf[real]).items()}
    bank = np.array([s.startswith("w") for s in data.sources])  # the helpers' bank, apart from dev and spec
    if bank.any() and (~bank).any():
        report["bank_only"] = {k: v for k, v in figures(kind_ok[bank], traps_ok[bank], conf[bank]).items()
                               if k != "reliability"}
        report["dev_and_spec"] = {k: v for k, v in figures(kind_ok[~bank], traps_ok[~bank],
                                                           conf[~bank]).items()
                                  if k != "reliability"}
    report["oof"] = {"kind_ok": kind_ok, "traps_ok": traps_ok, "confidence": conf}
    return report


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


def real_world_holdout(data: Data, vocab: dict[str, int], folds: int = 2, seed: int = SEED) -> dict:
    """Figures on the real-world statements, each judged by a model that never saw its document: the
    documents split into `folds` groups, each held out in turn while the rest (bank, dev, other documents)
    trains."""
    from sklearn.model_selection import StratifiedGroupKFold

    real = np.flatnonzero(data.real_world)
    n = len(data.statements)
    kind_ok, traps_ok, conf = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for _, part in splitter.split(real, data.kinds[real], groups=[data.groups[i] for i in real]):
        held = real[part]
        model = fit(data.subset(np.setdiff1d(np.arange(n), held)), vocab, seed=seed)
        verdicts = model.predict(data.embeddings[held], data.rules[held], [data.texts[i] for i in held])
        for i, v in zip(held, verdicts, strict=True):
            kind_ok[i] = KINDS.index(v.kind.value) == data.kinds[i]
            traps_ok[i] = ([t.value for t in v.traps]
                           == [t for t, f in zip(TRAPS, data.traps[i], strict=True) if f])
            conf[i] = v.confidence
    return figures(kind_ok[real], traps_ok[real], conf[real])


def score(path: Path, model: LearnedModel | None = None) -> dict:
    """The shipped model's figures on one labelled file, through the whole inference path (typo mending,
    rules, embeddings, the cap on other languages): kind, trap set, and how far the confidence can be
    trusted."""
    from coach.engine.learned import shipped_model
    from coach.engine.verdict import FOREIGN_CAP, language_of, predict

    model = model or shipped_model()
    if model is None:
        raise SystemExit("no trained model in coach/engine/model: run python -m coach.engine.train first")
    examples, _ = load_examples([path], {})
    if not examples:
        raise SystemExit(f"{path}: no labelled statements (each needs a kind and known traps)")
    verdicts = predict([e["statement"] for e in examples], model)
    kind_ok = np.array([v.kind.value == e["kind"] for v, e in zip(verdicts, examples, strict=True)])
    traps_ok = np.array([[t.value for t in v.traps] == e["traps"]
                         for v, e in zip(verdicts, examples, strict=True)])
    conf = np.array([min(v.confidence, FOREIGN_CAP) if language_of(e["statement"], model) else v.confidence
                     for v, e in zip(verdicts, examples, strict=True)])
    report = figures(kind_ok, traps_ok, conf)
    report["file"] = str(path)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="Where to write the model files.")
    parser.add_argument("--no-cv", action="store_true", help="Skip the 5-fold cross-validation report.")
    parser.add_argument("--score", type=Path, help="Only score the shipped model on this labelled file.")
    parser.add_argument("--holdout-real-world", action="store_true",
                        help="Only report the real-world figures with each document held out (writes no "
                             "model).")
    args = parser.parse_args(argv)
    if args.score:
        if not args.score.is_file():
            raise SystemExit(f"{args.score}: no such file")
        print(json.dumps(score(args.score), indent=2))
        return 0
    files = data_files()
    examples, skipped = load_examples(files, second_labels(second_label_files()))
    vocab = vocabulary([e["statement"] for e in examples])
    speller = Speller(tokenizer_words(), vocab)
    data = build_data(examples, speller)
    combined, each = data_hash(files + second_label_files())
    doubly = [e for e in examples if "second" in e]
    agreement = None
    if doubly:
        agree = sum(e["second"]["kind"] == e["kind"] and set(e["second"]["traps"]) == set(e["traps"])
                    for e in doubly)
        agreement = {"statements": len(doubly), "same_verdict": round(agree / len(doubly), 4)}
        print(f"{len(doubly)} statements labelled twice; the labellers agree on {agree / len(doubly):.3f} of "
              f"verdicts",
              file=sys.stderr)
    counts = Counter(e["source"].split("_")[0].removesuffix(".yaml") for e in examples)
    print(f"{len(examples)} labelled statements from {len(files)} files ({dict(counts)}); skipped "
          f"{dict(skipped)}",
          file=sys.stderr)
    if args.holdout_real_world:
        print(json.dumps(real_world_holdout(data, vocab), indent=2))
        return 0
    cv = None if args.no_cv else cross_validate(data, vocab)
    if cv:
        cv.pop("oof")
        print(json.dumps(cv, indent=2), file=sys.stderr)
    model = fit(data, vocab)
    import sklearn

    model.manifest = {"data_sha256": combined, "files": each, "statements": len(examples),
                      "labelled_twice": agreement, "sources": dict(counts),
                      "params": {"c_kind": C_KIND, "c_trap": C_TRAP, "weights": WEIGHTS, "seed": SEED,
                                 "folds": FOLDS, "real_world_weight": REAL_WORLD_WEIGHT,
                                 "cv_folds": "grouped by writer batch, dev file or real-world document"},
                      "kind_temperature": round(model.kind_temperature, 4), "cv": cv,
                      "trained_with": f"scikit-learn {sklearn.__version__}"}
    model.save(args.out)
    print(f"wrote {args.out} (data sha256 {combined[:12]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
