"""A raw tool loop on litellm's `completion`, routed to an OpenAI-compatible server: litellm's tool calls run
by the app, their results sent back as `tool` messages. Three requests. litellm fetches its model cost map from
GitHub when imported: `LITELLM_LOCAL_MODEL_COST_MAP` keeps it to the copy it ships (a rerun's closed network
would stop the fetch, and say so)."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # read by LiteLLM on import

import litellm
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, run_tool, settings

url, key = settings()
tools = [{"type": "function", "function": {"name": name, "description": text, "parameters": PARAMETERS}}
         for name, text in DESCRIPTIONS.items()]
messages: list = [{"role": "user", "content": QUESTION}]
while True:
    message = litellm.completion(model="openai/gpt-4o-mini", api_base=f"{url}/v1", api_key=key, messages=messages,
                                 tools=tools).choices[0].message
    if not message.tool_calls:
        print(message.content)
        break
    messages.append(message.model_dump(exclude_none=True))
    messages.extend({"role": "tool", "tool_call_id": call.id, "content": run_tool(call.function.name,
                                                                               call.function.arguments)}
                    for call in message.tool_calls)
