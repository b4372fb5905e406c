"""The offline verdict on a statement: the learned model decides, the rules explain.

`classify()` in `coach.engine.classifier` lands here. The statement is put in its
canonical form, embedded and read by the rules; the learned model gives kind, traps,
a calibrated confidence and the nearest labelled examples; the explanation quotes the
rules' cues and names the evidence. Without trained model files the rules decide, and
the explanation says so.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache, lru_cache

import numpy as np

from coach.engine.classifier import explain, read, sources_for
from coach.engine.language import foreign_language
from coach.engine.learned import LearnedModel, Verdict, rule_features, shipped_model
from coach.engine.normalise import Speller, canonical
from coach.minilm import encode
from coach.minilm import load as load_encoder
from coach.models import Classification, Kind
from coach.prompts import load_offline
from coach.textinput import looks_english

UNSURE_BELOW = 0.5  # under this the coach asks rather than asserts
FOREIGN_CAP = 0.3  # a guess about a language the model never learned is never confident
_CUE_OF_TRAP = {"output_in_disguise": "produced", "traction_metric": "feature", "wrong_moment": "moment",
                "sentiment_only": "sentiment", "vanity_metric": "vanity", "no_guardrail": "push"}


@cache
def _tokenizer_words() -> frozenset[str]:
    return frozenset(w for w in load_encoder().tokenizer.get_vocab() if w.isalpha())


@cache
def _speller(model: LearnedModel) -> Speller:
    return model.speller(set(_tokenizer_words()))


def _label(kind: Kind | str, traps: list) -> str:
    names = [getattr(t, "value", t) for t in traps]
    return getattr(kind, "value", kind) + (" with " + ", ".join(names) if names else ", no traps")


def language_of(statement: str, model: LearnedModel | None = None) -> str | None:
    """The language a statement is in when the classifier cannot read it (not English), else None.

    Typos are mended first, so "increse job aplications" still reads as English.
    """
    mended = canonical(statement, _speller(model)) if model is not None else statement
    return foreign_language(statement) or (None if looks_english(mended) else "a language other than English")


def predict(statements: list[str], model: LearnedModel) -> list[Verdict]:
    """The learned verdicts for many statements at once (one embedding batch)."""
    speller = _speller(model)
    texts = [canonical(s, speller).lower() for s in statements]
    rules = np.vstack([rule_features(t, read(t)) for t in texts])
    return model.predict(encode(texts), rules, texts)


def _question(verdict: Verdict, templates: dict) -> str:
    top = sorted(verdict.kind_probs.items(), key=lambda kv: -kv[1])
    if top[0][1] >= 0.8:  # the kind is clear; the doubt is in the traps
        return templates["questions"]["traps"]
    pair = "|".join(sorted([top[0][0], top[1][0]], key=[k.value for k in Kind].index))
    return templates["questions"][pair]


def _explanation(statement: str, verdict: Verdict, confidence: float, language: str | None) -> str:
    templates = load_offline("classify")["learned"]
    if language:
        return templates["foreign"].format(language=language,
                                           verdict=_label(verdict.kind, verdict.traps)).strip()
    reading = read(canonical(statement))
    # Where the rules read another kind, their "measured" phrase is often wrong; quote the whole claim.
    measured = reading.measured if reading.kind == verdict.kind else reading.main
    parts = [explain(replace(reading, kind=verdict.kind, traps=verdict.traps, measured=measured))]
    if verdict.similar:
        nearest = verdict.similar[0]
        parts.append(templates["nearest"].format(example=nearest["statement"],
                                                 label=_label(nearest["kind"], nearest["traps"])))
    if (reading.kind, reading.traps) == (verdict.kind, verdict.traps):
        cues = [reading.cues[_CUE_OF_TRAP[t.value]] for t in verdict.traps
                if _CUE_OF_TRAP.get(t.value) in reading.cues]
        parts.append(templates["rules_agree"].format(cue=f' (cue: "{cues[0]}")' if cues else ""))
    else:
        parts.append(templates["rules_differ"].format(rules=_label(reading.kind, reading.traps)))
    parts.append(templates["confidence"].format(confidence=f"{confidence:.2f}"))
    if confidence < UNSURE_BELOW:
        parts.append(templates["unsure"].format(question=_question(verdict, templates)))
    return " ".join(p.strip() for p in parts if p.strip())


@lru_cache(maxsize=1024)
def _learned(statement: str, model: LearnedModel) -> Classification:
    verdict = predict([statement], model)[0]
    language = language_of(statement, model)
    confidence = min(verdict.confidence, FOREIGN_CAP) if language else verdict.confidence
    return Classification(kind=verdict.kind, traps=verdict.traps, confidence=confidence,
                          explanation=_explanation(statement, verdict, confidence, language),
                          sources=sources_for(verdict.kind, verdict.traps), similar=verdict.similar)


def rule_classification(statement: str) -> Classification:
    """The hand-written rules' verdict alone (no confidence, no examples)."""
    r = read(statement)
    return Classification(kind=r.kind, traps=r.traps, explanation=explain(r),
                          sources=sources_for(r.kind, r.traps))


def classify_statement(statement: str, model: LearnedModel | None = None) -> Classification:
    """The learned verdict, or the rules' verdict with a notice when no model is trained."""
    model = model or shipped_model()
    if model is None:
        result = rule_classification(statement)
        notice = load_offline("classify")["learned"]["no_model"].strip()
        return result.model_copy(update={"explanation": f"{notice} {result.explanation}"})
    return _learned(statement, model).model_copy(deep=True)  # callers may edit their copy, not the cache

