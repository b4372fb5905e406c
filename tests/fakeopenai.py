"""A fake OpenAI-compatible chat completions server on 127.0.0.1, for tests and the LLM bench.

It speaks the wire format the real `openai` client expects: `POST /v1/chat/completions`
with JSON replies carrying `usage`, server-sent events when `stream: true` (with a usage
chunk when `stream_options.include_usage` is set), and tool calls when the request offers
tools. Replies and faults come from a queue:

    with FakeOpenAI() as fake:
        fake.enqueue(Reply(json={"kind": "output", ...}), error(500), slow(2.0), garbage(), cut("a b c", after=1))
        ...
        fake.requests[0].body["messages"]     # every request is recorded
        fake.prompt_tokens                     # token counts (words, unless a reply states usage)

When the queue is empty the `responder` (a function of the request returning a Reply, a
dict or a string) answers, if set;
otherwise the server returns a 500 and notes it in `fake.errors`.
"""

from __future__ import annotations

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

_WORD = re.compile(r"\S+")
TEST_KEY = "sk-fake-test-key-0123456789"


def count_words(text: str) -> int:
    """Rough token count: whitespace-separated words."""
    return len(_WORD.findall(text or ""))


@dataclass
class Reply:
    """One scripted answer (or fault) of the fake server."""

    content: str | None = None
    json: Any = None  # a dict or pydantic model, sent as JSON text (as tool-call arguments when tools are offered)
    usage: tuple[int, int] | None = None  # (prompt, completion); counted in words when None
    status: int = 200
    body: bytes | None = None  # a raw body sent as is (e.g. malformed JSON on the wire)
    delay: float = 0.0  # seconds to wait before answering
    cut_after: int | None = None  # streaming: drop the connection after this many content chunks
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str | None = None

    def text(self) -> str:
        if self.json is not None:
            data = self.json.model_dump(mode="json") if hasattr(self.json, "model_dump") else self.json
            return json.dumps(data)
        return self.content or ""


def error(status: int, message: str = "scripted failure", retry_after: float | None = None) -> Reply:
    """An HTTP error reply in OpenAI's error shape."""
    body = json.dumps({"error": {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error",
                                 "code": str(status)}}).encode()
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return Reply(status=status, body=body, headers=headers)


def slow(seconds: float, reply: Reply | None = None) -> Reply:
    """A reply that arrives after `seconds` (past the client's read timeout in fault tests)."""
    reply = reply or Reply(content="too late")
    reply.delay = seconds
    return reply


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

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def text(self, role: str | None = None) -> str:
        """All message text (of one role, if given), joined."""
        return "\n".join(_content_text(m.get("content")) for m in self.messages if role is None or m.get("role") == role)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class FakeOpenAI:
    """A scripted OpenAI-compatible server running in a background thread."""

    def __init__(self, responder: Callable[[Recorded], Reply | dict | str] | None = None) -> None:
        self.queue: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.errors: list[str] = []
        self.responder = responder
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            for sock in list(self._sockets):
                _drop(sock)
            self._sockets.clear()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The base URL to give an OpenAI client."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- script and records -----------------------------------------------------------------------

    def enqueue(self, *replies: Reply | str | dict) -> None:
        """Queue replies: a Reply, a plain string (content) or a dict (JSON)."""
        with self._lock:
            for reply in replies:
                if isinstance(reply, str):
                    reply = Reply(content=reply)
                elif not isinstance(reply, Reply):
                    reply = Reply(json=reply)
                self.queue.append(reply)

    def reset(self) -> None:
        with self._lock:
            self.queue.clear()
            self.requests.clear()
            self.errors.clear()

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.requests)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self.requests)

    @property
    def server_seconds(self) -> float:
        return sum(r.seconds for r in self.requests)

    def settings(self, **overrides: Any) -> Any:
        """coach Settings pointing at this server: LLM engine, a test key, short timeouts, no .env."""
        from coach.settings import Settings

        values: dict[str, Any] = {"engine": "llm", "COACH_BASE_URL": self.url, "COACH_API_KEY": TEST_KEY,
                                  "model": "fake-model", "read_timeout": 1.0, "connect_timeout": 0.5,
                                  "_env_file": None}
        values.update(overrides)
        return Settings(**values)

    def _next(self, request: Recorded) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            reply = self.responder(request)
            return reply if isinstance(reply, Reply) else Reply(content=reply) if isinstance(reply, str) else Reply(json=reply)
        self.errors.append(f"nothing scripted for request {len(self.requests)}")
        return error(500, "fake server: nothing scripted")


def _drop(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


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
        try:
            super().finish()
        finally:
            with self.owner._lock:
                self.owner._sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        started = time.perf_counter()
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "request body is not JSON"}})
            return
        rec = Recorded(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}, body=body)
        with self.owner._lock:
            self.owner.requests.append(rec)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.owner._next(rec)
        if reply.delay:
            waited = time.perf_counter()
            if self.owner._stopping.wait(reply.delay):
                self.close_connection = True
                return
            started += time.perf_counter() - waited
        rec.prompt_tokens = count_words(rec.text())
        try:
            self._answer(rec, reply)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True  # the client gave up (e.g. timed out)
        finally:
            rec.seconds = time.perf_counter() - started

    # -- replies ----------------------------------------------------------------------------------

    def _answer(self, rec: Recorded, reply: Reply) -> None:
        if reply.usage:
            rec.prompt_tokens = reply.usage[0]
        if reply.body is not None:
            self._send_raw(reply.status, reply.body, reply.headers)
            return
        text = reply.text()
        rec.completion_tokens = reply.usage[1] if reply.usage else count_words(text)
        tool = _forced_tool(rec.body)
        if rec.stream:
            self._stream(rec, reply, text, tool)
            return
        message: dict[str, Any] = {"role": "assistant", "content": None if tool else text, "refusal": None}
        if tool:
            message["tool_calls"] = [{"id": "call_fake_0", "type": "function",
                                      "function": {"name": tool, "arguments": text}}]
        payload = {
            "id": f"chatcmpl-fake-{len(self.owner.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": rec.body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": reply.finish_reason or ("tool_calls" if tool else "stop")}],
            "usage": _usage(rec),
        }
        self._send_json(200, payload, reply.headers)

    def _stream(self, rec: Recorded, reply: Reply, text: str, tool: str | None) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        base = {"id": f"chatcmpl-fake-{len(self.owner.requests)}", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": rec.body.get("model", "fake")}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

        first: dict[str, Any] = {"role": "assistant", "content": "" if not tool else None}
        if tool:
            first["tool_calls"] = [{"index": 0, "id": "call_fake_0", "type": "function",
                                    "function": {"name": tool, "arguments": ""}}]
        self._event(chunk(first))
        for n, piece in enumerate(re.findall(r"\S+\s*|\s+", text)):
            if reply.cut_after is not None and n >= reply.cut_after:
                self.wfile.flush()
                _drop(self.connection)  # mid-stream disconnect: no terminating chunk, no [DONE]
                self.close_connection = True
                return
            delta = ({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if tool else {"content": piece})
            self._event(chunk(delta))
        self._event(chunk({}, reply.finish_reason or ("tool_calls" if tool else "stop")))
        if (rec.body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": _usage(rec)})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _event(self, data: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(data).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers or {})

    def _send_raw(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


def _forced_tool(body: dict[str, Any]) -> str | None:
    """The function the request makes the model call, if it offers tools."""
    tools = body.get("tools") or []
    if not tools:
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name") or tools[0]["function"]["name"]
    return tools[0]["function"]["name"]


def _usage(rec: Recorded) -> dict[str, int]:
    return {"prompt_tokens": rec.prompt_tokens, "completion_tokens": rec.completion_tokens,
            "total_tokens": rec.prompt_tokens + rec.completion_tokens}
