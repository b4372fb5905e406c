"""The LLM half of Outcome Coach: one narrow seam to the model, the LLM engine, and the fallback.

    from coach.llm import build_coach, classify_with, ask_with
    coach, notice = build_coach(settings, retriever)     # offline (with a one-line reason) when no LLM is set
    verdict, notice = classify_with(settings, statement)
    answer, notice = ask_with(settings, kb, question)

Any provider failure makes that turn use the offline engine, with a notice on the turn.
Unit tests use `FakeChatModel`; wire tests use the real `OpenAIChat` against tests/fakeopenai.py.
"""

from coach.llm.client import ChatModel, OpenAIChat, TextStream
from coach.llm.engine import CardProse, LLMInterpreter, LLMWriter, Phrasing, ask_llm, classify_llm
from coach.llm.errors import GuardRefusal, LLMError, MalformedReply, NotConfigured, ProviderError, StreamCut
from coach.llm.fake import FakeChatModel
from coach.llm.fallback import (
    FallbackCoach,
    FallbackInterpreter,
    FallbackWriter,
    ask_with,
    build_coach,
    classify_with,
    make_chat,
)
from coach.llm.guard import Guard, strip_links
from coach.llm.ledger import Breaker, Ledger, notice_for

__all__ = [
    "Breaker",
    "CardProse",
    "ChatModel",
    "FakeChatModel",
    "FallbackCoach",
    "FallbackInterpreter",
    "FallbackWriter",
    "Guard",
    "GuardRefusal",
    "LLMError",
    "LLMInterpreter",
    "LLMWriter",
    "Ledger",
    "MalformedReply",
    "NotConfigured",
    "OpenAIChat",
    "Phrasing",
    "ProviderError",
    "StreamCut",
    "TextStream",
    "ask_llm",
    "ask_with",
    "build_coach",
    "classify_llm",
    "classify_with",
    "make_chat",
    "notice_for",
    "strip_links",
]
