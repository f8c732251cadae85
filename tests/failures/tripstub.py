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
from typing import Any

from support.stubs import LoopbackServer, Reply, Request, chat_completion, json_reply

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


class TripStub(LoopbackServer):
    """The server on 127.0.0.1 (a free port), answering from a thread; a context manager."""

    def __init__(self) -> None:
        super().__init__({"POST *": self._reply}, name="trip-stub", base="/v1")
        self.key = KEY

    def _reply(self, request: Request) -> Reply:
        asked = request.json()
        message = answer(asked)
        words = len(json.dumps(asked.get("messages") or []).split())
        return json_reply(chat_completion(
            message, usage=(words, 20), model=asked.get("model") or "gpt-4o-mini",
            id=f"chatcmpl-trip{len(self.requests)}", created=1_790_000_000, logprobs=True,
            finish_reason="tool_calls" if message.get("tool_calls") else "stop"))


if __name__ == "__main__":  # `python -m failures.tripstub` in tests/: serve until killed, printing the URL
    with TripStub() as served:
        print(served.url, flush=True)
        threading.Event().wait()
