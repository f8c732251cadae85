"""The model the trip agent talks to (apps/trip_agent.py): an OpenAI Chat Completions stand-in on 127.0.0.1 whose
answer depends only on the request, so a recording, a rerun and a live call after a fix agree.

    with TripStub() as stub:   # stub.url: the OPENAI_BASE_URL to give the app; stub.key its key

A question ("What is the weather in Paris, FR, and what is 100 USD in EUR?") with no tool result yet is answered
with two tool calls: `get_weather(city)` and `get_exchange_rate(currency)`. Once the results are in, the answer
apologises when a result reads as a failure (it names an error or "no data"), and otherwise gives both.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-stub-trip"
QUESTION = re.compile(r"weather in (?P<city>.+?), and what is 100 USD in (?P<currency>\w+)\?")


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """The assistant message for a request's messages."""
    messages = request.get("messages") or []
    asked = next((m for m in messages if m.get("role") == "user"), {}).get("content") or ""
    found = QUESTION.search(asked)
    city, currency = (found["city"], found["currency"]) if found else ("Paris", "EUR")
    results = [str(m.get("content")) for m in messages if m.get("role") == "tool"]
    if not results:
        calls = [("get_weather", {"city": city}), ("get_exchange_rate", {"currency": currency})]
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{index}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
            for index, (name, args) in enumerate(calls)]}
    if any("error" in result.lower() or "no data" in result.lower() for result in results):
        return {"role": "assistant", "content": f"I'm sorry, I couldn't get the weather for {city} right now."}
    return {"role": "assistant", "content": f"In {city}: {results[0]}. {results[1]}, so 100 USD buys "
                                            f"{100 * float(results[1].split()[3]):.0f} {currency}."}


class TripStub:
    """The server on 127.0.0.1 (a free port), answering from a thread; a context manager."""

    def __init__(self) -> None:
        self.key = KEY
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> TripStub:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(stub: TripStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            stub.requests.append(request)
            message = answer(request)
            words = len(json.dumps(request.get("messages") or []).split())
            body = json.dumps({
                "id": f"chatcmpl-trip{len(stub.requests)}", "object": "chat.completion", "created": 1_790_000_000,
                "model": request.get("model") or "gpt-4o-mini",
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
                "usage": {"prompt_tokens": words, "completion_tokens": 20, "total_tokens": words + 20}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


if __name__ == "__main__":  # serve until killed, printing the URL: for trying the app by hand
    with TripStub() as served:
        print(served.url, flush=True)
        threading.Event().wait()
