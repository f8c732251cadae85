"""Three pydantic-ai agents run together under `asyncio.gather` on one `OpenAIChatModel`, as in
pydantic_ai_gather.py, each now with two tools, `get_weather` and `get_time`: the stub asks each agent
for `get_weather`, then `get_time` (each with the last word of its question), then answers.

The server is STUB_URL with the key STUB_KEY. Nine requests, all POST /v1/chat/completions, and six
tool calls, in an order the event loop decides: a tool's span names the LLM call that asked for it by
that call's span id, and span ids follow the order spans start in. The answers are printed in the
agents' order. Each time a tool's body runs it adds a line to `tool_bodies.log` in the working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

QUESTIONS = {"planner": "Plan a trip to Lisbon.", "critic": "What could go wrong on a trip?",
             "booker": "Which hotel is near the river?"}
WEATHER = {"lisbon": "sunny, 22 C", "trip": "it depends", "river": "misty, 9 C"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


async def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    await asyncio.sleep(0)  # lets another agent's task run in between, as real I/O would
    return WEATHER.get(city.lower().strip("?."), "unknown")


def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return "13:05" if city.lower().strip("?.") == "lisbon" else "14:05"


async def main() -> None:
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    model = OpenAIChatModel("gpt-4o-mini", provider=provider)
    agents = {name: Agent(model, instructions=f"You are the {name}.", name=name, tools=[get_weather, get_time])
              for name in QUESTIONS}
    results = await asyncio.gather(*(agents[name].run(question) for name, question in QUESTIONS.items()))
    for name, result in zip(QUESTIONS, results):
        print(f"agent {name}: {result.output}")


if __name__ == "__main__":
    asyncio.run(main())
