"""A queue-driven `ChatModel` for unit tests: `fake.enqueue(reply)`, then assert on `fake.history`.

A reply is a string (the model's text, or its JSON), a dict or pydantic model (sent as
JSON), or an exception (raised by that call). Structured calls go through the same strict
validation and single repair as the real adapter. For the wire format, use the fake
HTTP server in tests/fakeopenai.py with the real adapter instead.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import BaseModel

from coach.llm.client import TextStream
from coach.llm.errors import ProviderError
from coach.llm.structured import Message, complete_validated
from coach.models import Usage

Scripted = str | dict | BaseModel | BaseException


def _words(text: str) -> int:
    return len(re.findall(r"\S+", text))


class FakeChatModel:
    """Replies from a queue, records every call; counts tokens as words."""

    name = "fake"

    def __init__(self, *replies: Scripted) -> None:
        self.queue: deque[Scripted] = deque(replies)
        self.history: list[list[Message]] = []
        self.schemas: list[type[BaseModel] | None] = []

    def enqueue(self, *replies: Scripted) -> None:
        self.queue.extend(replies)

    def _call(self, messages: Sequence[Message]) -> tuple[str, Usage]:
        self.history.append(list(messages))
        if not self.queue:
            raise ProviderError("fake model: nothing queued")
        reply: Any = self.queue.popleft()
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, BaseModel):
            reply = reply.model_dump_json()
        elif isinstance(reply, dict):
            reply = json.dumps(reply)
        prompt = sum(_words(text) for _, text in messages)
        return reply, Usage(prompt_tokens=prompt, completion_tokens=_words(reply))

    def complete(self, messages: Sequence[Message],
                 schema: type[BaseModel] | None = None) -> tuple[Any, Usage]:
        self.schemas.append(schema)
        if schema is None:
            return self._call(messages)
        return complete_validated(self._call, messages, schema)

    def stream(self, messages: Sequence[Message]) -> TextStream:
        self.schemas.append(None)

        def chunks() -> Iterator[tuple[str, Usage | None, bool]]:
            text, usage = self._call(messages)
            pieces = re.findall(r"\S+\s*|\s+", text)
            for piece in pieces:
                yield piece, None, False
            yield "", usage, True

        return TextStream(chunks())
