"""Who is using the coach: a signed-in user (OpenID Connect), a chosen name, or this computer. No Streamlit
here.

With sign-in configured (`[auth]` in `.streamlit/secrets.toml`, Streamlit's `st.login`), a user
is their e-mail (or subject) from the identity provider. On a single-user install without sign-in,
a user picks a name: it keeps their sessions and scores apart from other names on that install,
but it is a convenience, not a password. Until a name is picked, the user is "this computer",
which also owns the sessions saved before users existed (and by the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from coach.textinput import InputError, clean_text

MAX_NAME = 60


@dataclass(frozen=True)
class User:
    """One user of the coach; `id` is what owns sessions, scores and rooms."""

    id: str
    name: str
    via: Literal["oidc", "name", "local"]

    @property
    def sees_unowned(self) -> bool:
        """Only "this computer" sees the sessions saved before users existed (or by the CLI)."""
        return self.via == "local"

    @property
    def named(self) -> bool:
        return self.via != "local"


LOCAL = User(id="local", name="this computer", via="local")


def from_name(text: object) -> User:
    """A user from a chosen name ('  Ana ' -> 'Ana'); InputError when it cannot be a name."""
    name = " ".join(clean_text(text, what="name", max_chars=MAX_NAME).split())
    if name.lower() == LOCAL.id:
        raise InputError("That name is reserved; please pick another.")
    return User(id=name, name=name, via="name")


def from_claims(claims: Mapping[str, Any]) -> User | None:
    """A user from the identity provider's claims (st.user): e-mail, else issuer and subject."""
    email = str(claims.get("email") or "").strip().lower()
    subject = str(claims.get("sub") or "").strip()
    if email:
        user_id = email
    elif subject:
        user_id = f"{claims.get('iss') or 'oidc'}#{subject}"
    else:
        return None
    name = str(claims.get("name") or claims.get("preferred_username") or email or subject).strip()[:MAX_NAME]
    return User(id=user_id[:200], name=name or user_id, via="oidc")


def may_open_rooms(user: User, facilitators: str) -> bool:
    """Whether this user may open rooms: anyone named when no list is set, else those on the list."""
    allowed = {part.strip().lower() for part in (facilitators or "").split(",") if part.strip()}
    if not allowed:
        return user.named
    return user.id.lower() in allowed
