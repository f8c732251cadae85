"""A pydantic-ai agent with two tools, `get_weather` and `get_time`, on `OpenAIChatModel`, asked three
questions with `run_sync`.

The server is STUB_URL with the key STUB_KEY. Each run asks for `get_weather`, then `get_time`, then
answers: nine POST /v1/chat/completions. It prints what the tools returned to the agent, then its
answer. `get_weather` knows no Atlantis: it raises `ModelRetry`, which pydantic-ai sends back to the
model as a retry prompt. Each time a tool's body runs it adds a line to `tool_bodies.log` in the working
directory, so a test can count the bodies that ran.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_ai import Agent, ModelRetry
from pydantic_ai.messages import ToolReturnPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?", "Is it sunny in Atlantis?")


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    if city.lower().rstrip("?") not in WEATHER:
        raise ModelRetry(f"no weather for {city}")
    return WEATHER[city.lower().rstrip("?")]


def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().rstrip("?"), "09:05")


def main() -> None:
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    agent = Agent(OpenAIChatModel("gpt-4o-mini", provider=provider), name="forecaster",
                  instructions="Answer with the weather and the time.", tools=[get_weather, get_time])
    for question in QUESTIONS:
        result = agent.run_sync(question)
        returned = [f"{part.tool_name}={part.content}" for message in result.all_messages()
                    for part in message.parts if isinstance(part, ToolReturnPart)]
        print(f"tools: {', '.join(returned)}")
        print(f"answer: {result.output}")


if __name__ == "__main__":
    main()
