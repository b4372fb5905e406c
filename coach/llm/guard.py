"""The output guard: a canary token planted in the system prompt, and link stripping.

A reply that contains the canary has leaked (or been told to repeat) the system prompt
and is refused outright. Markdown links and images to outside addresses (http/https),
autolinks and bare URLs are stripped from any model text before a user sees it, so a
prompt-injected passage cannot make the coach exfiltrate data through an image URL or
lure a user to a link.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import TypeVar

from pydantic import BaseModel

from coach.llm.errors import GuardRefusal

M = TypeVar("M", bound=BaseModel)

_URL = r"https?://[^\s)>\]]*"
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?" + _URL + r">?(?:\s+\"[^\"]*\")?\s*\)", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?" + _URL + r">?(?:\s+\"[^\"]*\")?\s*\)", re.IGNORECASE)
_REF_DEF = re.compile(r"^[ \t]*\[[^\]]+\]:[ \t]*<?" + _URL + r".*$", re.IGNORECASE | re.MULTILINE)
_AUTOLINK = re.compile(r"<" + _URL + r">", re.IGNORECASE)
_HTML = re.compile(r"<(?:img|a|iframe|script)\b[^>]*>", re.IGNORECASE)
_BARE = re.compile(r"\b" + _URL, re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _squash(text: str) -> str:
    """Lowercase letters and digits only (NFKC first), so a spaced, zero-width-split or fullwidth canary
    still matches."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def strip_links(text: str) -> str:
    """Text with outside links and images removed (a link keeps its words)."""
    out = _IMAGE.sub("", text)
    out = _LINK.sub(lambda m: m.group(1), out)
    out = _REF_DEF.sub("", out)
    out = _AUTOLINK.sub("", out)
    out = _HTML.sub("", out)
    out = _BARE.sub("", out)
    return _SPACES.sub(" ", out).strip() if out != text else text


class Guard:
    """Plants a canary in system prompts and checks every model reply against it."""

    def __init__(self, canary: str | None = None) -> None:
        # One canary per guard (per process in practice), so the system prompt stays identical
        # across calls and the provider can cache it.
        self.canary = canary or f"CANARY-{secrets.token_hex(8)}"
        self._squashed = _squash(self.canary)

    def check(self, text: str) -> None:
        """Raise GuardRefusal when the text carries the canary, even split by spaces or invisible
        characters."""
        if self.canary.lower() in text.lower() or (self._squashed and self._squashed in _squash(text)):
            raise GuardRefusal("reply refused by the output guard")

    def clean(self, text: str) -> str:
        """Checked and stripped model text."""
        self.check(text)
        return strip_links(text)

    def clean_model(self, reply: M) -> M:
        """A validated reply with every string checked and stripped."""
        self.check(reply.model_dump_json())
        return type(reply).model_validate(_strip_all(reply.model_dump()))


def _strip_all(value: object) -> object:
    if isinstance(value, str):
        return strip_links(value)
    if isinstance(value, list):
        return [_strip_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _strip_all(v) for k, v in value.items()}
    return value
