"""Who is at the keyboard, for every page: sign-in when configured, else a chosen name (see coach.identity).

A chosen name is kept in this tab's session state, in a cookie (so a reload or a new tab
remembers it) and may be given in the URL as `?user=Ana`. With `[auth]` in the secrets,
only the identity provider's user counts and pages ask to sign in.
"""

from __future__ import annotations

import json
import logging

import streamlit as st

from coach.identity import LOCAL, User, from_claims, from_name
from coach.textinput import InputError
from coach.ui.view import plain

log = logging.getLogger("coach.ui")

KEY = "coach_user"  # session state: the chosen name
COOKIE = "coach_user"
PARAM = "user"
_PENDING = "coach_user_cookie"  # session state: a cookie value to write from the sidebar
_WRITTEN = "coach_user_cookie_written"
_YEAR = 365 * 24 * 3600


def auth_configured() -> bool:
    """True when `[auth]` is set in Streamlit's secrets, so st.login can sign users in."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all is the usual single-user case
        return False


def _chosen_name() -> str | None:
    for source in (st.session_state.get(KEY), st.query_params.get(PARAM), _cookie()):
        if source:
            return str(source)
    return None


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare mode)
        return None


def current_user() -> User | None:
    """The user of this tab: the signed-in user, the chosen name, or "this computer"; None when sign-in
    is configured and nobody has signed in yet."""
    if auth_configured():
        if not getattr(st.user, "is_logged_in", False):
            return None
        return from_claims(st.user.to_dict())
    name = _chosen_name()
    if name:
        try:
            user = from_name(name)
        except InputError:
            return LOCAL
        st.session_state[KEY] = user.name
        if user.name != _cookie() and st.session_state.get(_WRITTEN) != user.name:
            st.session_state[_PENDING] = st.session_state[_WRITTEN] = user.name  # e.g. a name from the URL
        return user
    return LOCAL


def choose_name(text: object) -> User:
    """Make this name the user of this tab (and, through a cookie, of this browser); InputError when bad."""
    user = from_name(text)
    st.session_state[KEY] = user.name
    st.query_params[PARAM] = user.name
    st.session_state[_PENDING] = user.name  # the sidebar writes the cookie on the next run
    return user


def forget_name() -> None:
    """Back to "this computer"."""
    for key in (KEY, "sidebar-name", "learner"):
        st.session_state.pop(key, None)
    st.query_params.pop(PARAM, None)
    st.session_state[_PENDING] = ""


def _set_cookie(value: str) -> None:
    """Set (or, with '', clear) the name cookie from the browser; the value is JSON-quoted, never raw HTML."""
    age = _YEAR if value else 0
    quoted = json.dumps(value).replace("<", "\\u003c")
    st.html(f"<script>document.cookie = '{COOKIE}=' + encodeURIComponent({quoted}) + "
            f"'; path=/; max-age={age}; SameSite=Lax';</script>", unsafe_allow_javascript=True,
            width="content")


def register(store: object, user: User) -> None:
    """Record a named user in the store once per tab (so rooms can show their name)."""
    key = f"registered-{user.id}"
    if user.named and not st.session_state.get(key):
        store.touch_user(user.id, user.name)  # type: ignore[attr-defined]
        st.session_state[key] = True


def require_user(why: str = "to keep your work") -> User | None:
    """The user, or a sign-in button (when sign-in is configured and nobody is signed in) and None."""
    user = current_user()
    if user is None:
        st.info(f"Sign in {why}.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign-in")
    return user


def name_form(label: str = "Your name", key: str = "pick-name") -> None:
    """A text box to pick a name (Enter to apply); a valid name reruns the page as that user."""
    typed = st.text_input(label, key=key, max_chars=60,
                          placeholder="Your sessions and scores are kept under it")
    if not typed:
        return
    try:
        choose_name(typed)
    except InputError as err:
        st.caption(str(err))
        return
    st.rerun()  # redraw every part of the page for the new user, the same way on every run


def sidebar() -> None:
    """Who is signed in, with sign-out or a way to pick or change the name."""
    if auth_configured():
        user = current_user()
        if user is None:
            st.button("Sign in", on_click=st.login, key="sidebar-sign-in")
        else:
            st.caption(f"Signed in as **{plain(user.name)}**")
            st.button("Sign out", on_click=st.logout, key="sign-out")
        return
    user = current_user()
    if _PENDING in st.session_state:  # here, not on the page, so the page's layout is the same on every run
        value = st.session_state.pop(_PENDING)
        st.session_state[_WRITTEN] = value
        _set_cookie(value)
    if user is not None and user.named:
        st.caption(f"Working as **{plain(user.name)}**")
        if st.button("Change name", key="change-name"):
            forget_name()
            st.rerun()
    else:
        name_form("Name", key="sidebar-name")
