"""An Agno app: an `Agent` with two tools, `get_weather` and `get_time`, on `OpenAIChat` pointed at
STUB_URL (key STUB_KEY), asked three questions, then a `Team` with that agent as its member asked a
fourth, then the agent two more, streamed.

For each question the stub asks for each tool in the order Agno offers them (by name: `get_time`
first), then answers: three POST /v1/chat/completions. The first and third questions run through
`Agent.run` (Agno runs the sync tools in the run's thread), the second through `Agent.arun`
(`get_weather` is a coroutine, awaited; `get_time` runs in a worker thread). `get_weather` raises
`KeyError` for Atlantis (no station there): Agno catches it and tells the model the error. The team
(`mode=broadcast`) is asked for the weather in Rome: its leader's model asks for
`delegate_task_to_members` with `{"task": "Rome"}`, which runs the member (three requests, two tool
calls), then answers: five requests. The last two questions stream the run's events
(`run(..., stream=True)`, `arun(..., stream=True)`; the model's answers are streamed too), the app
joining their content. Agno's telemetry (a request to Agno's API per run) is off:
`AGNO_TELEMETRY=false`. Each time a tool's body runs it adds a line to `tool_bodies.log` in the
working directory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

os.environ.setdefault("AGNO_TELEMETRY", "false")  # before Agno reads it

from agno.agent import Agent
from agno.models.openai import OpenAIChat
from agno.team import Team, TeamMode

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
STATIONS = {"Paris": "LFPG", "Oslo": "ENGM", "Rome": "LIRF"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def weather_of(city: str) -> str:
    ran(f"get_weather {city}")
    if city == "Atlantis":
        return STATIONS[city]
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


def get_weather(city: str) -> str:
    """The weather in a city today.

    Args:
        city: The city's name.
    """
    return weather_of(city)


async def aget_weather(city: str) -> str:
    """The weather in a city today.

    Args:
        city: The city's name.
    """
    return weather_of(city)


aget_weather.__name__ = "get_weather"  # the same tool, as a coroutine for the async run


def get_time(city: str) -> str:
    """The local time in a city.

    Args:
        city: The city's name.
    """
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


def model() -> OpenAIChat:
    return OpenAIChat(id="gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                      max_retries=0)


def agent(weather: object) -> Agent:
    return Agent(name="forecaster", model=model(), tools=[weather, get_time],
                 instructions="Answer with the weather and the time.")


async def streamed_async(question: str) -> str:
    return "".join([event.content async for event in agent(aget_weather).arun(question, stream=True)])


def main() -> None:
    print(f"answer: {agent(get_weather).run('What is the weather in Paris?').content}")
    print(f"answer: {asyncio.run(agent(aget_weather).arun('Is it cold in Oslo?')).content}")
    print(f"answer: {agent(get_weather).run('Is it sunny in Atlantis?').content}")
    desk = Team(name="desk", model=model(), members=[agent(get_weather)], mode=TeamMode.broadcast)
    print(f"answer: {desk.run('What is the weather in Rome?').content}")
    print(f"answer: {''.join(event.content for event in agent(get_weather).run('Is it humid in Lima?', stream=True))}")
    print(f"answer: {asyncio.run(streamed_async('Is it foggy in London?'))}")


if __name__ == "__main__":
    main()
