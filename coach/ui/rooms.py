"""The Rooms page: trainees join a room by its code; a facilitator opens rooms and watches them live.

The facilitator's view (only for the room's own facilitator) refreshes every few seconds:
each trainee's practice score in the room, the traps the room keeps missing and the cards
trainees reached, with exports as Markdown and CSV. The figures come from coach.rooms.
"""

from __future__ import annotations

import streamlit as st

from coach.identity import User, may_open_rooms
from coach.rooms import RoomReport, report_csv, report_markdown
from coach.store import SessionStore, StoreError
from coach.ui import identity, services
from coach.ui.drills import label
from coach.ui.view import plain

REFRESH_S = 3.0


def _join(store: SessionStore, user: User) -> None:
    st.subheader("Join a room")
    current = store.current_room(user.id)
    if current is not None:
        st.success(f"You are in room **{current.code}** ({plain(current.name)}). Your practice drills and "
                   f"new "
                   "coaching sessions count for it.")
        if st.button("Leave the room", key="leave-room"):
            store.leave_room(current.code, user.id)
            st.rerun()
    with st.form("join-room", border=False):
        code = st.text_input("Room code", max_chars=20, placeholder="e.g. K7Q2MX, from your facilitator")
        if st.form_submit_button("Join"):
            try:
                room = store.join_room(code, user.id)
            except StoreError as err:
                st.error(str(err))
            else:
                st.session_state["joined"] = room.code
                st.rerun()
    if joined := st.session_state.pop("joined", None):
        st.toast(f"Joined room {joined}")


def _trainee_table(report: RoomReport) -> list[dict]:
    return [{"trainee": r.name, "drills": r.drills, "all right": "-" if r.score is None else f"{r.score:.0%}",
             "sessions": r.sessions, "cards reached": len(r.cards)} for r in report.trainees]


def _show_report(report: RoomReport) -> None:
    room = report.room
    st.markdown(f"### Room {room.code}: {plain(room.name)}")
    st.caption(f"Trainees join with the code **{room.code}** on this page. Updated every {REFRESH_S:.0f} s."
               + (" Closed to new trainees." if room.closed else ""))
    if not report.trainees:
        st.info("Nobody has joined yet.")
    else:
        st.table(_trainee_table(report))  # a plain table: readable on a projector, nothing scrolls away
    worst = report.most_missed()
    if worst is not None:
        st.markdown(f"**Most missed trap: {label(worst.trap)}** (missed {worst.misses} of {worst.attempts}, "
                    f"by {worst.missed_by} trainee{'s' if worst.missed_by != 1 else ''})")
        st.table([{"trap": label(t.trap), "seen": t.attempts, "missed": t.misses, "missed by": t.missed_by}
                  for t in report.traps if t.misses])
    else:
        st.caption("No trap missed yet.")
    cards = [(r.name, c) for r in report.trainees for c in r.cards]
    if cards:
        st.markdown("**Cards reached**")
        st.markdown("\n".join(f"- **{plain(name)}**: {plain(card)}" for name, card in cards))
    left, right, _ = st.columns([1, 1, 2])
    left.download_button("Export Markdown", report_markdown(report), file_name=f"room-{room.code}.md",
                         mime="text/markdown", on_click="ignore", key=f"room-md-{room.code}")
    right.download_button("Export CSV", report_csv(report), file_name=f"room-{room.code}.csv",
                          mime="text/csv", on_click="ignore", key=f"room-csv-{room.code}")


@st.fragment(run_every=REFRESH_S)
def _live_view(code: str, facilitator: str) -> None:
    """The facilitator's view of one room, redrawn on a timer."""
    try:
        store = services.store(services.settings())
        report = store.room_report(code)
    except StoreError as err:
        st.error(str(err))
        return
    if report is None or report.room.facilitator != facilitator:
        st.warning("This room is not one of yours.")
        return
    _show_report(report)


def _facilitate(store: SessionStore, user: User) -> None:
    st.subheader("Run a room")
    with st.form("open-room", border=False):
        name = st.text_input("Room name", max_chars=80, placeholder="e.g. Outcome training, Berlin team")
        if st.form_submit_button("Open a room"):
            room = store.open_room(user.id, name)
            st.session_state["room-pick"] = room.code  # show the new room (set before its selectbox is drawn)
    rooms = store.rooms_of(user.id)
    if not rooms:
        st.caption("Open a room, give its code to the trainees, and watch their results here.")
        return
    codes = [r.code for r in rooms]
    if st.session_state.get("room-pick") not in codes:
        st.session_state["room-pick"] = codes[0]
    names = {r.code: f"{r.code} - {r.name}" + (" (closed)" if r.closed else "") for r in rooms}
    code: str = st.selectbox("Your rooms", codes, format_func=names.__getitem__, key="room-pick")
    _live_view(code, user.id)
    room = next(r for r in rooms if r.code == code)
    if not room.closed and st.button("Close this room to new trainees", key=f"close-{code}"):
        store.close_room(code, user.id)
        st.rerun()


def page() -> None:
    """Render the Rooms page."""
    st.title("Rooms")
    try:
        store = services.store(services.settings())
    except StoreError as err:
        st.error(str(err))
        return
    user = identity.require_user("to join or run a room")
    if user is None:
        return
    if not user.named:
        st.info("Rooms need a name: type yours to join a room or to run one.")
        identity.name_form("Your name", key="room-learner")
        return
    identity.register(store, user)
    _join(store, user)
    st.divider()
    if may_open_rooms(user, services.settings().facilitators):
        _facilitate(store, user)
    else:
        st.caption("Only the facilitators named by the administrator can open rooms.")
