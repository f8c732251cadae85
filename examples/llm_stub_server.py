"""A small stand-in for LLM HTTP APIs on 127.0.0.1, for offline examples and tests.

    with StubServer() as server:
        client = openai.OpenAI(base_url=server.openai_url, api_key="sk-test")

It answers, streamed (server-sent events) or not, in the wire format each SDK parses:
OpenAI `POST /v1/chat/completions`, `/v1/responses`, `/v1/completions` and `/v1/embeddings`;
Anthropic `POST /v1/messages` (`?beta=true` too); Google Gemini
`POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse` (`/v1/` too, as
google-genai posts with a custom base URL); Ollama `POST /api/chat` and `/api/generate` (newline-
delimited JSON unless `"stream": false`). The bodies are built in llm_stub_apis.py, next to this file.

The reply is deterministic: with tools offered and no tool result in the conversation yet, it asks for
the first tool with `{"city": <last word of the question>}`; otherwise it says `Echo: <last user text>`
(a tool result is quoted). `StubServer(fresh=True)` ends every text with ` [nonce <8 hex digits>]`, new
for each request (tool calls stay the same), so a test can tell a recorded answer from a new one.
`StubServer(wrong=decide)` plants mistakes: a request whose JSON body `decide(body)` says yes to is
answered with its text ending ` [nonce wrong]`. Some model names misbehave on purpose: `rate-limited`
gets a 429, `overloaded` a 529 (Anthropic) or 503, `slow` waits two seconds. A request without the
expected key (`api_key`, when one is given: `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or
`?key=`) gets a 401.

What the server saw, one entry per request, in the order they arrived (the lists run in parallel):
`server.hits` holds (method, path with query), `server.requests` the JSON bodies (`{}` for none),
`server.seen_keys` the keys the clients sent (so a test can look for them in a trace), and
`server.answers` what was answered: a dict with `api`, `status`, `stream`, `model`, `text`,
`tool_call`, `input_tokens`, `output_tokens` (and `error` for an error), filled in once answered.
"""

from __future__ import annotations

import importlib.util
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


def _sibling(name: str) -> Any:
    """The module `name` next to this file, imported by path: the tests load this file by path, so
    the examples folder need not be on sys.path."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before running it, as `import` does: its dataclasses look themselves up
        spec.loader.exec_module(module)
    return sys.modules[name]


apis = _sibling("llm_stub_apis")


class _Server(ThreadingHTTPServer):
    """A client that hangs up (a process that ends with a connection open) is no error of the stub's: no traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class StubServer:
    """The stub, served from a thread; a context manager that stops it on exit."""

    def __init__(self, api_key: str | None = None, port: int = 0, fresh: bool = False,
                 wrong: Callable[[dict[str, Any]], bool] | None = None):
        self.api_key = api_key
        self.fresh = fresh
        self.wrong = wrong
        self.hits: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.seen_keys: list[str] = []
        self.answers: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # the four lists grow together, whatever threads answer
        self._server = _Server(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="llm-stub", daemon=True)  # stop() waits for a poll at most

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def record(self, method: str, path: str, request: dict[str, Any], key: str) -> dict[str, Any]:
        """Note a request; returns its entry in `answers`, empty until it is answered."""
        answer: dict[str, Any] = {}
        with self._lock:
            self.hits.append((method, path))
            self.requests.append(request)
            self.seen_keys.append(key)
            self.answers.append(answer)
        return answer


def _key(headers: Any, query: dict[str, list[str]]) -> str:
    """The key a client sent, in whichever place its API puts it."""
    bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
    return headers.get("x-api-key") or headers.get("x-goog-api-key") or bearer or (query.get("key") or [""])[0]


def _refusal(server: StubServer, route: Any, request: Any, key: str) -> tuple[int, str, str] | None:
    """(status, error type, message) of a request the stub refuses, checked in the order the APIs do."""
    if not isinstance(request, dict):
        return 400, "invalid_request_error", "body is not JSON"
    if route is None:
        return 404, "not_found_error", "no route"
    if server.api_key is not None and key != server.api_key:
        return 401, "authentication_error", route.api.unauthorized
    model = route.model or request.get("model")
    if model == "rate-limited":
        return 429, "rate_limit_error", "Rate limit reached, slow down"
    if model == "overloaded":
        return route.api.overloaded, "overloaded_error", "Overloaded"
    return None


# -- HTTP -------------------------------------------------------------------------------------------
def _handler(server: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: without it each answer waits ~40 ms

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the example's output is its own

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            answer = server.record("GET", self.path, {}, _key(self.headers, parse_qs(url.query)))
            self._error(answer, None, 404, "not_found_error", f"no route GET {url.path}")

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            try:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            except ValueError:
                request = None
            key = _key(self.headers, query)
            answer = server.record("POST", self.path, request if isinstance(request, dict) else {}, key)
            route = apis.route(url.path)
            refusal = _refusal(server, route, request, key)
            if refusal is not None:
                status, kind, message = refusal
                return self._error(answer, route, status, kind, f"{message} {url.path}" if status == 404 else message)
            model = route.model or request.get("model") or "stub"
            if model == "slow":
                time.sleep(2)
            nonce = secrets.token_hex(4) if server.fresh else ""
            if server.wrong is not None and server.wrong(request):
                nonce = "wrong"
            reply = route.api.build(request, model, nonce)
            stream = route.streams(request)
            answer.update(api=route.api.name, status=200, stream=stream, model=model, **reply.said)
            if not stream:
                self._send(200, "application/json", json.dumps(reply.body).encode())
            elif route.streamed and query.get("alt") != ["sse"]:  # Gemini's stream, without SSE: a JSON array
                self._send(200, "application/json", json.dumps(reply.chunks).encode())
            else:
                self._send(200, "application/x-ndjson" if reply.framing == "ndjson" else "text/event-stream",
                           _framed(reply.chunks, reply.framing))

        def _error(self, answer: dict[str, Any], route: Any, status: int, kind: str, message: str) -> None:
            answer.update(api=route.api.name if route else None, status=status, stream=False, model=None,
                          text=None, tool_call=None, input_tokens=None, output_tokens=None, error=message)
            body = (route.api.error if route else apis.openai_error)(status, kind, message)
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _framed(chunks: list[dict[str, Any]], framing: str) -> bytes:
    """The chunks as the API writes them on the wire (see `llm_stub_apis.Reply`)."""
    if framing == "ndjson":
        return "".join(json.dumps(chunk) + "\n" for chunk in chunks).encode()
    named = framing == "sse-named"
    lines = [(f"event: {chunk['type']}\n" if named else "") + f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    if framing == "sse+done":
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()
