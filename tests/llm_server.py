"""A scripted OpenAI-compatible chat server on loopback, for tests that must use real HTTP.

Tests queue the replies they want (a reply text, or a raw status and body, optionally after a
delay) and afterwards inspect every request the client actually sent, and how many chat requests
were ever in flight at once (``max_in_flight``: from when a POST is read until its answer is about
to be written). The real ``openai`` and ``langchain-openai`` clients talk to it exactly as they
would to vLLM, llama.cpp or Ollama, so retries, timeouts and what leaves the machine are tested
end to end rather than mocked.

Use the ``llm_server`` fixture (imported into ``tests/conftest.py``)::

    def test_x(llm_server):
        llm_server.reply("```python\\ndef f():\\n    return 1\\n```")
        llm_server.enqueue(status=500, body={"error": {"message": "boom"}})
        settings = Settings(openai_base_url=llm_server.base_url, openai_api_key="not-needed")
        ...
        assert len(llm_server.requests) == 2
        assert "secret" not in llm_server.requests[0].text
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class ScriptedResponse:
    """One queued answer: ``status`` and ``body`` (dict is sent as JSON), sent after ``delay`` s.

    ``body`` may also be a callable taking the :class:`RecordedRequest` and returning the reply
    text, for a "model" that echoes what it was shown (e.g. redaction placeholders).
    """

    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    """What the server received: path, headers, the raw body text and its JSON."""

    path: str
    headers: dict[str, str]
    text: str
    json: Any
    received_at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.json or {}).get("messages", []))

    @property
    def prompt_text(self) -> str:
        """All message contents joined, for assertions on what the model was shown."""
        parts = []
        for message in self.messages:
            content = message.get("content")
            if isinstance(content, list):
                parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
            else:
                parts.append(str(content or ""))
        return "\n".join(parts)


def completion_body(text: str, model: str = "test-model", finish_reason: str = "stop") -> dict[str, Any]:
    """The JSON of a chat completion whose single choice says ``text``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class ScriptedLLMServer:
    """Serves queued responses in order; with the queue empty, answers 500 so a test sees it."""

    def __init__(self) -> None:
        self._queue: deque[ScriptedResponse] = deque()
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.default: ScriptedResponse | None = None
        self.in_flight = 0  # chat requests read and not yet answered (under _lock)
        self.max_in_flight = 0  # the most there ever were at once
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # /v1/models, for clients that probe
                if self.path.rstrip("/").endswith("/models"):
                    self._send(ScriptedResponse(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]}))
                else:
                    self._send(ScriptedResponse(404, {"error": {"message": "not found"}}))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", errors="replace")
                try:
                    parsed = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    parsed = None
                path = self.path.split("?", 1)[0]
                recorded = RecordedRequest(
                    path, {k.lower(): v for k, v in self.headers.items()}, raw, parsed, time.monotonic()
                )
                with server._lock:
                    server.requests.append(recorded)
                    if path in CHAT_PATHS:
                        server.in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    if path not in CHAT_PATHS:
                        response = ScriptedResponse(404, {"error": {"message": f"no route {path}"}})
                    elif server._queue:
                        response = server._queue.popleft()
                    elif server.default is not None:
                        response = server.default
                    else:
                        response = ScriptedResponse(500, {"error": {"message": "scripted server: no reply queued"}})
                try:
                    if response.delay:
                        time.sleep(response.delay)
                    if callable(response.body):
                        response = ScriptedResponse(
                            response.status, completion_body(response.body(recorded)), 0.0, response.headers
                        )
                finally:
                    # Done before the first byte goes out, so a client that has its answer cannot find
                    # this request still counted when it sends the next one.
                    if path in CHAT_PATHS:
                        with server._lock:
                            server.in_flight -= 1
                self._send(response)

            def _send(self, response: ScriptedResponse) -> None:
                body = response.body
                data = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str) else json.dumps(body if body is not None else {}).encode()
                )
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to do

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-llm", daemon=True)

    # --- lifecycle
    def start(self) -> "ScriptedLLMServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What goes into ``openai_base_url`` / ``OPENAI_BASE_URL``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting
    def enqueue(
        self, *, status: int = 200, body: Any = None, delay: float = 0.0, headers: dict[str, str] | None = None
    ) -> None:
        with self._lock:
            self._queue.append(ScriptedResponse(status, body, delay, dict(headers or {})))

    def reply(self, text: str, *, delay: float = 0.0, model: str = "test-model") -> None:
        """Queue a successful completion whose content is ``text``."""
        self.enqueue(body=completion_body(text, model=model), delay=delay)

    def reply_with(self, make_text: Any, *, delay: float = 0.0) -> None:
        """Queue a completion whose text is computed from the request (``make_text(recorded)``)."""
        self.enqueue(body=make_text, delay=delay)

    def error(self, status: int, message: str = "scripted error", *, headers: dict[str, str] | None = None) -> None:
        self.enqueue(status=status, body={"error": {"message": message, "type": "server_error", "code": None}}, headers=headers)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path in CHAT_PATHS]


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    """A running scripted server; stopped after the test."""
    server = ScriptedLLMServer().start()
    try:
        yield server
    finally:
        server.stop()
