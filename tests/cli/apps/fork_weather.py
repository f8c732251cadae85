"""A weather agent on the raw openai SDK, for the fork tests: the model may ask for `get_weather` (a traced
tool, so a rerun answers it), then answers; `--stream` streams the model's calls, `--responses` uses the
Responses API instead of chat completions, `--anthropic` the anthropic SDK's messages. It prints the answer,
then `tool runs: CITY,...` (the tool bodies that really ran).

    python fork_weather.py --base-url http://127.0.0.1:PORT/v1 [--stream] [--responses | --anthropic]
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from namel3ss_debug import trace_tool_call

if TYPE_CHECKING:  # a run imports the one SDK it talks through: importing both costs a second a run
    import openai

RAN: list[str] = []
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city today.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
FORECASTS = {"paris": "light rain, 14 C", "lisbon": "sunny, 24 C", "oslo": "snow, -3 C"}


@trace_tool_call
def get_weather(city: str) -> str:
    RAN.append(city)
    return FORECASTS.get(city.lower().strip("?. "), "clear, 18 C")


def chat_turn(client: openai.OpenAI, messages: list, stream: bool) -> tuple[str, list]:
    """The model's text and tool calls [(id, name, arguments)]."""
    if not stream:
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0].message
        calls = [(c.id, c.function.name, c.function.arguments) for c in message.tool_calls or []]
        return message.content or "", calls
    text, calls = "", {}
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, stream=True):
        delta = chunk.choices[0].delta if chunk.choices else None
        text += (delta.content or "") if delta else ""
        for part in (delta.tool_calls or []) if delta else []:
            got = calls.setdefault(part.index, ["", "", ""])
            got[0] += part.id or ""
            got[1] += (part.function.name or "") if part.function else ""
            got[2] += (part.function.arguments or "") if part.function else ""
    return text, [tuple(call) for call in calls.values()]


def chat(client: openai.OpenAI, question: str, stream: bool) -> str:
    messages: list = [{"role": "user", "content": question}]
    for _ in range(4):
        text, calls = chat_turn(client, messages, stream)
        if not calls:
            return text
        messages.append({"role": "assistant", "content": None, "tool_calls": [
            {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}
            for id_, name, arguments in calls]})
        for id_, _, arguments in calls:
            messages.append({"role": "tool", "tool_call_id": id_, "content": get_weather(**json.loads(arguments))})
    return text


def responses(client: openai.OpenAI, question: str, stream: bool) -> str:
    tools = [{"type": "function", **TOOLS[0]["function"]}]
    items: list = [{"role": "user", "content": question}]
    for _ in range(4):
        if stream:
            with client.responses.stream(model="gpt-4o-mini", input=items, tools=tools) as events:
                reply = events.get_final_response()
        else:
            reply = client.responses.create(model="gpt-4o-mini", input=items, tools=tools)
        calls = [item for item in reply.output if item.type == "function_call"]
        if not calls:
            return reply.output_text
        for call in calls:
            items.append({"type": "function_call", "call_id": call.call_id, "name": call.name,
                          "arguments": call.arguments})
            items.append({"type": "function_call_output", "call_id": call.call_id,
                          "output": get_weather(**json.loads(call.arguments))})
    return ""


def messages(base_url: str, question: str, stream: bool) -> str:
    import anthropic  # noqa: PLC0415 - the one SDK this run talks through

    client = anthropic.Anthropic(base_url=base_url, api_key="sk-test", max_retries=0)
    tools = [{"name": "get_weather", "description": "The weather in a city today.",
              "input_schema": TOOLS[0]["function"]["parameters"]}]
    said: list = [{"role": "user", "content": question}]
    for _ in range(4):
        asked = {"model": "claude-haiku-4-5", "max_tokens": 256, "messages": said, "tools": tools}
        if stream:
            with client.messages.stream(**asked) as events:
                reply = events.get_final_message()
        else:
            reply = client.messages.create(**asked)
        uses = [block for block in reply.content if block.type == "tool_use"]
        if not uses:
            return "".join(block.text for block in reply.content if block.type == "text")
        said.append({"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in reply.content]})
        said.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                                  "content": get_weather(**use.input)} for use in uses]})
    return ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--question", default="What is the weather in Paris?")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--responses", action="store_true")
    parser.add_argument("--anthropic", action="store_true")
    args = parser.parse_args()
    if args.anthropic:
        print(messages(args.base_url.removesuffix("/v1"), args.question, args.stream))
    else:
        import openai  # noqa: PLC0415 - the one SDK this run talks through

        client = openai.OpenAI(base_url=args.base_url, api_key="sk-test", max_retries=0)
        print((responses if args.responses else chat)(client, args.question, args.stream))
    print("tool runs:", ",".join(RAN) or "none")


if __name__ == "__main__":
    main()
