"""A raw tool loop on the anthropic SDK: `tool_use` blocks run by the app, their results sent back as
`tool_result` blocks. Three requests."""

from __future__ import annotations

import anthropic
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, run_tool, settings

url, key = settings()
client = anthropic.Anthropic(base_url=url, api_key=key)
tools = [{"name": name, "description": text, "input_schema": PARAMETERS} for name, text in DESCRIPTIONS.items()]
messages: list = [{"role": "user", "content": QUESTION}]
while True:
    message = client.messages.create(model="claude-haiku-4-5", max_tokens=256, messages=messages, tools=tools)
    calls = [block for block in message.content if block.type == "tool_use"]
    if not calls:
        print("".join(block.text for block in message.content if block.type == "text"))
        break
    messages.append({"role": "assistant",
                     "content": [block.model_dump(exclude_none=True) for block in message.content]})
    messages.append({"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": call.id, "content": run_tool(call.name, call.input)} for call in calls]})
