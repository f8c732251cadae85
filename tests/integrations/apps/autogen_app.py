"""An AutoGen AgentChat app: an `AssistantAgent` with two tools, `get_weather` and `get_time`, on an
`OpenAIChatCompletionClient`, asked two questions: the first by `agent.run`, the second through a team
of that one agent (`RoundRobinGroupChat`, one turn).

The server is STUB_URL with the key STUB_KEY. For the first question the stub asks for `get_weather`,
then `get_time`, then answers; the second, in the same conversation (which holds both tools' results
already), is answered at once: four POST /v1/chat/completions. With `AUTOGEN_OTEL=1` the app sets an
SDK `TracerProvider` (exporting to memory) as the global one, so autogen-core emits its own
OpenTelemetry spans (`create_agent`, `invoke_agent`, `execute_tool`) beside what our hook records. Each
time a tool's body runs it adds a line to `tool_bodies.log` in the working directory. With
`WEATHER_CHANGED=1` `get_weather` says something else than it did (a tool whose behaviour changed since
the recording).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_ext.models.openai import OpenAIChatCompletionClient

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


async def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    if os.environ.get("WEATHER_CHANGED") == "1":
        return "heat wave, 38 C"
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


def with_opentelemetry() -> None:
    from opentelemetry import trace  # noqa: PLC0415 - OpenTelemetry only when AUTOGEN_OTEL=1 asks for it
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - as above
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415 - as above
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: PLC0415 - as above

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    trace.set_tracer_provider(provider)


async def main() -> None:
    if os.environ.get("AUTOGEN_OTEL") == "1":
        with_opentelemetry()
    client = OpenAIChatCompletionClient(model="gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1",
                                        api_key=os.environ["STUB_KEY"], max_retries=0)
    agent = AssistantAgent("forecaster", model_client=client, tools=[get_weather, get_time],
                           system_message="Answer with the weather and the time.", max_tool_iterations=3)
    result = await agent.run(task=QUESTIONS[0])
    print(f"answer: {result.messages[-1].to_text()}")
    team = RoundRobinGroupChat([agent], name="desk", max_turns=1)
    result = await team.run(task=QUESTIONS[1])
    print(f"answer: {result.messages[-1].to_text()}")
    await client.close()


if __name__ == "__main__":
    asyncio.run(main())
