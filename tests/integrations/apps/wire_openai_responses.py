"""A raw tool loop on the openai SDK's Responses API: `function_call` items run by the app, their results sent
back as `function_call_output` items with the conversation so far. Three requests."""

from __future__ import annotations

import openai
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, run_tool, settings

url, key = settings()
client = openai.OpenAI(base_url=f"{url}/v1", api_key=key)
tools = [{"type": "function", "name": name, "description": text, "parameters": PARAMETERS}
         for name, text in DESCRIPTIONS.items()]
conversation: list = [{"role": "user", "content": QUESTION}]
while True:
    response = client.responses.create(model="gpt-4o-mini", input=conversation, tools=tools)
    calls = [item for item in response.output if item.type == "function_call"]
    if not calls:
        print(response.output_text)
        break
    for call in calls:
        conversation.append({"type": "function_call", "call_id": call.call_id, "name": call.name,
                             "arguments": call.arguments})
        conversation.append({"type": "function_call_output", "call_id": call.call_id,
                             "output": run_tool(call.name, call.arguments)})
