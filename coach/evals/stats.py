"""Bootstrap intervals for eval figures: how far a figure could move on another draw of cases."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def bootstrap(items: Sequence[T], statistic: Callable[[Sequence[T]], float | None], rounds: int = 1000,
              seed: int = 7, level: float = 0.95) -> tuple[float, float] | None:
    """A percentile bootstrap interval of `statistic` over resamples of `items` (fixed seed: reproducible)."""
    if not items:
        return None
    rng = random.Random(seed)
    values = []
    for _ in range(rounds):
        sample = [items[rng.randrange(len(items))] for _ in items]
        value = statistic(sample)
        if value is not None:
            values.append(value)
    if not values:
        return None
    values.sort()
    lo = values[int((1 - level) / 2 * (len(values) - 1))]
    hi = values[int((1 + level) / 2 * (len(values) - 1))]
    return round(lo, 3), round(hi, 3)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Agreement of two labellers beyond chance (1 = perfect, 0 = chance)."""
    if len(a) != len(b) or not a:
        raise ValueError("two equally long, non-empty label lists are needed")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    labels = set(a) | set(b)
    expected = sum((list(a).count(lab) / n) * (list(b).count(lab) / n) for lab in labels)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)
