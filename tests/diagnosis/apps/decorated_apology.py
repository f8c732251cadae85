"""Two decorated agents on the openai SDK: `planner` writes a plan naming the city as "Paris, FR"; `weather` passes
that to `get_weather`, which knows "Paris" and raises KeyError('Paris, FR'); the loop hands the error to the model,
which apologises. Kind: apology_after_failure; blame: the planner's LLM call, where "Paris, FR" was written."""

from __future__ import annotations

import json

from openai import OpenAI
from scripted_stub import ScriptedStub, ask, say

from namel3ss_debug import trace_agent_execution, trace_tool_call

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather at a city's station, by the city's name.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
SCRIPT = [say("Plan: look up the weather for the city 'Paris, FR', then answer in one line."),
          ask("get_weather", city="Paris, FR"),
          say("I'm sorry, I couldn't get the weather for Paris, FR right now.")]


@trace_tool_call
def get_weather(city: str) -> str:
    return STATIONS[city]


@trace_agent_execution(name="planner")
def plan(client: OpenAI, question: str) -> str:
    messages = [{"role": "system", "content": "Write a one-line plan."}, {"role": "user", "content": question}]
    return client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content or ""


def told(call) -> str:
    try:
        return get_weather(**json.loads(call.function.arguments))
    except KeyError as exc:
        return f"error: {exc!r}"


@trace_agent_execution(name="weather")
def answer(client: OpenAI, plan_text: str) -> str:
    messages = [{"role": "user", "content": plan_text}]
    while True:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
        if not reply.message.tool_calls:
            return reply.message.content or ""
        messages.append(reply.message.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": call.id, "content": told(call)}
                     for call in reply.message.tool_calls]


def main() -> None:
    with ScriptedStub(SCRIPT) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        print(answer(client, plan(client, "What's the weather in Paris, France?")))


if __name__ == "__main__":
    main()
