"""Retrieval benchmark: `python -m benchmarks.bench_retrieval [--cases DIR] [--k 3]`.

Prints embedder load time and memory, cold index build time, warm query latency and
hit@k / MRR of the dense, BM25 and hybrid modes over `evals/cases/*/retrieval.yaml`.
`retrieval_metrics` is the scorer the eval harness reuses.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from coach.evals.scorers import first_hit_rank, is_hit  # noqa: F401 - is_hit is re-exported
from coach.knowledge import MODES, KnowledgeBase, MiniLMEmbedder
from coach.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def load_cases(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Retrieval cases from YAML files (lists of {id, question, expect_any_text, expect_ids_any})."""
    cases: list[dict[str, Any]] = []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
        cases.extend(c for c in data if isinstance(c, dict) and c.get("question"))
    return cases


def default_case_files(root: Path = ROOT) -> list[Path]:
    """Every `evals/cases/*/retrieval.yaml`."""
    return sorted((root / "evals" / "cases").glob("*/retrieval.yaml"))


def retrieval_metrics(kb: Any, cases: Sequence[dict[str, Any]], k: int = 3,
                      mode: str = "hybrid") -> dict[str, Any]:
    """hit@k and MRR@k of one search mode over the cases, with the per-case ranks."""
    per_case = []
    for case in cases:
        rank = first_hit_rank(kb.search(case["question"], k=k, mode=mode), case)
        per_case.append({"id": case.get("id", case["question"][:40]), "rank": rank})
    n = len(per_case)
    hits = sum(r["rank"] is not None for r in per_case)
    mrr = sum(1.0 / r["rank"] for r in per_case if r["rank"]) / n if n else 0.0
    return {"mode": mode, "k": k, "cases": n, "hit_at_k": hits / n if n else 0.0, "mrr": mrr,
            "per_case": per_case}


def _rss_mb() -> float:
    """Current resident memory in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def run(case_files: Sequence[Path], k: int = 3, knowledge_dir: Path | None = None,
        repeats: int = 3) -> dict[str, Any]:
    """Measure everything in a throwaway data dir; return the numbers."""
    out: dict[str, Any] = {}
    rss0 = _rss_mb()
    embedder = MiniLMEmbedder()
    started = time.perf_counter()
    embedder.load()
    out["embedder_load_s"] = time.perf_counter() - started
    out["embedder_rss_mb"] = _rss_mb() - rss0
    splits = {Path(f).parent.name or str(f): load_cases([f]) for f in case_files}
    cases = [c for split_cases in splits.values() for c in split_cases]
    questions = [c["question"] for c in cases] or ["Is NPS enough?", "We measure job applications"]
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        overrides: dict[str, Any] = {"data_dir": Path(tmp), "chroma_host": None}
        if knowledge_dir:
            overrides["knowledge_dir"] = knowledge_dir
        with KnowledgeBase(Settings(**overrides), embedder=embedder) as kb:
            report = kb.build()
            out["build"] = report.to_dict()
            out["rebuild_s"] = kb.build().seconds
            kb.search(questions[0], k=k)  # warm
            timings = []
            for _ in range(repeats):
                for q in questions:
                    t0 = time.perf_counter()
                    kb.search(q, k=k)
                    timings.append((time.perf_counter() - t0) * 1000)
            out["query_ms"] = {"n": len(timings), "p50": statistics.median(timings),
                               "p95": _percentile(timings, 95)}
            out["metrics"] = [retrieval_metrics(kb, split_cases, k=k, mode=m) | {"split": split}
                              for split, split_cases in splits.items() if split_cases for m in MODES]
    out["rss_mb"] = _rss_mb()
    out["cases"] = len(cases)
    return out


def render(result: dict[str, Any]) -> str:
    """The numbers as a plain-text table."""
    b = result["build"]
    rows = [
        ("embedder load", f"{result['embedder_load_s']:.2f} s, +{result['embedder_rss_mb']:.0f} MB RSS"),
        ("cold index build", f"{b['seconds']:.2f} s ({b['notes']} notes, {b['chunks']} chunks, "
                             f"{b['embedded']} embedded)"),
        ("no-change rebuild", f"{result['rebuild_s'] * 1000:.0f} ms"),
        ("warm query", f"p50 {result['query_ms']['p50']:.1f} ms, p95 {result['query_ms']['p95']:.1f} ms "
                       f"(n={result['query_ms']['n']})"),
        ("process RSS", f"{result['rss_mb']:.0f} MB"),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    if result["metrics"]:
        lines += ["",
                  f"{'split':<6} {'mode':<7} {'cases':>5} {'hit@' + str(result['metrics'][0]['k']):>6} "
                  f"{'MRR':>6}"]
        for m in result["metrics"]:
            misses = [c["id"] for c in m["per_case"] if c["rank"] is None]
            lines.append(f"{m['split']:<6} {m['mode']:<7} {m['cases']:>5} {m['hit_at_k']:>6.3f} "
                         f"{m['mrr']:>6.3f}"
                         + (f"   misses: {', '.join(misses)}" if misses else ""))
    else:
        lines.append("no retrieval cases found (evals/cases/*/retrieval.yaml)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, nargs="*",
                        help="retrieval.yaml files or folders (default: all splits)")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--knowledge-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    files: list[Path] = []
    for p in args.cases or []:
        files += sorted(p.glob("**/retrieval.yaml")) if p.is_dir() else [p]
    result = run(files if args.cases else default_case_files(), k=args.k, knowledge_dir=args.knowledge_dir)
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
