"""`make bench`: every performance figure the project claims, measured here, in one table.

Each row has its goal; the sub-benchmarks (benchmarks.bench_retrieval, benchmarks.bench_llm,
benchmarks.bench_app) print their detail first. Writes the table to docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bench_llm, bench_retrieval
from coach.evals.cases import load_cases
from coach.evals.runner import CoachConversation
from coach.evals.simulate import simulate

ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], pct: float) -> float:
    values = sorted(values)
    return values[int(pct / 100 * (len(values) - 1))]


def classify_process_s(runs: int = 5) -> float:
    """Median wall time of a whole `coach classify` process."""
    exe = Path(sys.executable).parent / "coach"
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([str(exe), "classify", "Our goal is to deliver an Android app", "--json"],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def offline_turns_ms() -> tuple[float, float, list[int]]:
    """p50 and p95 of one warm offline coach turn (grounded in the library), and turns per dialogue."""
    from coach.service import make_coach
    from coach.settings import Settings

    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        coach, _ = make_coach(Settings(data_dir=Path(tmp), chroma_host=None))
        cases = [c for c in load_cases(ROOT / "evals" / "cases") if "persona" in c]
        simulate(CoachConversation(coach), cases[0]["statement"],
                 cases[0]["persona"])  # warm: builds and opens the index
        timings, turns = [], []
        original = coach.reply

        def timed(session, text):
            began = time.perf_counter()
            try:
                return original(session, text)
            finally:
                timings.append((time.perf_counter() - began) * 1000)

        coach.reply = timed
        for case in cases:
            turns.append(simulate(CoachConversation(coach), case["statement"], case["persona"],
                                  case.get("voice")).coach_messages)
    return statistics.median(timings), _pct(timings, 95), turns


def grounded_retrieval() -> dict:
    """hit@3 and MRR on the test split as `coach ask` searches: hybrid with the classifier prior."""
    from coach.service import GroundedLibrary, knowledge_base
    from coach.settings import Settings

    cases = bench_retrieval.load_cases([ROOT / "evals" / "cases" / "test" / "retrieval.yaml"])
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        kb = GroundedLibrary(knowledge_base(Settings(data_dir=Path(tmp), chroma_host=None)))
        return bench_retrieval.retrieval_metrics(kb, cases, k=3)


def app_figures() -> tuple[float, float, float] | None:
    """Startup seconds, median later turn ms and RSS MB of the real app in Chromium, when Chromium is here."""
    from benchmarks import bench_app

    if not Path(bench_app.CHROMIUM).exists():
        return None
    result = bench_app.measure()
    later = result.turns_ms[1:] or result.turns_ms
    return result.startup_s, statistics.median(later), result.rss_mb


def main() -> None:
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(name: str, value: str, goal: str, met: bool | None) -> None:
        rows.append((name, value, goal, met))

    print("== retrieval ==")
    retrieval = bench_retrieval.run(bench_retrieval.default_case_files())
    print(bench_retrieval.render(retrieval))
    print("\n== LLM path (fake OpenAI-compatible server on loopback) ==")
    fake = bench_llm.load_fake_server()
    dialogue = bench_llm.dialogue_cases(ROOT / "evals" / "cases")
    retriever = bench_llm.note_retriever(ROOT / "knowledge")
    with contextlib.redirect_stderr(io.StringIO()):
        overhead = bench_llm.bench_overhead(fake, dialogue, retriever)
        dead = bench_llm.bench_dead(fake, dialogue[0], 2.0)
        tokens = bench_llm.bench_tokens(fake, dialogue, retriever, ROOT / "knowledge")

    classify_s = classify_process_s()
    row("whole-process `coach classify`", f"{classify_s:.2f} s", "<= 1.5 s", classify_s <= 1.5)
    row("embedder load", f"{retrieval['embedder_load_s']:.2f} s", "<= 0.5 s",
        retrieval["embedder_load_s"] <= 0.5)
    build_s = retrieval["build"]["seconds"]
    row("cold index build (28 notes)", f"{build_s:.1f} s", "<= 10 s", build_s <= 10)
    q = retrieval["query_ms"]
    row("warm query p50 / p95", f"{q['p50']:.1f} / {q['p95']:.1f} ms", "p95 <= 50 ms", q["p95"] <= 50)
    t50, t95, turns = offline_turns_ms()
    row("offline coach turn p50 / p95", f"{t50:.1f} / {t95:.1f} ms", "p95 <= 50 ms", t95 <= 50)
    row("coach turns per dialogue (median)", f"{statistics.median(turns):g}", "<= 8",
        statistics.median(turns) <= 8)
    row("LLM-path overhead p50 / p95", f"{overhead['p50_ms']:.1f} / {overhead['p95_ms']:.1f} ms", "<= 30 ms",
        overhead["p95_ms"] <= 30)
    row("dead provider -> fallback", f"{dead['fallback_s']:.2f} s", f"<= {dead['read_timeout_s'] + 1:g} s",
        dead["fallback_s"] <= dead["read_timeout_s"] + 1)
    row("tokens per session vs corpus stuffing", f"{tokens['ratio']:.3f}", "<= 0.200", tokens["ratio"] <= 0.2)
    for m in retrieval["metrics"]:
        if m["split"] == "test":
            row(f"retrieval hit@3 test, {m['mode']}", f"{m['hit_at_k']:.3f} (MRR {m['mrr']:.3f})",
                ">= 0.95 (hybrid)", m["hit_at_k"] >= 0.95 if m["mode"] == "hybrid" else None)
    grounded = grounded_retrieval()
    row("retrieval hit@3 test, hybrid + classifier prior (shipped)",
        f"{grounded['hit_at_k']:.3f} (MRR {grounded['mrr']:.3f})",
        ">= 0.95", grounded["hit_at_k"] >= 0.95)
    app = None if os.environ.get("COACH_BENCH_NO_APP") else app_figures()
    if app:
        row("app: start to first page", f"{app[0]:.2f} s", "<= 3 s", app[0] <= 3)
        row("app: coach turn in the browser (median)", f"{app[1]:.0f} ms", "<= 300 ms", app[1] <= 300)
        row("app RSS after a session", f"{app[2]:.0f} MB", "<= 400 MB", app[2] <= 400)
    else:
        row("app figures", "skipped (no Chromium)", "", None)

    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
               f"{platform.system()}")
    table = ["| figure | measured | goal | met |", "| --- | --- | --- | --- |"]
    table += [f"| {n} | {v} | {g} | {'' if m is None else ('yes' if m else 'NO')} |" for n, v, g, m in rows]
    text = "\n".join(table)
    print("\n== summary ==\n" + text + f"\n\nmachine: {machine}")
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text(f"# Benchmarks\n\nMeasured by `make bench` on {time.strftime('%Y-%m-%d')}; machine: "
                   f"{machine}.\n\n"
                   f"{text}\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
