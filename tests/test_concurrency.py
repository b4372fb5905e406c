"""Fifty sessions at once: nobody sees another's turns and every turn is saved."""

import re

from benchmarks.loadtest import run_concurrent


def test_fifty_concurrent_sessions(tmp_path):
    result = run_concurrent(50, tmp_path / "sessions.db")
    store = result["store"]
    assert len(store.list(limit=100)) == 50
    for session_id, statement, transcript_len, _ in result["sessions"]:
        saved = store.load(session_id)
        assert saved is not None and saved.status == "done"
        assert saved.statement == statement
        assert len(saved.transcript) == transcript_len
        # the user's first message is this session's own statement, and no other's
        assert saved.transcript[0].text == statement
        tokens = {tok for t in saved.transcript for tok in re.findall(r"R\d{3}Q", t.text)}
        assert tokens == {statement.split()[-1]}
    print(f"\n50 sessions, {result['turns']} turns: p50 {result['p50_ms']:.1f} ms, p95 "
          f"{result['p95_ms']:.1f} ms")
