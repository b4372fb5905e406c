"""Typed failures of the LLM path; each carries a short reason fit for a user-facing notice.

Every failure a provider or a reply can cause ends up as an `LLMError`, so the fallback
layer catches one type and the offline engine takes the turn.
"""

from __future__ import annotations

from coach.models import Usage


class LLMError(Exception):
    """The model could not give a usable reply. `reason` is short and never holds secrets."""

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage()  # tokens spent before the failure, still worth counting


class ProviderError(LLMError):
    """Transport or provider failure: cannot connect, timeout, 5xx, 429 after the retry, 4xx."""


class MalformedReply(LLMError):
    """The reply did not validate against its schema, even after the one repair attempt."""


class GuardRefusal(LLMError):
    """The output guard refused the reply (it contained the canary token)."""


class StreamCut(LLMError):
    """A streamed reply ended before the provider said it was finished."""


class NotConfigured(LLMError):
    """No key and no base URL: the LLM engine has nothing to talk to."""
