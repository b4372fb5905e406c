"""Many coaching sessions at once against the engine and the store (used by a test and the bench)."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from coach.engine.protocol import Coach
from coach.evals.cases import load_cases
from coach.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent
# The simulated user of the android-app dialogue case answers every session.
PERSONA: dict[str, str] = next(c for c in load_cases(ROOT / "evals" / "cases" / "tidy" / "dialogue.yaml")
                               if c["id"] == "android-app")["persona"]


def _one(i: int, coach: Coach, store: SessionStore) -> tuple[str, str, int, list[float]]:
    """Run one dialogue, saving after every turn; return its id, statement, turn count and latencies."""
    statement = f"Deliver an Android app for region R{i:03d}Q"
    latencies: list[float] = []
    began = time.perf_counter()
    session = coach.start(statement)
    store.save(session)
    latencies.append(time.perf_counter() - began)
    while session.status != "done":
        slot = session.transcript[-1].slot
        began = time.perf_counter()
        coach.reply(session, PERSONA.get(slot.value if slot else "", "not sure"))
        store.save(session)
        latencies.append(time.perf_counter() - began)
    return session.id, statement, len(session.transcript), latencies


def run_concurrent(n: int, db_path: Path, workers: int = 16) -> dict:
    """n sessions on `workers` threads sharing one coach and one store; latencies in ms."""
    store, coach = SessionStore(db_path), Coach()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda i: _one(i, coach, store), range(n)))
    latencies = sorted(ms * 1000 for *_, lat in results for ms in lat)
    return {
        "sessions": results,
        "turns": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "store": store,
    }
