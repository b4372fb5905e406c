"""A coaching process killed with SIGKILL mid-session loses no turn it had shown."""

import os
import signal
import subprocess
import sys
import textwrap

from coach.store import SessionStore

CHILD = textwrap.dedent("""
    import sys
    from coach.engine.protocol import Coach
    from coach.store import SessionStore
    store, coach = SessionStore(sys.argv[1]), Coach()
    session = coach.start("Deliver an Android app")
    store.save(session)
    print("shown", session.id, len(session.transcript), flush=True)
    for answer in ["customers could use us on the go", "customers who mostly use their phone",
                   "they check their dashboards each week"]:
        coach.reply(session, answer)
        store.save(session)  # saved before it is shown
        print("shown", session.id, len(session.transcript), flush=True)
    sys.stdin.readline()  # wait here, mid-session, until killed
""")


def test_sigkill_mid_session_keeps_every_shown_turn(tmp_path):
    db = tmp_path / "sessions.db"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE,
                            text=True)
    shown = [proc.stdout.readline().split() for _ in range(4)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    _, session_id, count = shown[-1]
    saved = SessionStore(db).load(session_id)
    assert saved is not None and len(saved.transcript) == int(count) == 8
    assert saved.transcript[-1].role.value == "coach" and saved.status == "active"
