"""A small stand-in for the OpenAI and Anthropic HTTP APIs on 127.0.0.1, for offline examples and tests.

    with StubServer() as server:
        client = openai.OpenAI(base_url=server.openai_url, api_key="sk-test")

It answers `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic), streamed
(server-sent events) or not. The reply is deterministic: with tools offered and no tool result in
the conversation yet, it asks for the first tool with `{"city": <last word of the question>}`;
otherwise it says `Echo: <last user text>` (a tool result is quoted). Some model names misbehave
on purpose: `rate-limited` gets a 429, `overloaded` a 529 (Anthropic) or 503, `slow` waits two
seconds. A request without the expected key (`api_key`, when one is given) gets a 401.
`server.seen_keys` holds the keys the clients sent, so a test can look for them in a trace.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StubServer:
    """The stub, served from a thread; a context manager that stops it on exit."""

    def __init__(self, api_key: str | None = None, port: int = 0):
        self.api_key = api_key
        self.seen_keys: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
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


# -- the conversation's answer ---------------------------------------------------------------------
def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [part.get("text") or part.get("content") or "" for part in content if isinstance(part, dict)]
        return " ".join(_text_of(part) for part in parts)
    return ""


def _reply(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
    """The reply text, or a tool call `{"name", "arguments"}` when a tool should be asked for first."""
    tool_results = [m for m in messages if m.get("role") == "tool" or _is_anthropic_tool_result(m)]
    user = [m for m in messages if m.get("role") == "user" and not _is_anthropic_tool_result(m)]
    question = _text_of(user[-1].get("content")) if user else ""
    if tools and not tool_results:
        name = tools[0].get("name") or (tools[0].get("function") or {}).get("name") or "tool"
        words = question.rstrip("?!. ").split()
        return "", {"name": name, "arguments": {"city": words[-1] if words else ""}}
    if tool_results:
        return f"Echo: {question} (tool said: {_text_of(tool_results[-1].get('content'))})", None
    return f"Echo: {question}", None


def _is_anthropic_tool_result(message: dict[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [word + (" " if i < len(words) - 1 else "") for i, word in enumerate(words)]


def _usage(messages: list[dict[str, Any]], text: str) -> tuple[int, int]:
    prompt = sum(len(_text_of(m.get("content")).split()) for m in messages) + 3
    return prompt, max(1, len(text.split()))


# -- OpenAI -------------------------------------------------------------------------------------------
def _openai_body(request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The completion, and the chunks of the same completion streamed."""
    text, tool = _reply(request.get("messages") or [], request.get("tools") or [])
    model = request.get("model") or "stub"
    prompt, completion = _usage(request.get("messages") or [], text or "tool")
    base = {"id": "chatcmpl-stub1", "created": 1700000000, "model": model, "system_fingerprint": "fp_stub"}
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    finish = "stop"
    if tool is not None:
        message["tool_calls"] = [{"id": "call_stub1", "type": "function",
                                  "function": {"name": tool["name"], "arguments": json.dumps(tool["arguments"])}}]
        finish = "tool_calls"
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    body = {**base, "object": "chat.completion", "usage": usage,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]}
    chunks = [{**base, "object": "chat.completion.chunk",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    for word in _words(text) if text else []:
        chunks.append({**base, "object": "chat.completion.chunk",
                       "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
    if tool is not None:
        call = message["tool_calls"][0]
        chunks.append({**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": None,
                       "delta": {"tool_calls": [{"index": 0, **call}]}}]})
    chunks.append({**base, "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if (request.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
    return body, chunks


# -- Anthropic ----------------------------------------------------------------------------------------
def _anthropic_body(request: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    text, tool = _reply(request.get("messages") or [], request.get("tools") or [])
    model = request.get("model") or "stub"
    prompt, completion = _usage(request.get("messages") or [], text or "tool")
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if tool is not None:
        content.append({"type": "tool_use", "id": "toolu_stub1", "name": tool["name"], "input": tool["arguments"]})
    stop = "tool_use" if tool is not None else "end_turn"
    body = {"id": "msg_stub1", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": completion}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": {
        **body, "content": [], "stop_reason": None, "usage": {"input_tokens": prompt, "output_tokens": 1}}}]
    for index, block in enumerate(content):
        if block["type"] == "text":
            events.append({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})
            events.extend({"type": "content_block_delta", "index": index,
                           "delta": {"type": "text_delta", "text": word}} for word in _words(text))
        else:
            events.append({"type": "content_block_start", "index": index,
                           "content_block": {**block, "input": {}}})
            events.append({"type": "content_block_delta", "index": index,
                           "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}})
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                   "usage": {"output_tokens": completion}})
    events.append({"type": "message_stop"})
    return body, events


# -- HTTP -------------------------------------------------------------------------------------------
def _handler(server: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: without it each answer waits ~40 ms

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: the example's output is its own

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            try:
                request = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            server.requests.append(request)
            key = self.headers.get("x-api-key") or (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            server.seen_keys.append(key)
            anthropic = self.path.rstrip("/").endswith("/messages")
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/v1/messages"):
                return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found_error"}})
            if server.api_key is not None and key != server.api_key:
                return self._error(401, "authentication_error", "invalid x-api-key" if anthropic
                                   else "Incorrect API key provided", anthropic)
            model = request.get("model")
            if model == "rate-limited":
                return self._error(429, "rate_limit_error", "Rate limit reached, slow down", anthropic)
            if model == "overloaded":
                return self._error(529 if anthropic else 503, "overloaded_error", "Overloaded", anthropic)
            if model == "slow":
                time.sleep(2)
            body, chunks = (_anthropic_body if anthropic else _openai_body)(request)
            if request.get("stream"):
                return self._stream(chunks, anthropic)
            return self._json(200, body)

        def _error(self, status: int, kind: str, message: str, anthropic: bool) -> None:
            if anthropic:
                return self._json(status, {"type": "error", "error": {"type": kind, "message": message}})
            return self._json(status, {"error": {"message": message, "type": kind, "code": kind}})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, chunks: list[dict[str, Any]], anthropic: bool) -> None:
            lines = []
            for chunk in chunks:
                if anthropic:
                    lines.append(f"event: {chunk['type']}\ndata: {json.dumps(chunk)}\n\n")
                else:
                    lines.append(f"data: {json.dumps(chunk)}\n\n")
            if not anthropic:
                lines.append("data: [DONE]\n\n")
            data = "".join(lines).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
