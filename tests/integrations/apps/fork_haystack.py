"""A Haystack `Agent` (no hook of ours: Haystack is seen only on the wire) with two tools, on its OpenAI chat
generator against the stub server, for the fork and verify tests: asked QUESTION (argv[1], else the weather and
the time in Paris), the stub asks for `get_weather`, then `get_time`, with the question's last word, then answers:
three requests. `get_weather` knows two cities; for another it raises `KeyError`, and the agent, told to raise on a
tool's failure, ends the app with it. Each tool body adds a line to `tool_bodies.log`; `get_time` and what the
tools are told are the raw-loop apps' (`wire_tools.py`, copied beside it).

The server is STUB_URL with the key STUB_KEY."""

from __future__ import annotations

import os
import sys

from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool
from haystack.utils import Secret
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, get_time, ran

FORECASTS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


def get_weather(city: str) -> str:
    ran(f"get_weather {city}")
    return FORECASTS[city]


def main() -> None:
    question = sys.argv[1] if len(sys.argv) > 1 else QUESTION
    generator = OpenAIChatGenerator(api_key=Secret.from_token(os.environ["STUB_KEY"]),
                                    api_base_url=os.environ["STUB_URL"] + "/v1", model="gpt-4o-mini")
    tools = [Tool(name=function.__name__, description=DESCRIPTIONS[function.__name__], parameters=PARAMETERS,
                  function=function) for function in (get_weather, get_time)]
    agent = Agent(chat_generator=generator, tools=tools, raise_on_tool_invocation_failure=True,
                  system_prompt="You are a weather assistant. Answer with the tools' results.")
    agent.warm_up()
    print(agent.run(messages=[ChatMessage.from_user(question)])["messages"][-1].text)


if __name__ == "__main__":
    main()
