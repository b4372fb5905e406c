"""Shared-store load benchmark: `python benchmarks/bench_shared_store.py [--sessions 100] [--think-ms 5000]`.

N simulated users coach at once through real `streamlit run app.py` servers, speaking Streamlit's
own websocket protocol (what the browser sends: a rerun with the chat box's value), each user
under their own name. Two set-ups, the same load:

  1. two app servers sharing one PostgreSQL (a throwaway server from Debian's postgresql
     package), users spread over both;
  2. one app server on one SQLite file (the single-server default).

Both use one `chroma run` server holding the library, built once. Each user pauses `think-ms`
(+-50%) before each message, as people type. A turn is timed from sending the message to the end
of the page's rerun (the reply is on screen). Afterwards every session is read back from the
database: all turns saved (as many as were shown), none lost, none crossed (each statement
carries a token that must appear in that session only, under its own user). Prints p50/p95
milliseconds per turn for both; asserts nothing about speed, exits 1 if a turn was lost or crossed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
MAX_TURNS = 14


def _statement(i: int) -> str:
    return f"Deliver an Android app for region R{i:04d}Q"


@dataclass
class User:
    """One simulated user and what they saw."""

    i: int
    server: str
    session_id: str = ""
    sent: int = 0
    turn_ms: list[float] = field(default_factory=list)
    error: str = ""


async def _rerun(ws, query: str, chat: tuple[str, str] | None = None) -> tuple[str | None, str]:
    """One rerun of the page (with the chat box's value, if any); returns the chat box id and the new
    query."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query
    if chat:
        widget = msg.rerun_script.widget_states.widgets.add()
        widget.id, widget.chat_input_value.data = chat[0], chat[1]
    await ws.send(msg.SerializeToString())
    chat_id = None
    while True:
        reply = ForwardMsg()
        reply.ParseFromString(await ws.recv())
        kind = reply.WhichOneof("type")
        if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
            if reply.delta.new_element.WhichOneof("type") == "chat_input":
                chat_id = reply.delta.new_element.chat_input.id
        elif kind == "page_info_changed":
            query = reply.page_info_changed.query_string
        elif kind == "script_finished":
            return chat_id, query


async def _user(user: User, store, think_ms: float, start: asyncio.Event) -> None:
    import websockets

    rng = random.Random(user.i)
    await start.wait()
    await asyncio.sleep(think_ms / 1000 * rng.uniform(0.0, 1.0))  # users arrive over one think time
    try:
        async with websockets.connect(user.server.replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                      ping_timeout=None) as ws:
            chat, query = await _rerun(ws, f"user=user{user.i}")
            text = _statement(user.i)
            while user.sent < MAX_TURNS:
                began = time.perf_counter()
                chat, query = await _rerun(ws, query, (chat, text))
                user.turn_ms.append((time.perf_counter() - began) * 1000)
                user.sent += 1
                user.session_id = user.session_id \
                    or dict(p.split("=", 1) for p in query.split("&")).get("session", "")
                session = await asyncio.to_thread(store.load, user.session_id)
                if session is None or session.status == "done" or chat is None:
                    break
                text = PERSONA.get(session.pending.value if session.pending else "", "not sure")
                await asyncio.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))
    except Exception as err:  # noqa: BLE001 - counted as a problem below
        user.error = f"{type(err).__name__}: {err}"


def verify(store, users: list[User]) -> list[str]:
    """Every session saved with as many turns as were shown, its own statement and token, its own user."""
    problems = []
    saved_ids = {s.id for s in store.list(limit=100 * len(users))}
    for user in users:
        if user.error:
            problems.append(f"user {user.i}: {user.error}")
            continue
        session = store.load(user.session_id, owner=f"user{user.i}")
        if session is None:
            problems.append(f"user {user.i}: session {user.session_id!r} lost (or under another user)")
            continue
        if len(session.transcript) != 2 * user.sent:
            problems.append(f"user {user.i}: {len(session.transcript)} turns saved, {2 * user.sent} shown")
        tokens = {tok for t in session.transcript for tok in TOKEN.findall(t.text)}
        if session.statement != _statement(user.i) or tokens != {f"R{user.i:04d}Q"}:
            problems.append(f"user {user.i}: holds another session's words {sorted(tokens)}")
    if len(saved_ids) != len(users):
        problems.append(f"the database holds {len(saved_ids)} sessions for {len(users)} users")
    return problems


async def _load(servers: list[str], store, sessions: int, think_ms: float) -> tuple[list[User], float]:
    start = asyncio.Event()
    users = [User(i, servers[i % len(servers)]) for i in range(sessions)]
    tasks = [asyncio.create_task(_user(u, store, think_ms, start)) for u in users]
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return users, time.perf_counter() - began


def run(name: str, url: str, n_servers: int, folder: Path, chroma_port: int, sessions: int,
        think_ms: float) -> str:
    """Start the app servers on this database, warm them, load them, check the database, summarise."""
    from coach.servers import start_app
    from coach.store import SessionStore

    settings = {"COACH_DATABASE_URL": url, "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma_port)}
    apps = [start_app(folder / f"app{k}", timeout=120, **settings) for k in range(n_servers)]
    store = SessionStore(url=url)
    try:
        for app in apps:  # each server opens the library and the classifier once, as before its first user
            warm = User(-1 - apps.index(app), app.url)
            asyncio.run(_user(warm, store, 0, _set(asyncio.Event())))
            store.delete(warm.session_id)
        users, wall = asyncio.run(_load([a.url for a in apps], store, sessions, think_ms))
        problems = verify(store, users)
    finally:
        for app in apps:
            app.stop()
        store.close()
    turns = sorted(x for u in users for x in u.turn_ms)
    p = (lambda q: turns[int(q * (len(turns) - 1))]) if turns else (lambda q: float("nan"))
    verdict = "all turns saved, none lost or crossed" if not problems else f"{len(problems)} PROBLEMS"
    lines = [f"{name:<38} {len(users):>3} sessions {len(turns):>4} turns | per turn p50 {p(.5):6.0f} ms "
             f"p95 {p(.95):6.0f} ms | wall {wall:5.1f} s | {verdict}"]
    return "\n".join(lines + [f"    problem: {x}" for x in problems[:10]])


def _set(event: asyncio.Event) -> asyncio.Event:
    event.set()
    return event


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--think-ms", type=float, default=5000.0,
                        help="a user's pause before each message (+-50%%)")
    args = parser.parse_args(argv)

    from coach.knowledge import KnowledgeBase
    from coach.servers import postgres_unavailable, start_chroma, start_postgres
    from coach.settings import Settings

    if postgres_unavailable():
        print(f"shared-store benchmark skipped: {postgres_unavailable()}")
        return 0
    print(f"Shared store: {args.sessions} users coaching at once through real app servers (offline engine; "
          f"users pause ~{args.think_ms / 1000:.0f} s before each message); ms from message to reply on "
          f"screen")
    lines, failed = [], False
    with tempfile.TemporaryDirectory(prefix="coach-bench-store-") as tmp:
        folder = Path(tmp)
        chroma = start_chroma(folder / "chroma")
        pg = None
        try:
            with KnowledgeBase(Settings(data_dir=folder / "build", CHROMA_HOST="127.0.0.1",
                                        CHROMA_PORT=chroma.port)) as kb:
                kb.build()
            pg = start_postgres()
            for name, url, n in (("2 app servers, one PostgreSQL", pg.database("bench"), 2),
                                 ("1 app server, one SQLite file",
                                  f"sqlite:///{folder / 'sqlite' / 'sessions.db'}", 1)):
                line = run(name, url, n, folder / name.split(",")[0].replace(" ", "-"), chroma.port,
                           args.sessions, args.think_ms)
                failed |= "PROBLEMS" in line
                print("  " + line, flush=True)
                lines.append(line)
        finally:
            if pg is not None:
                pg.stop()
            chroma.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
