"""The model the shell agent talks to (apps/shell_agent.py): an OpenAI Chat Completions stand-in on 127.0.0.1.

    with ShellStub() as stub:   # stub.url: the OPENAI_BASE_URL to give the app
    with ShellStub("fetch", {"url": "{base}/exfil"}) as stub:   # {base}: the stub's own http://127.0.0.1:PORT
        stub.gets  # the paths of the GET requests it was sent (a tool's fetch)

A request with no tool result yet is answered with one call, by default `shell({"cmd": "echo hello"})`; once a
result is in, the answer repeats it. The answer depends only on the request, so a recording and a rerun agree.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-stub-shell"


def answer(request: dict[str, Any], tool: str, arguments: dict[str, str]) -> dict[str, Any]:
    messages = request.get("messages") or []
    results = [str(m.get("content")) for m in messages if m.get("role") == "tool"]
    if not results:
        return {"role": "assistant", "content": None, "tool_calls": [{"id": "call_0", "type": "function", "function": {
            "name": tool, "arguments": json.dumps(arguments)}}]}
    return {"role": "assistant", "content": f"the tool said: {results[-1]}"}


class ShellStub:
    """The server on 127.0.0.1 (a free port), answering from a thread; a context manager."""

    def __init__(self, tool: str = "shell", arguments: dict[str, str] | None = None) -> None:
        self.key = KEY
        self.gets: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, tool, arguments or {"cmd": "echo hello"}))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ShellStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(stub: ShellStub, tool: str, arguments: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.gets.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            base = stub.url.removesuffix("/v1")
            said = answer(request, tool, {key: value.replace("{base}", base) for key, value in arguments.items()})
            body = json.dumps({"id": "chatcmpl-shell", "object": "chat.completion", "created": 1,
                               "model": "gpt-4o-mini", "choices": [{"index": 0, "message": said,
                                                                    "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
