"""A fake OpenAI-compatible chat completions server on 127.0.0.1, for tests and the LLM bench.

It speaks the wire format the real `openai` client expects: `POST /v1/chat/completions`, JSON
replies with `usage`, server-sent events for `stream: true` (plus a usage chunk when
`stream_options.include_usage` is set) and tool calls when the request offers tools. Replies and
faults come from a queue, then from `responder(request)` if set, else a 500 noted in `errors`:

    with FakeOpenAI() as fake:
        fake.enqueue({"kind": "output", ...}, "plain text", error(500), slow(2.0), garbage(), cut("a b c"))
        settings = fake.settings()                  # coach Settings pointing at the server
        fake.requests[0].body, fake.prompt_tokens   # every request is recorded and counted (in words)
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEST_KEY = "sk-fake-test-key-0123456789"


def count_words(text: str) -> int:
    return len(re.findall(r"\S+", text or ""))


@dataclass
class Reply:
    """One scripted answer (or fault) of the fake server."""

    content: str | None = None
    # A dict or pydantic model, sent as JSON text (as tool-call arguments when tools are offered).
    json: Any = None
    usage: tuple[int, int] | None = None  # (prompt, completion); counted in words when None
    status: int = 200
    body: bytes | None = None  # a raw body sent as is (an error, or malformed JSON on the wire)
    delay: float = 0.0  # seconds to wait before answering
    cut_after: int | None = None  # streaming: drop the connection after this many content chunks
    headers: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        data = self.json.model_dump(mode="json") if hasattr(self.json, "model_dump") else self.json
        return (self.content or "") if data is None else json.dumps(data)


def error(status: int, message: str = "scripted failure", retry_after: float | None = None) -> Reply:
    """An HTTP error reply in OpenAI's error shape."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    body = json.dumps({"error": {"message": message, "type": kind, "code": str(status)}}).encode()
    return Reply(status=status, body=body,
                 headers={"retry-after": str(retry_after)} if retry_after is not None else {})


def slow(seconds: float, reply: Reply | None = None) -> Reply:
    """A reply that arrives after `seconds` (past the client's read timeout in fault tests)."""
    return Reply(**{**vars(reply or Reply(content="too late")), "delay": seconds})


def hang() -> Reply:
    """A server that never answers (until it is stopped)."""
    return slow(3600.0)


def garbage() -> Reply:
    """A 200 whose body is not JSON at all."""
    return Reply(body=b'{"id": "chatcmpl-broken", "choices": [ {not json')


def cut(content: str, after: int = 1) -> Reply:
    """A streamed reply whose connection drops after `after` content chunks."""
    return Reply(content=content, cut_after=after)


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0  # time the server spent answering, scripted delays excluded
    delay: float = 0.0  # the scripted delay (a reply past the client's timeout is counted but never seen)

    messages = property(lambda self: list(self.body.get("messages") or []))
    stream = property(lambda self: bool(self.body.get("stream")))

    def text(self, role: str | None = None) -> str:
        """All message text (of one role, if given), joined."""
        return "\n".join(m["content"] for m in self.messages
                         if isinstance(m.get("content"), str) and role in (None, m.get("role")))


def _as_reply(reply: Reply | str | dict) -> Reply:
    if isinstance(reply, Reply):
        return reply
    return Reply(content=reply) if isinstance(reply, str) else Reply(json=reply)


class FakeOpenAI:
    """A scripted OpenAI-compatible server running in a background thread."""

    def __init__(self, responder: Callable[[Recorded], Reply | dict | str] | None = None) -> None:
        self.queue: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.errors: list[str] = []  # requests nothing was scripted for
        self.responder = responder
        self._lock, self._stopping = threading.Lock(), threading.Event()
        self._sockets: set[socket.socket] = set()  # open keep-alive connections, closed on stop
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeOpenAI:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"owner": self}))
        self._server.daemon_threads, self._server.block_on_close = True, False
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases slow and hanging replies
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            for sock in self._sockets:
                _drop(sock)
            self._sockets.clear()

    __enter__ = start

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give an OpenAI client."""
        assert self._server is not None, "start() the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def settings(self, **overrides: Any) -> Any:
        """coach Settings pointing at this server: LLM engine, a test key, short timeouts, no .env."""
        from coach.settings import Settings

        return Settings(**{"engine": "llm", "COACH_BASE_URL": self.url, "COACH_API_KEY": TEST_KEY,
                           "model": "fake-model", "read_timeout": 1.0, "connect_timeout": 0.5,
                           "_env_file": None,
                           **overrides})

    def enqueue(self, *replies: Reply | str | dict) -> None:
        """Queue replies: a Reply, a plain string (content) or a dict (JSON)."""
        with self._lock:
            self.queue.extend(_as_reply(r) for r in replies)

    def reset(self) -> None:
        with self._lock:
            self.queue.clear(), self.requests.clear(), self.errors.clear()

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.requests)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self.requests)

    def _next(self, request: Recorded) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            return _as_reply(self.responder(request))
        self.errors.append(f"nothing scripted for request {len(self.requests)}")
        return error(500, "fake server: nothing scripted")


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class _Handler(BaseHTTPRequestHandler):
    owner: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every reply and the bench would measure that.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._lock:
            self.owner._sockets.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # the connection may be gone already
            super().finish()
        with self.owner._lock:
            self.owner._sockets.discard(self.connection)

    def handle(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # a socket closed by stop() or by the client
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        started = time.perf_counter()
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._send(400, json.dumps({"error": {"message": "request body is not JSON"}}).encode())
        rec = Recorded(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body)
        with self.owner._lock:
            self.owner.requests.append(rec)
        reply = self.owner._next(rec)
        if reply.delay:
            if self.owner._stopping.wait(reply.delay):
                self.close_connection = True
                return
            rec.delay, started = reply.delay, started + reply.delay
        try:
            self._answer(rec, reply)
        except OSError:  # BrokenPipe, ConnectionReset: the client gave up (e.g. timed out)
            self.close_connection = True
        finally:
            rec.seconds = time.perf_counter() - started

    def _answer(self, rec: Recorded, reply: Reply) -> None:
        if reply.body is not None:  # errors and garbage report no usage, so they count no tokens
            return self._send(reply.status, reply.body, reply.headers)
        text = reply.text()
        rec.prompt_tokens = reply.usage[0] if reply.usage else count_words(rec.text())
        rec.completion_tokens = reply.usage[1] if reply.usage else count_words(text)
        tools, choice = rec.body.get("tools") or [], rec.body.get("tool_choice")
        # a forced tool call answers in arguments
        tool = (choice["function"]["name"] if isinstance(choice, dict) and choice.get("function")
                else tools[0]["function"]["name"] if tools else None)
        finish = "tool_calls" if tool else "stop"
        if rec.stream:
            return self._stream(rec, reply, text, tool, finish)
        message: dict[str, Any] = {"role": "assistant", "content": None if tool else text, "refusal": None}
        if tool:
            message["tool_calls"] = [{"id": "call_fake_0", "type": "function",
                                      "function": {"name": tool, "arguments": text}}]
        payload = {**_envelope(rec, "chat.completion"), "usage": _usage(rec),
                   "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}]}
        self._send(200, json.dumps(payload).encode(), reply.headers)

    def _stream(self, rec: Recorded, reply: Reply, text: str, tool: str | None, finish: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        base = _envelope(rec, "chat.completion.chunk")

        def event(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> None:
            choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None,
                                                 "finish_reason": finish}]
            self._chunk(b"data: " + json.dumps({**base, "choices": choices, **extra}).encode() + b"\n\n")

        calls = [{"index": 0, "id": "call_fake_0", "type": "function",
                  "function": {"name": tool, "arguments": ""}}]
        event({"role": "assistant", "content": None,
               "tool_calls": calls} if tool else {"role": "assistant", "content": ""})
        for n, piece in enumerate(re.findall(r"\S+\s*|\s+", text)):
            if reply.cut_after is not None and n >= reply.cut_after:
                _drop(self.connection)  # mid-stream disconnect: no terminating chunk, no [DONE]
                self.close_connection = True
                return
            event({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if tool
                  else {"content": piece})
        event({}, finish)
        if (rec.body.get("stream_options") or {}).get("include_usage"):
            event(None, usage=_usage(rec))
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"content-type": "application/json", "content-length": str(len(body)),
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _envelope(rec: Recorded, kind: str) -> dict[str, Any]:
    return {"id": f"chatcmpl-fake-{id(rec)}", "object": kind, "created": int(time.time()),
            "model": rec.body.get("model", "fake")}


def _usage(rec: Recorded) -> dict[str, int]:
    return {"prompt_tokens": rec.prompt_tokens, "completion_tokens": rec.completion_tokens,
            "total_tokens": rec.prompt_tokens + rec.completion_tokens}
