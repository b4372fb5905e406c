"""The Coach page: a chat that turns a statement into an outcome card, with the card filling in beside it.

The session id lives in the URL (`?session=<id>`) and every turn is saved before it is
shown, so a refresh or a server restart resumes exactly from the store. The coach's
words come from `coach.engine`; this page only renders and routes.
"""

from __future__ import annotations

import logging
import re
from typing import cast

import streamlit as st

from coach.engine.session import SLOT_ORDER, Session
from coach.identity import User
from coach.models import OutcomeCard, Role, Turn
from coach.settings import MAX_INPUT_CHARS
from coach.store import ANY, Feedback, SessionStore, StoreError
from coach.textinput import InputError
from coach.ui import identity, services
from coach.ui.export import card_json, card_markdown
from coach.ui.graphs import opportunity_tree_dot, value_ladder_dot
from coach.ui.view import (
    GENERIC_ERROR,
    ORIGIN_LABELS,
    SLOT_LABELS,
    coach_text,
    plain,
    show_card,
    show_passage,
)

log = logging.getLogger("coach.ui")

PARAM = "session"
_VALID_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_THUMBS: dict[int | None, Feedback] = {0: "down", 1: "up"}


def remember(session_id: str | None) -> None:
    """Make this session the current one (in the URL and for this browser tab), or forget it."""
    if session_id:
        st.query_params[PARAM] = session_id
        st.session_state[PARAM] = session_id
    else:
        st.query_params.pop(PARAM, None)
        st.session_state.pop(PARAM, None)


def current_session(store: SessionStore, user: User | None = None) -> Session | None:
    """The session named in the URL (or last used in this tab), loaded from the store if it is this user's."""
    session_id = st.query_params.get(PARAM) or st.session_state.get(PARAM)
    if not session_id:
        return None
    owner = ANY if user is None else user.id
    found = _VALID_ID.match(session_id)
    session = store.load(session_id, owner, user is not None and user.sees_unowned) if found else None
    if session is None:
        st.warning("There is no saved session with that id. Type a statement below to start a new one.")
        remember(None)
        return None
    remember(session.id)
    return session


def show_store_error(err: StoreError) -> None:
    """The store cannot be opened: say why and, for a damaged file, offer a fresh one (the copy is kept)."""
    st.error(str(err))
    if err.damaged and st.button("Start a fresh, empty sessions database (the damaged copy is kept)"):
        cfg = services.settings()
        SessionStore.start_fresh(cfg.data_dir / "sessions.db")
        st.rerun()


def _start(store: SessionStore, text: str, user: User) -> Session | None:
    cfg = services.settings()
    room = store.current_room(user.id) if user.named else None
    try:
        with st.status("Searching the library...", expanded=False) as status:
            coach, notice = services.make_coach(cfg)
            session = coach.start(text)
            if notice:
                session.transcript[-1].notice = notice
            store.save(session, owner=user.id if user.named else None, room=room.code if room else None)
            cited = len({p.id for t in session.transcript for p in t.evidence})
            status.update(label=f"Library searched: {cited} note{'s' if cited != 1 else ''} cited",
                          state="complete")
    except InputError as err:
        st.error(str(err))
        return None
    remember(session.id)
    return session


def _answer(store: SessionStore, session: Session, text: str | None) -> None:
    """A reply (or, with no text, 'draft the card now'), saved before it is shown."""
    coach, notice = services.make_coach(services.settings())
    turn = coach.finish(session) if text is None else coach.reply(session, text)
    if notice and not turn.notice:
        turn.notice = notice
    store.save(session)
    if getattr(session, "restart_requested", False):  # the user typed "start over" (see the report)
        remember(None)


def _save_feedback(store: SessionStore, session_id: str, index: int, key: str) -> None:
    try:
        reason = st.session_state.get(f"{key}-why")
        store.set_feedback(session_id, index, _THUMBS.get(st.session_state.get(key)), reason)
    except Exception:  # a callback runs outside the page's error boundary
        log.exception("feedback not saved")
        st.session_state["feedback_error"] = True


def _feedback(store: SessionStore, session: Session, index: int, turn: Turn) -> None:
    key = f"fb-{session.id}-{index}"
    default = {"down": 0, "up": 1}.get(turn.feedback or "")
    value = st.feedback("thumbs", key=key, default=default, on_change=_save_feedback,
                        args=(store, session.id, index, key))
    if value == 0:
        st.text_input("What was off? (optional)", value=turn.feedback_reason, max_chars=500, key=f"{key}-why",
                      on_change=_save_feedback, args=(store, session.id, index, key))


def show_transcript(store: SessionStore, session: Session) -> None:
    """Every message; under each coach message, why it asks (the cited passage) and thumbs."""
    for index, turn in enumerate(session.transcript):
        if turn.role is Role.user:
            with st.chat_message("user"):
                st.markdown(plain(turn.text))
            continue
        with st.chat_message("assistant"):
            if turn.notice:
                st.caption(plain(turn.notice))
            st.markdown(coach_text(turn.text))
            if turn.slot is not None and index == len(session.transcript) - 1 and session.status == "active":
                st.caption(f"Asking about: {SLOT_LABELS[turn.slot]}")
            if turn.evidence or turn.sources:
                with st.expander("Why I'm asking"):
                    for passage in turn.evidence:
                        show_passage(passage)
                    if not turn.evidence:
                        st.caption("Drawn from: " + ", ".join(plain(s) for s in turn.sources))
            _feedback(store, session, index, turn)


EDITABLE = [("product_outcome", "Product outcome"), ("who", "Who"), ("behavior", "Behaviour"),
            ("value_moment", "Value moment"), ("metric_name", "Metric"), ("definition", "Definition"),
            ("baseline", "Baseline"), ("target", "Target"), ("time_frame", "Time frame"),
            ("guardrail", "Guardrail"), ("business_outcome", "Business outcome")]


def _card_value(session: Session, key: str) -> str:
    card = cast(OutcomeCard, session.card)  # the form shows only with a card
    metric = {"metric_name": "name", "definition": "definition", "baseline": "baseline", "target": "target",
              "time_frame": "time_frame"}
    return getattr(card.metric, metric[key]) if key in metric else getattr(card, key)


def edit_card_form(store: SessionStore, session: Session) -> None:
    """Every card field editable by hand; the self-checks run again on the new wording."""
    card = cast(OutcomeCard, session.card)  # the form shows only with a card
    with st.expander("Edit the card"), st.form(f"edit-{session.id}"):
        values = {key: st.text_area(label, value=_card_value(session, key), max_chars=MAX_INPUT_CHARS,
                                    key=f"edit-{key}", height=68) for key, label in EDITABLE}
        values["outcome_type"] = st.selectbox("Outcome type", ["learning", "performance"],
                                              index=0 if card.outcome_type == "learning" else 1,
                                              key="edit-outcome_type")
        if not st.form_submit_button("Save changes"):
            return
    coach, _ = services.make_coach(services.settings())
    try:
        changed = coach.edit_card(session, **values)
    except InputError as err:
        st.error(str(err))
        return
    store.save(session)
    st.session_state["card_saved"] = len(changed)
    st.rerun()


def show_card_panel(store: SessionStore, session: Session) -> None:
    """What is known so far (slots) and the ladder; the full card, the tree and downloads once done."""
    card = session.card
    if card is None:
        st.subheader("What we know so far")
        known = [(SLOT_LABELS[s], session.slots[s]) for s in SLOT_ORDER if s in session.slots]
        if known:
            st.markdown("\n".join(f"- **{label}** ({ORIGIN_LABELS.get(fill.origin, fill.origin)}): "
                                  f"{plain(fill.text)}"
                                  for label, fill in known))
        else:
            st.caption("The card fills in as you answer.")
    else:
        st.markdown('<div id="outcome-card"></div>', unsafe_allow_html=True)  # static anchor, no user text
        st.subheader("Outcome card")
        show_card(card)
        edit_card_form(store, session)
    st.markdown("**Value ladder**")
    st.graphviz_chart(value_ladder_dot(session), alt="Value ladder from the output to the business outcome")
    if card is not None:
        left, right = st.columns(2)
        left.download_button("Download Markdown", card_markdown(card),
                             file_name=f"outcome-card-{session.id}.md", mime="text/markdown",
                             on_click="ignore", key="dl-md")
        right.download_button("Download JSON", card_json(card), file_name=f"outcome-card-{session.id}.json",
                              mime="application/json", on_click="ignore", key="dl-json")


def _draft_now(store: SessionStore, session_id: str) -> None:
    """Button callback: finish the session with what is known, saved before the rerun shows it."""
    try:
        session = store.load(session_id)
        if session is not None and session.status == "active":
            _answer(store, session, None)
    except Exception:  # a callback runs outside the page's error boundary
        log.exception("draft failed")
        st.session_state["coach_error"] = True


def _undo(store: SessionStore, session_id: str) -> None:
    """Button callback: take back the last answer (and the coach's reply), saved before the rerun shows it."""
    try:
        session = store.load(session_id)
        if session is not None:
            coach, _ = services.make_coach(services.settings())
            if coach.undo(session):
                store.save(session)
            else:
                st.session_state["undo_empty"] = True
    except Exception:  # a callback runs outside the page's error boundary
        log.exception("undo failed")
        st.session_state["coach_error"] = True


def scroll_to_card(session: Session) -> None:
    """Bring the card into view once, the first time it is drawn (a tiny script; no user text in it)."""
    key = f"scrolled-{session.id}-{len(session.transcript)}"
    if st.session_state.get(key):
        return
    st.session_state[key] = True
    st.iframe("<script>const a = window.parent.document.getElementById('outcome-card');"
              "if (a) { a.scrollIntoView({behavior: 'smooth', block: 'start'}); }</script>", height=1)


def _start_over() -> None:
    remember(None)


def _stash() -> None:
    """Chat callback: keep the text for the page body, which handles it before drawing anything that depends
    on it."""
    st.session_state["chat_text"] = st.session_state.get("chat")


def page() -> None:
    """Render the Coach page."""
    try:
        store = services.store(services.settings())
    except StoreError as err:
        show_store_error(err)
        return
    user = identity.require_user("to keep your sessions")
    if user is None:
        return
    try:
        identity.register(store, user)
        session = current_session(store, user)
    except StoreError as err:
        show_store_error(err)
        return
    st.title("Coach")
    toolbar = st.container()
    if st.session_state.pop("coach_error", False):
        st.error(GENERIC_ERROR)
    if st.session_state.pop("feedback_error", None):
        st.warning("Your feedback could not be saved; please try again.")
    if st.session_state.pop("undo_empty", False):
        st.info("There is no answer to undo yet.")
    text = st.session_state.pop("chat_text", None)
    if text and len(text) > MAX_INPUT_CHARS:
        st.warning(f"That message has {len(text):,} characters; the limit is {MAX_INPUT_CHARS:,}. Nothing "
                   f"was sent. "
                   "Shorten it and send it again; here it is to copy from:")
        st.code(text, language=None, wrap_lines=True)
        text = None
    if text and session is None:
        session = _start(store, text, user)
    elif text and session is not None:
        _answer(store, session, text)
        if PARAM not in st.session_state:
            st.info("Type the next statement to start a new session; the last one is kept under Sessions.")
            session = None
    # Drawn after the turn is handled, so its placeholder fits the new state (it stays pinned at the bottom).
    st.chat_input("Your answer" if session else "A goal, roadmap item or metric, e.g. 'Deliver an Android "
                                                "app'",
                  key="chat", on_submit=_stash)
    with toolbar:
        left, middle, right, _ = st.columns([1, 1, 1, 1])
        left.button("Draft the card now", key="draft", on_click=_draft_now,
                    args=(store, session.id if session else ""),
                    disabled=session is None or session.status == "done")
        middle.button("Undo my last answer", key="undo", on_click=_undo,
                      args=(store, session.id if session else ""),
                      disabled=session is None or not session.snapshots)
        right.button("Start over", key="restart", on_click=_start_over, disabled=session is None)
    if session is None:
        st.caption("Bring a feature, a roadmap item or a metric. The coach asks one question at a time "
                   "and hands back an outcome card; say \"just give me a draft\" at any point.")
        services.warm_library(services.settings())
        return
    chat, panel = st.columns([3, 2], gap="large")
    with chat:
        show_transcript(store, session)
    with panel:
        if saved := st.session_state.pop("card_saved", None):
            st.success(f"Card updated ({saved} field{'s' if saved != 1 else ''} changed).")
        show_card_panel(store, session)
    if session.card is not None:
        with chat, st.expander("Bets and assumptions (opportunity tree)", expanded=False):
            st.graphviz_chart(opportunity_tree_dot(session.card), width="stretch")
        scroll_to_card(session)
