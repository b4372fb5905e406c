"""Fallback: any LLM failure makes that turn use the offline engine, with a visible notice.

    coach, notice = build_coach(settings, retriever)     # notice explains an offline start
    session = coach.start("Deliver an Android app")
    turn = coach.reply(session, "people use it on the go")
    turn.notice   # "LLM unavailable (timeout); this turn used the offline engine", or ""
    session.usage # tokens of every LLM call so far

    verdict, notice = classify_with(settings, "Grow ARR by 20%")
    answer, notice = ask_with(settings, kb, "Is NPS enough?")

Connect errors, timeouts, 5xx, 429 after the retry, malformed replies after the repair,
guard refusals, cut streams and our own bugs on this path are all caught: the session
goes on and no turn is lost. Each LLM call runs as a LangChain runnable whose fallback
(`with_fallbacks`) is the offline engine; the ledger's breaker skips the LLM while a
provider is known to be down. Keys are never logged; notices carry short reasons only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from coach.engine.classifier import classify
from coach.engine.interpreter import Interpretation, OfflineInterpreter
from coach.engine.protocol import Coach, Retriever
from coach.engine.session import Session
from coach.engine.writer import Move, OfflineWriter
from coach.llm.client import ChatModel, OpenAIChat
from coach.llm.engine import LLMInterpreter, LLMWriter, Searcher, ask_llm, classify_llm
from coach.llm.guard import Guard
from coach.llm.ledger import Breaker, Ledger, notice_for, reason_of
from coach.models import Answer, Classification, OutcomeCard, Passage, Role, Slot, Turn, Usage
from coach.settings import Settings

T = TypeVar("T")


def with_offline_fallback(ledger: Ledger, what: str, call: Callable[[], T], offline: Callable[[], T]) -> T:
    """`call()`, with `offline()` as its LangChain fallback: any failure is recorded in the ledger.

    While the breaker is open (or the provider already failed this turn) the LLM is not tried.
    """
    if not ledger.available():
        ledger.skip()
        return offline()
    from langchain_core.runnables import RunnableLambda

    def recover(inputs: dict[str, Any]) -> T:
        ledger.fail(inputs["error"], what)
        return offline()

    primary: RunnableLambda[dict[str, Any], T] = RunnableLambda(lambda _inputs: call())
    chain = primary.with_fallbacks([RunnableLambda(recover)], exceptions_to_handle=(Exception,),
                                   exception_key="error")
    return chain.invoke({})


class FallbackInterpreter:
    """The LLM interpreter, or the offline one when the LLM fails or the breaker is open."""

    name = "llm"

    def __init__(self, llm: LLMInterpreter, ledger: Ledger,
                 offline: OfflineInterpreter | None = None) -> None:
        self.llm, self.ledger, self.offline = llm, ledger, offline or OfflineInterpreter()

    def interpret(self, slot: Slot, answer: str, context: str = "") -> Interpretation:
        return with_offline_fallback(self.ledger, "interpret",
                                     lambda: self.llm.interpret(slot, answer, context),
                                     lambda: self.offline.interpret(slot, answer, context))


class FallbackWriter:
    """The LLM writer, or the offline one; `name` says which wrote the current turn."""

    def __init__(self, llm: LLMWriter, ledger: Ledger, offline: OfflineWriter | None = None) -> None:
        self.llm, self.ledger = llm, ledger
        self.offline = offline or llm.offline
        self.bank = self.offline.bank

    @property
    def name(self) -> str:
        return "offline" if self.ledger.writer_offline else "llm"

    def _try(self, what: str, call: Callable[[], T], offline: Callable[[], T]) -> T:
        def offline_writer() -> T:
            self.ledger.writer_offline = True
            return offline()

        return with_offline_fallback(self.ledger, what, call, offline_writer)

    def phrase(self, session: Session, move: Move, evidence: list[Passage]) -> str:
        return self._try("phrase", lambda: self.llm.phrase(session, move, evidence),
                         lambda: self.offline.phrase(session, move, evidence))

    def polish(self, session: Session, card: OutcomeCard, evidence: list[Passage]) -> OutcomeCard:
        return self._try("polish", lambda: self.llm.polish(session, card, evidence), lambda: card)

    def card_message(self, session: Session, card: OutcomeCard) -> str:
        return self.offline.card_message(session, card)


class FallbackCoach(Coach):
    """The protocol with LLM parts; after each turn it settles the ledger onto the session and turn."""

    def __init__(self, interpreter: FallbackInterpreter, writer: FallbackWriter, ledger: Ledger,
                 retriever: Retriever | None = None) -> None:
        super().__init__(interpreter=interpreter, writer=writer, retriever=retriever)
        self.ledger = ledger
        self._depth = 0

    def start(self, statement: str, session_id: str | None = None) -> Session:
        self._enter()
        try:
            session = super().start(statement, session_id)
        finally:
            self._depth -= 1
        self._settle(session, session.transcript[-1])
        return session

    def reply(self, session: Session, text: str) -> Turn:
        self._enter()
        try:
            turn = super().reply(session, text)
        finally:
            self._depth -= 1
        self._settle(session, turn)
        return turn

    def finish(self, session: Session) -> Turn:
        outer = self._depth == 0
        self._enter()
        try:
            turn = super().finish(session)
        finally:
            self._depth -= 1
        if outer:
            self._settle(session, turn)
        return turn

    def _enter(self) -> None:
        if self._depth == 0:
            self.ledger.begin()
        self._depth += 1

    def _settle(self, session: Session, turn: Turn) -> None:
        if self._depth:
            return
        session.usage.add(self.ledger.usage)
        turn.tokens = self.ledger.usage.total
        if self.ledger.notice:
            turn.notice = self.ledger.notice
        if self.ledger.writer_offline:
            turn.engine = "offline"
        if self.ledger.cited and turn.role is Role.coach:
            turn.sources = list(dict.fromkeys([*self.ledger.cited, *turn.sources]))
        self.ledger.begin()


def make_chat(settings: Settings) -> ChatModel:
    """The real adapter for these settings."""
    return OpenAIChat(settings)


def _offline_reason(settings: Settings) -> str:
    if settings.engine != "llm":
        return ""
    return "" if settings.llm_configured else settings.describe_engine()


def build_coach(settings: Settings, retriever: Retriever | None = None, *, chat: ChatModel | None = None,
                guard: Guard | None = None, breaker: Breaker | None = None) -> tuple[Coach, str]:
    """The coach for these settings and a one-line notice ('' when the LLM engine is on).

    Pass the same `breaker` to every coach of a process: then a dead provider costs one
    timeout, not one per turn.
    """
    if settings.engine != "llm" or (chat is None and not settings.llm_configured):
        return Coach(retriever=retriever), _offline_reason(settings)
    try:
        chat = chat or make_chat(settings)
    except Exception as exc:  # noqa: BLE001 - a bad configuration must not stop the app
        return Coach(retriever=retriever), notice_for(reason_of(exc), "session")
    guard = guard or Guard()
    ledger = Ledger(breaker=breaker or Breaker())
    offline = OfflineWriter()
    interpreter = FallbackInterpreter(LLMInterpreter(chat, guard, ledger), ledger)
    writer = FallbackWriter(LLMWriter(chat, guard, ledger, offline), ledger, offline)
    return FallbackCoach(interpreter, writer, ledger, retriever), ""


def _one_shot(what: str, breaker: Breaker | None, call: Callable[[], T],
              offline: Callable[[], T]) -> tuple[T, str]:
    """The LLM's result, or the offline one with a notice; the breaker is honoured and tripped."""
    ledger = Ledger(breaker=breaker or Breaker())
    result = with_offline_fallback(ledger, what, call, offline)
    return result, ledger.notice_of("answer")


def classify_with(settings: Settings, statement: str, *, chat: ChatModel | None = None,
                  guard: Guard | None = None,
                  usage: Usage | None = None, breaker: Breaker | None = None) -> tuple[Classification, str]:
    """The LLM's classification, or the offline one with a notice."""
    if settings.engine != "llm" or (chat is None and not settings.llm_configured):
        return classify(statement), _offline_reason(settings)
    return _one_shot("classify", breaker,
                     lambda: classify_llm(chat or make_chat(settings), statement, guard or Guard(),
                                          usage=usage),
                     lambda: classify(statement))


class _Memo:
    """Searches once per (query, k), so a fallback does not retrieve twice."""

    def __init__(self, kb: Searcher) -> None:
        self.kb = kb
        self.cache: dict[tuple[str, int | None], list[Passage]] = {}

    def search(self, query: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]:
        if mode != "hybrid":
            raise ValueError(f"the LLM path searches in hybrid mode only, not {mode!r}")
        if (query, k) not in self.cache:
            self.cache[query, k] = self.kb.search(query, k=k)
        return self.cache[query, k]


def ask_with(settings: Settings, kb: Searcher, question: str, *, k: int | None = None,
             chat: ChatModel | None = None,
             guard: Guard | None = None, usage: Usage | None = None, breaker: Breaker | None = None,
             on_delta: Callable[[str], None] | None = None) -> tuple[Answer, str]:
    """The LLM's grounded answer, or the offline extractive one with a notice.

    `on_delta` sees the text as it streams; if the stream fails the caller should clear what
    it showed, because the returned answer is then the offline one.
    """
    from coach.knowledge.ask import answer_offline

    k = k or settings.top_k
    memo = _Memo(kb)
    if settings.engine != "llm" or (chat is None and not settings.llm_configured):
        return answer_offline(memo, question, k=k), _offline_reason(settings)
    return _one_shot("ask", breaker,
                     lambda: ask_llm(chat or make_chat(settings), memo, question, guard or Guard(), k=k,
                                     usage=usage,
                                     on_delta=on_delta),
                     lambda: answer_offline(memo, question, k=k))
