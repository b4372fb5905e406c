"""LLM-path benchmark: `python -m benchmarks.bench_llm [--cases DIR] [--read-timeout 2]`.

Prints (a) our own overhead per coach turn on the LLM path against a zero-latency fake
OpenAI server (turn time minus the server's time; goal <= 30 ms), (b) the time from a dead
provider to the offline answer (goal <= read timeout + 1 s), and (c) tokens of full coaching
sessions over the dialogue cases, next to a baseline that stuffs the whole knowledge corpus
into every prompt (goal <= 1/5). The fake server lives in tests/fakeopenai.py; its
`offline_echo` responder answers each request as the offline engine would.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import logging
import re
import socket
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from coach.engine.classifier import classify
from coach.engine.interpreter import OfflineInterpreter
from coach.engine.protocol import Coach
from coach.knowledge.notes import chunk_sections, load_notes
from coach.llm.fallback import build_coach, classify_with
from coach.models import Passage, Slot

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = r"<{tag}{attr}[^>]*>\n(.*?)\n</{tag}>"
_PASSAGE = re.compile(r"<passage id=\"([^\"]+)\"[^>]*>.*?</passage>", re.DOTALL)
_WORDS = re.compile(r"\S+")


def load_fake_server() -> ModuleType:
    """tests/fakeopenai.py, loaded by path (it is test code, not part of the package)."""
    spec = importlib.util.spec_from_file_location("fakeopenai", ROOT / "tests" / "fakeopenai.py")
    if spec is None or spec.loader is None:
        raise SystemExit("tests/fakeopenai.py not found: run the bench from a source checkout")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fakeopenai", module)
    spec.loader.exec_module(module)
    return module


def _block(text: str, tag: str, attr: str = "") -> str:
    found = re.search(_BLOCK.format(tag=tag, attr=attr), text, re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


def _schema_name(body: dict[str, Any], system: str) -> str:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["name"]
    if body.get("tools"):
        return body["tools"][0]["function"]["name"]
    named = re.search(r"one JSON object for `(\w+)`", system)
    return named.group(1) if named else ""


def offline_echo(request: Any) -> dict[str, Any] | str:
    """A fake-server responder that answers like the offline engine (valid replies, realistic sizes)."""
    system, user = request.text("system"), request.messages[-1].get("content", "")
    ids = _PASSAGE.findall(user)
    name = _schema_name(request.body, system)
    if name == "Interpretation":
        slot = re.search(r"about the slot `(\w+)`", user)
        reading = OfflineInterpreter().interpret(Slot(slot.group(1)) if slot else Slot.value,
                                                 _block(user, "user_text", ' name="answer"'),
                                                 _block(user, "user_text", ' name="statement"'))
        return reading.model_dump(mode="json")
    if name == "Phrasing":
        return {"text": _block(user, "reference_question"), "cited": ids[:1]}
    if name == "CardProse":
        card = json.loads(_block(user, "draft_card") or "{}")
        return {key: card.get(key) for key in ("product_outcome", "okr", "alternatives",
                                               "assumptions")} | {"cited": ids}
    if name == "Classification":
        return classify(_block(user, "user_text", ' name="statement"')).model_dump(mode="json")
    return f"An answer drawn from the notes. [{ids[0]}]" if ids else "Nothing in the notes answers this."


def note_retriever(knowledge_dir: Path) -> Callable[[str, list[str]], list[Passage]]:
    """A cheap retriever over the shipped notes: the section of a preferred note sharing most words."""
    chunks: dict[str, list[Passage]] = {}
    for note in load_notes(knowledge_dir):
        chunks[note.id] = [Passage(id=c.doc_id, title=c.title, section=c.section, text=c.text,
                                   chunk_id=c.chunk_id)
                           for c in chunk_sections(note.id, note.title, note.body)]

    def retrieve(query: str, note_ids: list[str]) -> list[Passage]:
        words = set(query.lower().split())
        pool = [p for i in note_ids for p in chunks.get(i, [])]
        return sorted(pool, key=lambda p: -len(words & set(p.text.lower().split())))[:1]

    return retrieve


def dialogue_cases(folder: Path) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*/dialogue.yaml")):
        cases.extend(c for c in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if c.get("statement"))
    return cases


def run_session(coach: Coach, case: dict[str, Any], on_turn: Callable[[float], None] | None = None) -> Any:
    """A persona answers by slot ('not sure' for a missing slot), like the eval harness."""
    persona = case.get("persona") or {}
    started = time.perf_counter()
    session = coach.start(case["statement"])
    if on_turn:
        on_turn(time.perf_counter() - started)
    for _ in range(30):
        if session.status == "done":
            break
        slot = session.transcript[-1].slot
        answer = str(persona.get(slot.value) or "not sure") if slot else "not sure"
        started = time.perf_counter()
        coach.reply(session, answer)
        if on_turn:
            on_turn(time.perf_counter() - started)
    return session


def words(text: str) -> int:
    return len(_WORDS.findall(text))


def bench_overhead(fake_mod: ModuleType, cases: list[dict[str, Any]], retriever: Any) -> dict[str, float]:
    with fake_mod.FakeOpenAI(responder=offline_echo) as fake:
        coach, _ = build_coach(fake.settings(), retriever=retriever)
        run_session(coach, cases[0])  # warm up imports and the connection
        overheads: list[float] = []
        notices = 0
        for case in cases:
            seen = len(fake.requests)

            def on_turn(seconds: float) -> None:
                nonlocal seen
                server = sum(r.seconds for r in fake.requests[seen:])
                seen = len(fake.requests)
                overheads.append(seconds - server)

            session = run_session(coach, case, on_turn)
            notices += sum(1 for t in session.transcript if t.notice)
        calls = len(fake.requests)
    ms = sorted(o * 1000 for o in overheads)
    print("(a) our overhead per turn on the LLM path (zero-latency fake server, turn time minus server time)")
    print(f"    {len(ms)} turns, {calls} LLM calls, {notices} fallbacks: median {statistics.median(ms):.1f} "
          f"ms, "
          f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms, max {ms[-1]:.1f} ms  (goal <= 30 ms)")
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))]}


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_dead(fake_mod: ModuleType, case: dict[str, Any], read_timeout: float) -> dict[str, float]:
    print(f"(b) dead provider to fallback answer (read timeout {read_timeout:g} s, goal <= "
          f"{read_timeout + 1:g} s)")
    hanging = fake_mod.FakeOpenAI(responder=lambda _: fake_mod.hang()).start()
    worst = 0.0
    try:
        targets = {"nothing listening": f"http://127.0.0.1:{_dead_port()}/v1",
                   "server never answers": hanging.url}
        for label, url in targets.items():
            settings = hanging.settings(COACH_BASE_URL=url, read_timeout=read_timeout, connect_timeout=1.0)
            coach, _ = build_coach(settings)
            started = time.perf_counter()
            session = coach.start(case["statement"])
            first = time.perf_counter() - started
            started = time.perf_counter()
            turn = coach.reply(session, str((case.get("persona") or {}).get("value") or "not sure"))
            second = time.perf_counter() - started
            started = time.perf_counter()
            _, note = classify_with(settings, case["statement"])
            alone = time.perf_counter() - started
            worst = max(worst, first)
            print(f"    {label:22s} first turn {first:5.2f} s, next turn {second:5.2f} s (breaker open), "
                  f"classify {alone:5.2f} s  [{turn.notice or note}]")
    finally:
        hanging.stop()
    return {"fallback_s": worst, "read_timeout_s": read_timeout}


def bench_tokens(fake_mod: ModuleType, cases: list[dict[str, Any]], retriever: Any,
                 knowledge_dir: Path) -> dict[str, float]:
    corpus = sum(words(p.read_text(encoding="utf-8")) for p in sorted(knowledge_dir.glob("*.md")))
    print(f"(c) tokens per full coaching session (fake server word counts; corpus = {corpus} words)")
    print(f"    {'case':38s} {'calls':>5s} {'prompt':>7s} {'compl.':>6s} {'ours':>7s} {'stuffed':>8s} "
          f"{'ratio':>6s}")
    total_ours = total_base = 0
    with fake_mod.FakeOpenAI(responder=offline_echo) as fake:
        coach, _ = build_coach(fake.settings(), retriever=retriever)
        for case in cases:
            fake.reset()
            session = run_session(coach, case)
            ours = fake.prompt_tokens + fake.completion_tokens
            # The baseline sends the same requests with the whole corpus in place of the passages we picked.
            base = sum(words(_PASSAGE.sub("", r.text())) + corpus + r.completion_tokens
                       for r in fake.requests)
            assert session.usage.total == ours, "session usage must match the provider's counts"
            total_ours, total_base = total_ours + ours, total_base + base
            print(f"    {case['id'][:38]:38s} {len(fake.requests):5d} {fake.prompt_tokens:7d} "
                  f"{fake.completion_tokens:6d} {ours:7d} {base:8d} {ours / base:6.3f}")
    print(f"    {'total':38s} {'':5s} {'':7s} {'':6s} {total_ours:7d} {total_base:8d} "
          f"{total_ours / total_base:6.3f}  (goal <= 0.200)")
    return {"ours": total_ours, "stuffed": total_base, "ratio": total_ours / total_base}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "evals" / "cases")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--read-timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    logging.getLogger("coach.llm").setLevel(logging.ERROR)  # the fallbacks in (b) are expected
    fake_mod = load_fake_server()
    cases = dialogue_cases(args.cases)
    if not cases:
        raise SystemExit(f"no dialogue cases under {args.cases}")
    retriever = note_retriever(args.knowledge)
    bench_overhead(fake_mod, cases, retriever)
    bench_dead(fake_mod, cases[0], args.read_timeout)
    bench_tokens(fake_mod, cases, retriever, args.knowledge)


if __name__ == "__main__":
    main()
