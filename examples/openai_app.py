"""A weather agent on the openai SDK, with no namel3ss-debug code in it: run it under `namel3ss-debug trace`.

It asks the model a question with a `get_weather` tool, runs the tool the model asks for, and asks
again with the tool's result. The model is a stub server on 127.0.0.1 that this script starts
(examples/llm_stub_server.py), so it runs offline; `--base-url` points it at another server.

    pip install namel3ss-debug openai
    namel3ss-debug trace examples/openai_app.py
    namel3ss-debug trace examples/openai_app.py --stream --question "Is it warm in Lisbon?"
    namel3ss-debug replay debug/traces --rerun          # no request reaches the server

It ends with `http requests: N`, the requests the stub server answered: 0 under `replay --rerun`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from llm_stub_server import StubServer

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city today.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def get_weather(city: str) -> str:
    forecasts = {"paris": "light rain, 14 C", "lisbon": "sunny, 24 C", "oslo": "snow, -3 C"}
    return forecasts.get(city.lower(), "clear, 18 C")


def ask(client: openai.OpenAI, messages: list[dict], *, stream: bool) -> str:
    """The agent's loop: the model may ask for the tool once; its final answer is returned."""
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS, temperature=0)
    message = reply.choices[0].message
    for call in message.tool_calls or []:
        arguments = json.loads(call.function.arguments)
        messages.append({"role": "assistant", "content": None, "tool_calls": [call.model_dump()]})
        messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(**arguments)})
    if not message.tool_calls:
        return message.content or ""
    if not stream:
        final = client.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0)
        return final.choices[0].message.content or ""
    chunks = client.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--question", default="What is the weather in Paris?")
    parser.add_argument("--stream", action="store_true", help="stream the final answer")
    parser.add_argument("--base-url", help="an OpenAI-compatible server to use instead of the stub")
    args = parser.parse_args()
    server = None if args.base_url else StubServer().start()
    try:
        client = openai.OpenAI(base_url=args.base_url or server.openai_url, max_retries=0,
                               api_key=os.environ.get("OPENAI_API_KEY", "sk-example-not-a-real-key"))
        print(ask(client, [{"role": "user", "content": args.question}], stream=args.stream))
    finally:
        if server is not None:
            server.stop()
    print(f"http requests: {len(server.requests) if server is not None else 'n/a (--base-url)'}")


if __name__ == "__main__":
    main()
