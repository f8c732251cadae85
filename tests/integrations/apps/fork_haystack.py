"""A Haystack `Agent` (no hook of ours: Haystack is seen only on the wire) with two tools, on its OpenAI chat
generator against the stub server, for the fork and verify tests: asked QUESTION (argv[1], else the weather and
the time in Paris), the stub asks for `get_weather`, then `get_time`, with the question's last word, then answers:
three requests. `get_weather` knows two cities; for another it raises `KeyError`, and the agent, told to raise on a
tool's failure, ends the app with it. Each tool body adds a line to `tool_bodies.log`.

The server is STUB_URL with the key STUB_KEY."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool
from haystack.utils import Secret

FORECASTS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}
PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    ran(f"get_weather {city}")
    return FORECASTS[city]


def get_time(city: str) -> str:
    ran(f"get_time {city}")
    return "10:00"


def main() -> None:
    question = sys.argv[1] if len(sys.argv) > 1 else "What is the weather and the time in Paris"
    generator = OpenAIChatGenerator(api_key=Secret.from_token(os.environ["STUB_KEY"]),
                                    api_base_url=os.environ["STUB_URL"] + "/v1", model="gpt-4o-mini")
    tools = [Tool(name="get_weather", description="The weather in a city today.", parameters=PARAMETERS,
                  function=get_weather),
             Tool(name="get_time", description="The local time in a city.", parameters=PARAMETERS, function=get_time)]
    agent = Agent(chat_generator=generator, tools=tools, raise_on_tool_invocation_failure=True,
                  system_prompt="You are a weather assistant. Answer with the tools' results.")
    agent.warm_up()
    print(agent.run(messages=[ChatMessage.from_user(question)])["messages"][-1].text)


if __name__ == "__main__":
    main()
