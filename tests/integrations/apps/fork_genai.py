"""A weather agent on the raw google-genai SDK, for the fork tests: the model may ask for `get_weather` (a traced
tool, so a rerun answers it), then answers; `--stream` streams the model's calls (`generate_content_stream`). It
prints the answer, then `tool runs: CITY,...` (the tool bodies that really ran).

    python fork_genai.py --base-url http://127.0.0.1:PORT [--stream]

The key is STUB_KEY (sent as `x-goog-api-key`), else `sk-test`.
"""

from __future__ import annotations

import argparse
import os

from google import genai
from google.genai import types

from namel3ss_debug import trace_tool_call

RAN: list[str] = []
FORECASTS = {"paris": "light rain, 14 C", "lisbon": "sunny, 24 C", "oslo": "snow, -3 C"}
WEATHER = types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="The weather in a city today.",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))])
CONFIG = types.GenerateContentConfig(tools=[WEATHER],
                                     automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))


@trace_tool_call
def get_weather(city: str) -> str:
    RAN.append(city)
    return FORECASTS.get(city.lower().strip("?. "), "clear, 18 C")


def turn(client: genai.Client, contents: list, stream: bool) -> tuple[str, list, types.Content]:
    """The model's text, its function calls, and its content (to send back)."""
    if not stream:
        reply = client.models.generate_content(model="gemini-2.0-flash", contents=contents, config=CONFIG)
        return said(reply.candidates[0].content.parts), list(reply.function_calls or []), reply.candidates[0].content
    calls, parts = [], []
    for chunk in client.models.generate_content_stream(model="gemini-2.0-flash", contents=contents, config=CONFIG):
        calls += chunk.function_calls or []
        parts += chunk.candidates[0].content.parts or [] if chunk.candidates and chunk.candidates[0].content else []
    return said(parts), calls, types.Content(role="model", parts=parts)


def said(parts: list | None) -> str:
    """The text of the model's parts (`.text` warns when a part is a function call)."""
    return "".join(part.text or "" for part in parts or [])


def ask(client: genai.Client, question: str, stream: bool) -> str:
    contents = [types.Content(role="user", parts=[types.Part(text=question)])]
    for _ in range(4):
        text, calls, said = turn(client, contents, stream)
        if not calls:
            return text
        contents.append(said)
        contents.append(types.Content(role="user", parts=[types.Part.from_function_response(
            name=call.name, response={"result": get_weather(**call.args)}) for call in calls]))
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--question", default="What is the weather in Paris?")
    parser.add_argument("--stream", action="store_true")
    args = parser.parse_args()
    client = genai.Client(api_key=os.environ.get("STUB_KEY", "sk-test"),
                          http_options=types.HttpOptions(base_url=args.base_url))
    print(ask(client, args.question, args.stream))
    print("tool runs:", ",".join(RAN) or "none")


if __name__ == "__main__":
    main()
