"""The Practice page: label a statement's kind and traps, see at once how it compares, keep a score.

Scores are stored per user (the signed-in user or the chosen name, coach.ui.identity), so
"traps you keep missing" follows a learner across visits and reloads; drills done while in a
room also count for that room's facilitator view. The explanation shown is the classifier's own.
"""

from __future__ import annotations

import streamlit as st

from coach.engine.classifier import classify
from coach.engine.traps import definition_lines
from coach.models import Kind, Trap
from coach.store import SessionStore, StoreError
from coach.ui import identity, services
from coach.ui.drills import Drill, grade, label, load_drills, order_for
from coach.ui.view import plain


def _learner() -> tuple[str, str | None] | None:
    """The learner's id and current room: the signed-in user or chosen name (asked for here when none)."""
    user = identity.require_user("to keep your score")
    if user is None:
        return None
    if not user.named:
        identity.name_form("Your name", key="learner")
        st.caption("Type your name to start; your score is kept under it.")
        return None
    store = services.store(services.settings())
    identity.register(store, user)
    room = store.current_room(user.id)
    where = f" in room {room.code} ({plain(room.name)}): your drills count for the room" if room else ""
    st.caption(f"Practising as {plain(user.name)}{where}.")
    return user.id, room.code if room else None


def _feedback(drill: Drill, kind: Kind | None, traps: set[Trap]) -> None:
    verdict = grade(drill, kind, traps)
    expected = ", ".join(label(t) for t in sorted(drill.traps)) or "none"
    if verdict.correct:
        st.success(f"Right: {label(drill.kind)}, traps: {expected}.")
    else:
        parts = [f"Expected {label(drill.kind)}, traps: {expected}."]
        if not verdict.kind_right:
            parts.append(f"You said {label(kind) if kind else 'no kind'}.")
        if verdict.missed:
            parts.append("Missed: " + ", ".join(label(t) for t in sorted(verdict.missed)) + ".")
        if verdict.extra:
            parts.append("Not in this one: " + ", ".join(label(t) for t in sorted(verdict.extra)) + ".")
        st.error(" ".join(parts))
    if drill.note:
        st.markdown(f"**Why:** {plain(drill.note)}")
    verdict_of_classifier = classify(drill.statement)
    st.markdown(f"**The coach's reading:** {plain(verdict_of_classifier.explanation)}")
    notes = services.notes(services.settings())
    for note_id in verdict_of_classifier.sources[:2]:
        if note_id in notes:
            st.caption(f"Source note: {plain(notes[note_id].title)} ({plain(note_id)})")


def _score(store: SessionStore, learner: str) -> None:
    score = store.practice_score(learner)
    first, second = st.columns(2)
    first.metric("Statements labelled", score.drills)
    second.metric("All right", f"{score.correct / score.drills:.0%}" if score.drills else "-")
    weak = score.keeps_missing()
    if weak:
        st.markdown("**Traps you keep missing**")
        st.markdown("\n".join(f"- {label(t.trap)}: missed {t.misses} of {t.attempts}" for t in weak))
    if score.traps:
        with st.expander("Score per trap"):
            st.dataframe([{"trap": label(t.trap), "seen": t.attempts, "missed": t.misses,
                           "picked wrongly": t.false_alarms} for t in score.traps], hide_index=True)


def page() -> None:
    """Render the Practice page."""
    st.title("Practice")
    try:
        store = services.store(services.settings())
    except StoreError as err:
        st.error(str(err))
        return
    who = _learner()
    if who is None:
        return
    learner, room = who
    drills = order_for(learner, load_drills())
    if not drills:
        st.info("No practice statements are available.")
        return
    pos_key = f"drill-pos-{learner}"
    if pos_key not in st.session_state:
        st.session_state[pos_key] = store.practice_score(learner).drills
    pos = st.session_state[pos_key]
    drill = drills[pos % len(drills)]
    st.markdown(f"**Statement {pos + 1}**")
    st.info(plain(drill.statement))
    checked: dict[tuple[str, int],
                  tuple[Kind | None, set[Trap]]] = st.session_state.setdefault("drills_checked", {})
    done = (learner, pos) in checked
    kind = st.radio("What kind is it?", list(Kind), index=None, horizontal=True, format_func=label,
                    key=f"kind-{learner}-{pos}", disabled=done)
    traps = set(st.multiselect("Which traps does it fall into? (none for a clean one)", list(Trap),
                               format_func=label, key=f"traps-{learner}-{pos}", disabled=done))
    st.caption("  \n".join(definition_lines()))  # the definitions, where the traps are picked
    check, nxt, _ = st.columns([1, 1, 3])
    if check.button("Check", disabled=kind is None or done):
        checked[(learner, pos)] = (kind, traps)
        verdict = grade(drill, kind, traps)
        store.record_drill(learner, verdict.correct, {t.value for t in drill.traps}, {t.value for t in traps},
                           room=room)
        st.rerun()  # redraw with the answer locked
    if (learner, pos) in checked:
        _feedback(drill, *checked[(learner, pos)])
    if nxt.button("Next statement"):
        st.session_state[pos_key] = pos + 1
        st.rerun()
    st.divider()
    _score(store, learner)
