"""The openai SDK's Responses API, plain, streamed and with a function tool, and one chat completion
read through `with_raw_response`.

The server is STUB_URL (the stub's base address) with the key STUB_KEY. Five requests:
POST /v1/responses four times (plain, streamed, a function call, its result), then
POST /v1/chat/completions.
"""

from __future__ import annotations

import json
import os

from openai import OpenAI

TOOLS = [{"type": "function", "name": "get_weather", "description": "The weather in a city today.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def get_weather(city: str) -> str:
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


def ask_with_tool(client: OpenAI, question: str) -> str:
    """One function call answered, then the model's answer."""
    items: list = [{"role": "user", "content": question}]
    first = client.responses.create(model="gpt-4o-mini", input=items, tools=TOOLS)
    for call in (item for item in first.output if item.type == "function_call"):
        items.append(call.model_dump(exclude_none=True))
        items.append({"type": "function_call_output", "call_id": call.call_id,
                      "output": get_weather(**json.loads(call.arguments))})
    return client.responses.create(model="gpt-4o-mini", input=items, tools=TOOLS).output_text


def main() -> None:
    client = OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    plain = client.responses.create(model="gpt-4o-mini", input="What is the capital of France?")
    print(f"answer: {plain.output_text}")
    print(f"usage: {plain.usage.input_tokens} in, {plain.usage.output_tokens} out")

    deltas, final = [], None
    stream = client.responses.create(model="gpt-4o-mini", stream=True,
                                     input=[{"role": "user", "content": "Name a river in Spain."}])
    for event in stream:
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
        elif event.type == "response.completed":
            final = event.response
    assert final is not None and final.output_text == "".join(deltas), "the deltas make the final text"
    print(f"answer: {''.join(deltas)}")

    print(f"answer: {ask_with_tool(client, 'What is the weather in Paris?')}")

    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello."}])
    completion = raw.parse()
    print(f"answer: {completion.choices[0].message.content}")
    print(f"status: {raw.status_code}")


if __name__ == "__main__":
    main()
