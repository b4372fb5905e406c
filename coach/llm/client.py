"""The one seam to a language model: the `ChatModel` protocol and its OpenAI-compatible adapter.

    chat = OpenAIChat(settings)
    reply, usage = chat.complete(messages, Interpretation)   # a validated Interpretation
    text, usage = chat.complete(messages)                    # plain text
    stream = chat.stream(messages)                           # iterate text deltas, then stream.usage

The adapter wraps langchain-openai's `ChatOpenAI`; structured replies go through its public
`with_structured_output`, retries through LangChain's `with_retry` (the SDK's own are off): a
429, a 5xx, a refused connection or an unreadable response is retried `settings.max_retries`
times after a short wait (the provider's Retry-After, capped), but a timeout is not (the slow
provider already spent the budget; the user should get the offline answer within
read_timeout + 1 s).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from pydantic import BaseModel, SecretStr

from coach.llm.errors import LLMError, MalformedReply, ProviderError, StreamCut
from coach.llm.structured import Message, complete_validated, function_spec, json_schema
from coach.models import Usage
from coach.settings import Settings

if TYPE_CHECKING:  # imported lazily: openai and langchain cost ~0.5 s, and the offline path never needs them
    import openai
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage

M = TypeVar("M", bound=BaseModel)
RETRY_WAIT = 0.2  # seconds before a retry when the provider does not say
MAX_RETRY_WAIT = 2.0  # never honour a longer Retry-After: the offline engine is better than waiting
PLACEHOLDER_KEY = "not-needed"  # local OpenAI-compatible servers accept any key
#: Our longest reply (a polished card) needs far less; the cap bounds cost and runaway generation.
MAX_REPLY_TOKENS = 1024


class RetryableError(ProviderError):
    """A provider failure worth another try: 5xx, 429, a refused connection, an unreadable body."""


class ChatModel(Protocol):
    """What the coach needs from a language model."""

    name: str

    @overload
    def complete(self, messages: Sequence[Message], schema: None = None) -> tuple[str, Usage]: ...
    @overload
    def complete(self, messages: Sequence[Message], schema: type[M]) -> tuple[M, Usage]: ...

    def complete(self, messages: Sequence[Message], schema: type[M] | None = None) -> tuple[Any, Usage]:
        """A validated `schema` instance (or text when schema is None) and the tokens spent."""
        ...

    def stream(self, messages: Sequence[Message]) -> TextStream:
        """Text deltas; `.usage` is set once the stream is finished."""
        ...


class TextStream:
    """Iterates the text deltas of a streamed reply; raises StreamCut if it ends unfinished."""

    def __init__(self, chunks: Iterator[tuple[str, Usage | None, bool]]) -> None:
        self._chunks = chunks
        self.usage = Usage()
        self.finished = False
        self.parts: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for delta, usage, finished in self._chunks:
            if usage is not None:
                self.usage.add(usage)
            self.finished = self.finished or finished
            if delta:
                self.parts.append(delta)
                yield delta
        if not self.finished:
            raise StreamCut("stream cut mid-way", usage=self.usage)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def collect(self, on_delta: Callable[[str], None] | None = None) -> str:
        """The whole text, or StreamCut: a half reply is never returned."""
        for delta in self:
            if on_delta is not None:
                on_delta(delta)
        return self.text


def _lc_messages(messages: Sequence[Message]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[role](content=text) for role, text in messages]


def _usage(message: BaseMessage) -> Usage:
    """Token counts from the provider's usage fields (langchain's usage_metadata as a fallback)."""
    raw = (getattr(message, "response_metadata", None) or {}).get("token_usage") or {}
    if raw:
        return Usage(prompt_tokens=int(raw.get("prompt_tokens") or 0),
                     completion_tokens=int(raw.get("completion_tokens") or 0))
    meta = getattr(message, "usage_metadata", None) or {}
    return Usage(prompt_tokens=int(meta.get("input_tokens") or 0),
                 completion_tokens=int(meta.get("output_tokens") or 0))


def _retry_after(err: openai.APIStatusError) -> float:
    try:
        value = float(err.response.headers.get("retry-after", ""))
    except (TypeError, ValueError):
        return RETRY_WAIT
    return max(0.0, min(value, MAX_RETRY_WAIT))


def provider_error(err: BaseException) -> tuple[LLMError, float | None]:
    """Map an SDK or transport exception to (our error, seconds to wait before a retry or None)."""
    import openai

    if isinstance(err, LLMError):
        return err, None
    if isinstance(err, openai.LengthFinishReasonError):
        return MalformedReply("reply cut at the length limit"), None
    if isinstance(err, openai.APITimeoutError):
        return ProviderError("timeout"), None
    if isinstance(err, openai.APIConnectionError):
        return ProviderError("cannot connect"), RETRY_WAIT
    if isinstance(err, openai.RateLimitError):
        return ProviderError("rate limited (429)"), _retry_after(err)
    if isinstance(err, openai.APIStatusError):
        status = err.status_code
        if status >= 500:
            return ProviderError(f"server error {status}"), RETRY_WAIT
        if status in (401, 403):
            return ProviderError(f"key rejected ({status})"), None
        return ProviderError(f"provider error {status}"), None
    if isinstance(err, ValueError):  # the body of a 200 was not JSON
        return ProviderError("unreadable response"), RETRY_WAIT
    if isinstance(err, openai.OpenAIError):
        return ProviderError("provider error"), None
    return ProviderError(f"internal error ({type(err).__name__})"), None


class OpenAIChat:
    """`ChatModel` over langchain-openai's ChatOpenAI, for OpenAI or any compatible server."""

    name = "llm"

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        import httpx
        from langchain_openai import ChatOpenAI

        self.model, self.base_url = settings.model, settings.base_url
        self.method = settings.structured_output
        self.max_retries = settings.max_retries
        self._sleep = sleep
        key = settings.api_key if settings.api_key and settings.api_key.get_secret_value().strip() else None
        self._llm = ChatOpenAI(
            model=settings.model,
            base_url=settings.base_url,
            api_key=key or SecretStr(PLACEHOLDER_KEY),
            temperature=settings.temperature,
            max_tokens=MAX_REPLY_TOKENS,
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            max_retries=0,  # ours, see the module docstring
            stream_usage=True,
        )
        self._structured: dict[type[BaseModel], Any] = {}

    def __repr__(self) -> str:
        return f"OpenAIChat(model={self.model!r}, base_url={self.base_url!r}, method={self.method!r})"

    # -- ChatModel --------------------------------------------------------------------------------

    @overload
    def complete(self, messages: Sequence[Message], schema: None = None) -> tuple[str, Usage]: ...
    @overload
    def complete(self, messages: Sequence[Message], schema: type[M]) -> tuple[M, Usage]: ...

    def complete(self, messages: Sequence[Message], schema: type[M] | None = None) -> tuple[Any, Usage]:
        if schema is None:
            reply = self._retrying(lambda: self._llm.invoke(_lc_messages(messages)))
            return _text(reply), _usage(reply)
        return complete_validated(lambda msgs: self._raw_structured(msgs, schema),
                                  self._prepare(messages, schema), schema)

    def stream(self, messages: Sequence[Message]) -> TextStream:
        return TextStream(self._stream_chunks(_lc_messages(messages)))

    # -- internals --------------------------------------------------------------------------------

    def _retrying(self, call: Callable[[], Any]) -> Any:
        """`call()` through LangChain's `with_retry`; every failure leaves as an LLMError.

        The wait before a retry is the one the failure asked for (Retry-After, capped), slept at
        the start of the next attempt, so a last failure never waits for nothing.
        """
        from langchain_core.runnables import RunnableLambda

        wait_before: list[float] = []

        def attempt(_: object) -> Any:
            if wait_before:
                self._sleep(wait_before.pop())
            try:
                return call()
            except Exception as exc:  # noqa: BLE001 - every failure becomes an LLMError
                error, wait = provider_error(exc)
                if wait is None:
                    raise error from exc
                wait_before.append(wait)
                raise RetryableError(error.reason) from exc

        retried = RunnableLambda(attempt).with_retry(
            retry_if_exception_type=(RetryableError,), stop_after_attempt=self.max_retries + 1,
            wait_exponential_jitter=False)
        return retried.invoke(None)

    def _prepare(self, messages: Sequence[Message], schema: type[BaseModel]) -> list[Message]:
        """JSON mode has no schema on the wire, so the system prompt carries it."""
        if self.method != "json_mode":
            return list(messages)
        note = (f"\n\nReply with one JSON object for `{schema.__name__}` and nothing else. "
                f"It must validate against this JSON schema:\n{json.dumps(json_schema(schema))}")
        out = list(messages)
        index = next((i for i, (role, _) in enumerate(out) if role == "system"), None)
        if index is None:
            return [("system", note.strip()), *out]
        out[index] = ("system", out[index][1] + note)
        return out

    def _runnable(self, schema: type[BaseModel]) -> Any:
        if schema not in self._structured:
            spec = function_spec(schema)
            if self.method == "function_calling":
                target: dict[str, Any] = {"type": "function", "function": spec}
            else:
                target = {"name": spec["name"], "description": spec["description"],
                          "schema": spec["parameters"], "strict": True}
            extra: dict[str, Any] = {}
            if self.method == "json_mode" and self.base_url and "openai.com" not in self.base_url:
                # Local servers (llama.cpp and others) take a schema with json_object and constrain
                # decoding to it; OpenAI itself does not accept the extra key.
                extra["response_format"] = {"type": "json_object", "schema": spec["parameters"]}
            # A dict schema, not the class: langchain then leaves validation to us (strict, with the
            # raw text at hand for the one repair), instead of raising inside the SDK.
            self._structured[schema] = self._llm.with_structured_output(target, method=self.method,
                                                                        include_raw=True, **extra)
        return self._structured[schema]

    def _raw_structured(self, messages: Sequence[Message], schema: type[BaseModel]) -> tuple[str, Usage]:
        out = self._retrying(lambda: self._runnable(schema).invoke(_lc_messages(messages)))
        raw: AIMessage = out["raw"]
        if raw.tool_calls:
            text = json.dumps(raw.tool_calls[0]["args"])
        elif raw.invalid_tool_calls:
            text = str(raw.invalid_tool_calls[0].get("args") or "")
        else:
            text = _text(raw)
        return text, _usage(raw)

    def _stream_chunks(self, messages: list[BaseMessage]) -> Iterator[tuple[str, Usage | None, bool]]:
        def opened() -> tuple[Iterator[AIMessageChunk], AIMessageChunk | None]:
            chunks = iter(self._llm.stream(messages))
            return chunks, next(chunks, None)  # connection, status and the first chunk: safe to retry

        chunks, first = self._retrying(opened)
        pending = [first] if first is not None else []
        try:
            while True:
                chunk = pending.pop() if pending else next(chunks, None)
                if chunk is None:
                    return
                meta = chunk.response_metadata or {}
                usage = _usage(chunk) if chunk.usage_metadata else None
                yield _text(chunk), usage, bool(meta.get("finish_reason"))
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failure after the first chunk is a cut stream
            raise StreamCut("stream cut mid-way") from exc


def _text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
