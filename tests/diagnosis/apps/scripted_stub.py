"""An OpenAI Chat Completions stand-in on 127.0.0.1 that answers from a script, for the diagnosis corpus's apps.

    with ScriptedStub([ask("lookup_weather", city="Atlantis"), say("No station there.")]) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)

`examples/llm_stub_server.py` asks each offered tool once and then echoes; a failure mode needs a model that
misbehaves on cue (asks for the same tool again and again, for a tool nobody offered, with arguments that do not
fit, runs into a limit), so each app starts one of these in its own process (as `examples/openai_app.py` starts
its stub) with the turns it needs: on a server of its own, not the tests' kit (tests/support/stubs.py), as the
app runs as a user's script under `namel3ss-debug trace`, with nothing of tests/ on its path. Requests are answered
in the order they arrive, one turn each; past the script's end the last turn is answered again. A turn is a dict:

- `ask(name, **arguments)` / `asks((name, arguments), ...)`: tool calls, ids `call_<request>_<index>`;
  `ask_raw(name, text)` sends `text` as the arguments, as written (JSON or not);
- `say(text)`: the answer;
- `fail(status, code, message)`: an API error (429 rate limit, 400 context_length_exceeded, ...);
- any of them with `prompt_tokens=N` (else the request's words / 0.75): the usage the answer reports.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = dict[str, Any]
KEY = "sk-stub-diagnosis"


def ask(name: str, prompt_tokens: int | None = None, **arguments: Any) -> Turn:
    return {"calls": [(name, json.dumps(arguments))], "prompt_tokens": prompt_tokens}


def asks(*calls: tuple[str, dict[str, Any]], prompt_tokens: int | None = None) -> Turn:
    return {"calls": [(name, json.dumps(arguments)) for name, arguments in calls], "prompt_tokens": prompt_tokens}


def ask_raw(name: str, text: str) -> Turn:
    return {"calls": [(name, text)], "prompt_tokens": None}


def say(text: str, prompt_tokens: int | None = None) -> Turn:
    return {"text": text, "prompt_tokens": prompt_tokens}


def fail(status: int, code: str, message: str) -> Turn:
    return {"error": (status, code, message)}


class ScriptedStub:
    """The server, answering `turns` in order from a thread of the app's process; a context manager."""

    def __init__(self, turns: list[Turn]):
        self.turns = turns
        self.key = KEY
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedStub:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_turn(self, request: dict[str, Any]) -> tuple[int, Turn]:
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        return number, self.turns[min(number, len(self.turns)) - 1]


def reply(number: int, turn: Turn, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """(status, body) of the answer to request `number`."""
    if "error" in turn:
        status, code, message = turn["error"]
        return status, {"error": {"message": message, "type": code, "param": None, "code": code}}
    message: dict[str, Any] = {"role": "assistant", "content": turn.get("text")}
    if "calls" in turn:
        message["tool_calls"] = [{"id": f"call_{number}_{index}", "type": "function",
                                  "function": {"name": name, "arguments": arguments}}
                                 for index, (name, arguments) in enumerate(turn["calls"])]
    words = len(json.dumps(request.get("messages") or []).split())
    prompt = turn.get("prompt_tokens") or -(-words * 4 // 3)
    completion = 12 if "calls" in turn else -(-len((turn.get("text") or "").split()) * 4 // 3)
    return 200, {"id": f"chatcmpl-script{number}", "object": "chat.completion", "created": 1_790_000_000 + number,
                 "model": request.get("model") or "gpt-4o-mini",
                 "choices": [{"index": 0, "message": message, "logprobs": None,
                              "finish_reason": "tool_calls" if "calls" in turn else "stop"}],
                 "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                           "total_tokens": prompt + completion}}


def _handler(stub: ScriptedStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            status, body = reply(*stub.next_turn(request), request)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("retry-after-ms", "0")
            self.end_headers()
            self.wfile.write(data)

    return Handler
