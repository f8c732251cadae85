"""A stand-in for an OpenAI chat completions server that answers as a DSPy `ReAct` agent's model does: in
DSPy's chat format (`[[ ## field ## ]]` sections), naming its tools in the text of its answers.

The shared stub (examples/llm_stub_server.py) asks for tools only as API `tool_calls` and otherwise says
`Echo: ...`, which a `ReAct` cannot parse. This one is scripted, on 127.0.0.1 (a free port):
a request whose output fields include `next_tool_name` (a ReAct step) names `get_weather`, then
`get_time` (one more for each observation the trajectory holds), with `{"city": <last word of the
question>}`, then `finish` with `{}`; any other request (the extraction after `finish`) answers
`<city>: <first observation>, <second observation>`. The same question and trajectory give the same
answer, run after run.

What it saw, as the shared stub keeps it (the lists run in parallel): `hits` (method, path), `requests`
(the JSON bodies), `answers` (`api`, `status`, `text`). A request without the key gets a 401.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from support.stubs import LoopbackServer, Reply, Request, json_reply

TOOLS = ("get_weather", "get_time")
CREATED = 1700000000
FIELD = r"\[\[ ## {name} ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond |\Z)"


def section(text: str, name: str) -> str:
    """The value of the `[[ ## name ## ]]` section of a DSPy message ('' when it has none)."""
    found = re.search(FIELD.format(name=re.escape(name)), text, re.S)
    return found.group(1).strip() if found else ""


def observations(text: str) -> list[str]:
    """The observations of the trajectory a message holds, in order."""
    return [value.strip() for value in re.findall(FIELD.format(name=r"observation_\d+"), text, re.S)]


def formatted(fields: dict[str, str]) -> str:
    """An answer in DSPy's chat format: each output field's section, then `[[ ## completed ## ]]`."""
    return "".join(f"[[ ## {name} ## ]]\n{value}\n\n" for name, value in fields.items()) + "[[ ## completed ## ]]"


def reply(messages: list[dict[str, Any]]) -> str:
    """The scripted answer to a conversation (a system message, then the user's)."""
    system = str(messages[0].get("content") or "") if messages else ""
    user = str(messages[-1].get("content") or "") if messages else ""
    words = section(user, "question").rstrip("?!. ").split()
    city = words[-1] if words else ""
    seen = observations(user)
    if "`next_tool_name`" in system:
        step = len(seen)
        tool = TOOLS[step] if step < len(TOOLS) else "finish"
        arguments = {"city": city} if tool != "finish" else {}
        thought = f"I should call {tool}." if tool != "finish" else "I know enough."
        return formatted({"next_thought": thought, "next_tool_name": tool, "next_tool_args": json.dumps(arguments)})
    return formatted({"reasoning": "The tools said so.", "answer": f"{city}: {', '.join(seen[:len(TOOLS)])}"})


def completion(text: str, model: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content") or "").split()) for m in messages)
    output = len(text.split())
    return {"id": "chatcmpl-dspy1", "object": "chat.completion", "created": CREATED, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop",
                         "logprobs": None}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output}}


class DspyStub:
    """The stub, served from a thread until `stop()`."""

    def __init__(self, api_key: str):
        self.api_key = api_key
        self.hits: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer({"POST *": self._reply}, name="dspy-stub")

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> DspyStub:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def _reply(self, request: Request) -> Reply:
        try:
            asked = request.json()
        except ValueError:
            asked = {}
        key = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        status, body = self.answer(request.path, asked if isinstance(asked, dict) else {}, key)
        return json_reply(body, status)

    def answer(self, path: str, request: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        """(status, body) for a request, noted in the lists."""
        if key != self.api_key:
            status, body = 401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
            said: dict[str, Any] = {"api": "openai.chat", "status": status, "text": None}
        elif path != "/v1/chat/completions" or request.get("stream"):
            status, body = 404, {"error": {"message": f"no route {path}", "type": "not_found_error"}}
            said = {"api": None, "status": status, "text": None}
        else:
            messages = request.get("messages") or []
            text = reply(messages)
            status, body = 200, completion(text, str(request.get("model") or "stub"), messages)
            said = {"api": "openai.chat", "status": status, "text": text}
        with self._lock:
            self.hits.append(("POST", path))
            self.requests.append(request)
            self.answers.append(said)
        return status, body
