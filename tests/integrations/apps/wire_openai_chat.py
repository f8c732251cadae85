"""A raw tool loop on the openai SDK's Chat Completions: the app runs the tools the model asks for and sends
their results back, until the model answers. `STREAM=1` streams every answer. Three requests."""

from __future__ import annotations

import os

import openai
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, run_tool, settings

url, key = settings()
client = openai.OpenAI(base_url=f"{url}/v1", api_key=key)
tools = [{"type": "function", "function": {"name": name, "description": text, "parameters": PARAMETERS}}
         for name, text in DESCRIPTIONS.items()]
messages: list[dict] = [{"role": "user", "content": QUESTION}]
streamed = os.environ.get("STREAM") == "1"


def answer() -> tuple[str | None, list[dict]]:
    """The model's text and tool calls (`id`, `name`, `arguments`), streamed or not."""
    if not streamed:
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools).choices[0].message
        return message.content, [{"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
                                 for c in message.tool_calls or []]
    text, calls = "", {}
    for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools, stream=True):
        delta = chunk.choices[0].delta if chunk.choices else None
        text += (delta.content or "") if delta else ""
        for piece in (delta.tool_calls or []) if delta else []:
            call = calls.setdefault(piece.index, {"id": None, "name": None, "arguments": ""})
            call["id"] = call["id"] or piece.id
            call["name"] = call["name"] or (piece.function.name if piece.function else None)
            call["arguments"] += (piece.function.arguments or "") if piece.function else ""
    return text or None, list(calls.values())


while True:
    text, calls = answer()
    if not calls:
        print(text)
        break
    messages.append({"role": "assistant", "content": text, "tool_calls": [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
        for c in calls]})
    messages.extend({"role": "tool", "tool_call_id": c["id"], "content": run_tool(c["name"], c["arguments"])}
                    for c in calls)
