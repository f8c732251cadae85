"""An agent whose tool fails the same way again and again while the model keeps asking for it.

`get_weather` raises KeyError on "Paris, FR" (the message holds a `<script>` element and an `<img onerror>`, which
the report page must show as text); the agent hands each error to the model as the tool's result, as frameworks
do, the model asks again, and after the fourth failure it apologises and the app raises: the run fails.

With GATE_FILE and STOP_FILE set, the app waits (up to 120 s each) for GATE_FILE after the tool's first failure,
and for STOP_FILE once the agent has answered, before the run ends: a `view --follow` test sees the run being
written before the tool has failed often enough for a finding, then the finding appear while the run goes on.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call

CITY = "Paris, FR"
MARKUP = "<script>document.body.dataset.injected='1'</script><img src=x onerror=\"document.title='pwned'\">"
STATIONS = {"Paris": "light rain, 14 C"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
FAILURES = 4
APOLOGY = "I'm sorry, I could not get the weather for Paris."


@trace_tool_call(name="get_weather")
def get_weather(city: str) -> str:
    if city not in STATIONS:
        raise KeyError(f"{city} {MARKUP}")
    return STATIONS[city]


@trace_llm_call(name="chat", model="gpt-4o-mini")
def chat(messages: list[dict], tools: list[dict]) -> dict:
    """The model: asks for get_weather("Paris, FR") until it has seen FAILURES errors, then apologises."""
    failed = sum(1 for message in messages if message["role"] == "tool")
    if failed >= FAILURES:
        return {"text": APOLOGY, "tool_calls": [], "finish_reason": "stop"}
    call = {"id": f"call_{failed + 1}", "name": "get_weather", "arguments": json.dumps({"city": CITY})}
    return {"text": None, "tool_calls": [call], "finish_reason": "tool_calls"}


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 120
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@trace_agent_execution(name="weather_agent")
def weather_agent(question: str) -> str:
    gate = os.environ.get("GATE_FILE")
    messages: list[dict] = [{"role": "user", "content": question}]
    while True:
        answer = chat(messages, TOOLS)
        if not answer["tool_calls"]:
            return answer["text"]
        messages.append({"role": "assistant", "tool_calls": answer["tool_calls"]})
        for call in answer["tool_calls"]:
            try:
                result = get_weather(**json.loads(call["arguments"]))
            except KeyError as error:  # handed to the model as the tool's result
                result = f"error: KeyError {error}"
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
        if gate and len(messages) == 3:
            wait_for(Path(gate))


if __name__ == "__main__":
    said = weather_agent("What is the weather in Paris, FR?")
    if os.environ.get("STOP_FILE"):
        wait_for(Path(os.environ["STOP_FILE"]))
    raise SystemExit(f"the agent gave up: {said}")
