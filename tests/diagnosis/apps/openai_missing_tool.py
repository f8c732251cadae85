"""A raw openai loop whose app has one tool, `get_weather`, and offers the model no `tools` list (its prompt names
them); the model asks four times for `web_search`, which the app does not have, and the app answers each call
"error: no tool named web_search"; the model then gives up. Kind: missing_tool, at the first ask
(`llm:openai.chat#1`) and the app's first answer (`tool:web_search#1`)."""

from __future__ import annotations

import json

from openai import OpenAI
from scripted_stub import ScriptedStub, Turn, ask, say

from namel3ss_debug import trace_agent_execution, trace_tool_call

PROMPT = "You are an assistant. Ask for get_weather(city) when you need the weather."
SCRIPT: list[Turn] = [*(ask("web_search", query=f"news today, part {part}") for part in range(1, 5)),
                      say("Sorry, I could not search the web for today's news.")]


@trace_tool_call
def get_weather(city: str) -> str:
    return json.dumps({"city": city, "sky": "sunny"})


RUN = {"get_weather": get_weather}


def answer(name: str, arguments: str) -> str:
    tool = RUN.get(name)
    return tool(**json.loads(arguments)) if tool is not None else f"error: no tool named {name}"


@trace_agent_execution(name="assistant")
def assistant(client: OpenAI, said: str) -> str:
    """The model's answers, its calls answered, until it answers with no tool call."""
    messages = [{"role": "system", "content": PROMPT}, {"role": "user", "content": said}]
    while True:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0]
        messages.append(reply.message.model_dump(exclude_none=True))
        if not reply.message.tool_calls:
            return reply.message.content or ""
        messages += [{"role": "tool", "tool_call_id": call.id,
                      "content": answer(call.function.name, call.function.arguments)}
                     for call in reply.message.tool_calls]


def main() -> None:
    with ScriptedStub(SCRIPT) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        print(assistant(client, "What is in the news today?"))


if __name__ == "__main__":
    main()
