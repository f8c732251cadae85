"""A raw OpenAI tool loop whose tool, decorated with `@trace_tool_call`, raises `KeyError`: the loop catches
it and tells the model, which answers.

Two POST /v1/chat/completions on the stub at STUB_URL (key STUB_KEY): the model asks for `lookup_weather`
(Atlantis), the tool looks the city up in its table and raises `KeyError('Atlantis')`, the loop sends
"error: KeyError('Atlantis')" back as the tool's result, and the stub answers with an echo of it. The app
prints what the tool gave the model, then the answer.
"""

from __future__ import annotations

import json
import os

from openai import OpenAI

from namel3ss_debug import trace_tool_call

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}
TOOLS = [{"type": "function", "function": {
    "name": "lookup_weather", "description": "The weather at a city's station.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@trace_tool_call(name="lookup_weather")
def lookup_weather(city: str) -> str:
    return STATIONS[city]


def result_of(call) -> str:
    """What the model is told of a tool call: the tool's result, or the error it raised."""
    try:
        return lookup_weather(**json.loads(call.function.arguments))
    except KeyError as exc:
        return f"error: {exc!r}"


def main() -> None:
    client = OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    messages = [{"role": "user", "content": "What is the weather in Atlantis?"}]
    while True:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
        if not reply.message.tool_calls:
            print(f"answer: {reply.message.content}")
            return
        messages.append(reply.message.model_dump(exclude_none=True))
        for call in reply.message.tool_calls:
            told = result_of(call)
            print(f"the tool gave the model: {told}")
            messages.append({"role": "tool", "tool_call_id": call.id, "content": told})


if __name__ == "__main__":
    main()
