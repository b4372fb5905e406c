"""What happened on the LLM path during one coach turn: tokens, citations, fallbacks.

The interpreter and the writer record into one shared ledger; the coach drains it after
each turn onto the session (usage) and the turn (notice, engine, sources). A `Breaker`
remembers a provider failure: the rest of the turn, and any call within `cooldown`
seconds, goes straight to the offline engine instead of waiting on a dead provider again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from coach.llm.errors import LLMError, ProviderError
from coach.models import Usage

log = logging.getLogger("coach.llm")

COOLDOWN = 30.0  # seconds the breaker stays open after a provider failure


def notice_for(reason: str, what: str = "turn") -> str:
    """The visible notice of a fallback."""
    return f"LLM unavailable ({reason}); this {what} used the offline engine"


def reason_of(exc: BaseException) -> str:
    """A short, secret-free reason for any exception on the LLM path."""
    if isinstance(exc, LLMError):
        return exc.reason
    return f"internal error ({type(exc).__name__})"


@dataclass
class Breaker:
    """Remembers a provider failure, so calls within `cooldown` seconds go offline at once.

    Keep one per provider for as long as the process lives (the app builds a coach per turn,
    and without a shared breaker a hanging provider would cost a read timeout every turn).
    """

    cooldown: float = COOLDOWN
    clock: Callable[[], float] = time.monotonic
    open_until: float = 0.0
    reason: str = ""

    def closed(self) -> bool:
        return self.clock() >= self.open_until

    def trip(self, reason: str) -> None:
        self.reason, self.open_until = reason, self.clock() + self.cooldown

    def skip_reason(self) -> str:
        return f"{self.reason}; next try in {max(0.0, self.open_until - self.clock()):.0f} s"


@dataclass
class Ledger:
    """Per-turn record of the LLM path, shared by the interpreter and the writer."""

    breaker: Breaker = field(default_factory=Breaker)
    usage: Usage = field(default_factory=Usage)
    cited: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    writer_offline: bool = False
    failed: str = ""  # reason of a provider failure in this turn

    def begin(self) -> None:
        """Start a turn: forget the previous turn's state (the breaker keeps its time)."""
        self.usage, self.cited, self.reasons = Usage(), [], []
        self.writer_offline, self.failed = False, ""

    def available(self) -> bool:
        """False while the breaker is open or the provider already failed in this turn."""
        return not self.failed and self.breaker.closed()

    def skip(self) -> None:
        """Note a call that went offline because the breaker is open."""
        if not self.failed:
            self._reason(self.breaker.skip_reason())

    def fail(self, exc: BaseException, what: str) -> None:
        """Record a failed LLM call: its tokens, a notice and, for provider failures, the breaker."""
        reason = reason_of(exc)
        if isinstance(exc, LLMError):
            self.usage.add(exc.usage)
        if isinstance(exc, ProviderError) or not isinstance(exc, LLMError):
            self.failed = reason
            self.breaker.trip(reason)
        log.warning("LLM %s failed (%s); falling back to the offline engine", what, reason)
        self._reason(reason)

    def add(self, usage: Usage) -> None:
        self.usage.add(usage)

    def cite(self, ids: list[str]) -> None:
        self.cited.extend(i for i in ids if i not in self.cited)

    def _reason(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def notice_of(self, what: str = "turn") -> str:
        """The notice, or "" when every LLM call succeeded."""
        return notice_for(", ".join(self.reasons), what) if self.reasons else ""

    @property
    def notice(self) -> str:
        return self.notice_of("turn")
