"""Shared-store load benchmark: `python benchmarks/bench_shared_store.py [--sessions 100] [--servers 2]`.

Runs N coaching sessions at once, spread over several app-server processes that share one
PostgreSQL (a throwaway server from Debian's postgresql package, or COACH_DATABASE_URL), and
then the same N sessions in one process on one SQLite file. Each app-server process runs the
app's own code path for a turn (the offline coach, then `SessionStore.save` before the turn
would be shown), every session on its own thread, all started together. Afterwards every
session is read back from the database: all turns saved, none lost, none crossed (each
session's statement carries a token that must appear in that session only, and its owner
must be its own user). Prints p50/p95 milliseconds per turn for both set-ups; asserts nothing
about speed, but exits 1 if any turn was lost or crossed.

The app-server processes are not Streamlit servers: they run what a Streamlit server runs for
a turn, without the browser protocol (tests/test_two_servers.py drives two real Streamlit
servers on one PostgreSQL in Chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSONA = {"value": "More of our customers could use us on the go", "success": "People open it every week",
           "who": "customers who mostly use their phone",
           "behavior": "they check their dashboards from their phone each week",
           "value_moment": "when they act on an alert from their phone",
           "metric": "weekly active mobile users as a share of all active users",
           "guardrail": "desktop satisfaction does not drop", "business_link": "engaged customers renew",
           "confidence": "we have not tried anything on mobile yet"}
TOKEN = re.compile(r"R\d{4}Q")


def _statement(i: int) -> str:
    return f"Deliver an Android app for region R{i:04d}Q"


def serve(url: str, first: int, count: int, think_ms: float) -> list[dict]:
    """One app server: `count` sessions at once, each on its own thread; a JSON line per session.

    Each simulated user waits `think_ms` (+-50%) before each answer, as people type, so the
    sessions overlap rather than queue; the first waits are spread the same way."""
    from coach.engine.protocol import Coach
    from coach.store import SessionStore

    store, coach = SessionStore(url=url), Coach()
    coach.start("Warm up the classifier")  # as a server does once before its first user; not saved
    start = threading.Barrier(count)
    results: list[dict] = []
    lock = threading.Lock()

    def think(rng: random.Random) -> None:
        time.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))

    def timed(fn, *args) -> float:
        began = time.perf_counter()
        fn(*args)
        return (time.perf_counter() - began) * 1000

    def one(i: int) -> None:
        rng = random.Random(i)
        start.wait()  # all sessions begin together...
        think(rng)  # ...and their users type their first statement
        turn_ms, save_ms = [], []
        began = time.perf_counter()
        session = coach.start(_statement(i))
        save_ms.append(timed(store.save, session, f"user{i}"))
        turn_ms.append((time.perf_counter() - began) * 1000)
        while session.status != "done" and len(turn_ms) < 20:
            think(rng)
            slot = session.transcript[-1].slot
            began = time.perf_counter()
            coach.reply(session, PERSONA.get(slot.value if slot else "", "not sure"))
            save_ms.append(timed(store.save, session))
            turn_ms.append((time.perf_counter() - began) * 1000)
        with lock:
            results.append({"i": i, "id": session.id, "turns": len(session.transcript), "status": session.status,
                            "ms": turn_ms, "save_ms": save_ms})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(first, first + count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    return results


def run(url: str, sessions: int, servers: int, think_ms: float) -> dict:
    """Spread the sessions over `servers` processes on one database; check every session afterwards."""
    per = [sessions // servers + (1 if k < sessions % servers else 0) for k in range(servers)]
    procs, first = [], 0
    began = time.perf_counter()
    for count in per:
        procs.append(subprocess.Popen([sys.executable, __file__, "--serve", url, "--first", str(first),
                                       "--count", str(count), "--think-ms", str(think_ms)], stdout=subprocess.PIPE, text=True, cwd=ROOT))
        first += count
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=1800)
        if proc.returncode != 0:
            raise SystemExit(f"an app server failed (exit {proc.returncode})")
        results += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    wall = time.perf_counter() - began
    return {"results": results, "wall_s": wall, "problems": verify(url, results, sessions)}


def verify(url: str, results: list[dict], sessions: int) -> list[str]:
    """Every session saved whole, with its own statement, token and owner only."""
    from coach.store import SessionStore

    store = SessionStore(url=url)
    problems = []
    if len(results) != sessions:
        problems.append(f"{sessions - len(results)} sessions did not report")
    if len(store.list(limit=10 * sessions)) != sessions:
        problems.append(f"the database holds {len(store.list(limit=10 * sessions))} sessions, not {sessions}")
    for r in results:
        saved = store.load(r["id"], owner=f"user{r['i']}")
        if saved is None:
            problems.append(f"session {r['i']} is lost (or has another owner)")
            continue
        if len(saved.transcript) != r["turns"] or saved.status != r["status"]:
            problems.append(f"session {r['i']}: {len(saved.transcript)} turns saved of {r['turns']} shown")
        tokens = {tok for t in saved.transcript for tok in TOKEN.findall(t.text)}
        if saved.statement != _statement(r["i"]) or tokens != {f"R{r['i']:04d}Q"}:
            problems.append(f"session {r['i']} holds another session's words: {sorted(tokens)}")
    store.close()
    return problems


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else float("nan")


def _summary(name: str, outcome: dict) -> str:
    turns = [x for r in outcome["results"] for x in r["ms"]]
    saves = [x for r in outcome["results"] for x in r["save_ms"]]
    ok = "all turns saved, none lost or crossed" if not outcome["problems"] else f"{len(outcome['problems'])} PROBLEMS"
    return (f"{name:<34} {len(outcome['results']):>3} sessions {len(turns):>4} turns | turn p50 {_p(turns, .5):6.1f}"
            f" p95 {_p(turns, .95):7.1f} | save p50 {_p(saves, .5):6.1f} p95 {_p(saves, .95):7.1f} | "
            f"wall {outcome['wall_s']:5.1f} s | {ok}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--think-ms", type=float, default=5000.0,
                        help="a simulated user's pause before each answer (+-50%%)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        for result in serve(args.serve, args.first, args.count, args.think_ms):
            print(json.dumps(result), flush=True)
        return 0

    from coach.servers import postgres_unavailable, start_postgres

    lines, problems = [], []
    with tempfile.TemporaryDirectory(prefix="coach-bench-store-") as tmp:
        sqlite = run(f"sqlite:///{Path(tmp) / 'sessions.db'}", args.sessions, 1, args.think_ms)
        lines.append(_summary("one app server, one SQLite file", sqlite))
        problems += sqlite["problems"]
        pg, url = None, os.environ.get("COACH_DATABASE_URL")
        if not url:
            if postgres_unavailable():
                lines.append(f"PostgreSQL skipped: {postgres_unavailable()}")
            else:
                pg = start_postgres()
                url = pg.database("bench")
        try:
            if url:
                shared = run(url, args.sessions, args.servers, args.think_ms)
                lines.append(_summary(f"{args.servers} app servers, one PostgreSQL", shared))
                problems += shared["problems"]
        finally:
            if pg is not None:
                pg.stop()
    print(f"Shared store: {args.sessions} concurrent coaching sessions (offline engine, users pause "
          f"~{args.think_ms:.0f} ms before each answer); ms per turn (coach + save before it is shown) and per save")
    for line in lines:
        print("  " + line)
    for problem in problems[:20]:
        print("  problem: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
