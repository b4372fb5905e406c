"""Checks and cleans what a user types before anything else sees it."""

from __future__ import annotations

import unicodedata

from coach.settings import MAX_INPUT_CHARS


class InputError(ValueError):
    """Bad input, with a message fit to show the user as it is."""


_ALLOWED_CONTROLS = {"\n", "\t"}


def clean_text(text: object, *, what: str = "statement", max_chars: int = MAX_INPUT_CHARS,
               require_words: bool = True) -> str:
    """Return the text normalised (NFC, no control characters, trimmed) or raise InputError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"The {what} is not readable text (it is not UTF-8).") from None
    if not isinstance(text, str):
        raise InputError(f"The {what} must be text.")
    if "\x00" in text:
        raise InputError(f"The {what} contains binary data; please paste plain text.")
    if len(text) > max_chars * 4:
        # Cut before normalising so a huge paste costs nothing.
        raise InputError(f"The {what} is too long ({len(text):,} characters); the limit is {max_chars:,}.")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InputError(f"The {what} contains bytes that are not text; please paste plain text.")
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text
        if ch in _ALLOWED_CONTROLS or unicodedata.category(ch)[0] != "C" or ch == "\u200d"
    )
    text = text.strip()
    if not text:
        raise InputError(f"The {what} is empty; type a goal, a roadmap item or a metric.")
    if len(text) > max_chars:
        raise InputError(f"The {what} is too long ({len(text):,} characters); the limit is {max_chars:,}.")
    if require_words and not looks_like_words(text):
        raise InputError(f"I couldn't find any words in the {what}; describe a goal, a feature or a metric "
                         f"in a sentence.")
    return text


def looks_like_words(text: str) -> bool:
    """True when the text has at least one word of two or more letters."""
    letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if letters >= 2:
                return True
        else:
            letters = 0
    return False


_ENGLISH = frozenset(
    "the a an of to and in for on with our we our more less increase reduce grow build launch ship deliver "
    "users customers team teams share number rate each per by from is are be that who which new get make "
    "improve".split()
)


def looks_english(text: str) -> bool:
    """True when the text has a few common English words (the coach's rules read English)."""
    words = [w.lower() for w in text.split()]
    return len(words) <= 2 or sum(w.strip(".,;:!?'\"") in _ENGLISH for w in words) >= 1
