"""Tiny scorers: each takes what was expected and what came back, and returns bools or numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coach.models import Classification, Passage


def kind_correct(expect: dict[str, Any], got: Classification) -> bool | None:
    return None if "kind" not in expect else got.kind.value == expect["kind"]


def trap_counts(expect: dict[str, Any], got: Classification) -> dict[str, dict[str, int]] | None:
    """Per trap: true positives, false positives and false negatives for this case."""
    if "traps" not in expect:
        return None
    want, have = set(expect["traps"] or []), {t.value for t in got.traps}
    return {t: {"tp": int(t in want and t in have), "fp": int(t in have and t not in want),
                "fn": int(t in want and t not in have)} for t in want | have}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def is_hit(passage: Passage, case: dict[str, Any]) -> bool:
    """A passage answers a case when its id and its text match what the case expects (when stated)."""
    ids = case.get("expect_ids_any") or []
    texts = case.get("expect_any_text") or []
    if ids and passage.id not in ids:
        return False
    return not texts or any(str(t).lower() in passage.text.lower() for t in texts)


def first_hit_rank(passages: Sequence[Passage], case: dict[str, Any]) -> int | None:
    """1-based rank of the first passage that is a hit, or None."""
    return next((rank for rank, p in enumerate(passages, start=1) if is_hit(p, case)), None)


def retrieval_hit(passages: Sequence[Passage], case: dict[str, Any]) -> dict[str, bool | float]:
    """hit: every stated criterion is met within the passages; rr: reciprocal rank of the first full hit."""
    ids = case.get("expect_ids_any") or []
    texts = [str(t).lower() for t in case.get("expect_any_text") or []]
    id_ok = not ids or any(p.id in ids for p in passages)
    text_ok = not texts or any(t in p.text.lower() for p in passages for t in texts)
    rank = first_hit_rank(passages, case)
    return {"hit": id_ok and text_ok, "id_hit": id_ok, "text_hit": text_ok, "rr": 1.0 / rank if rank else 0.0}
