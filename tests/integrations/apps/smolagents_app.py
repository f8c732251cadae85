"""A smolagents app: a `ToolCallingAgent` with two tools, `get_weather` and `get_time`, on an
`OpenAIServerModel` pointed at STUB_URL (key STUB_KEY), asked three questions, then a fourth with its
steps streamed (`run(..., stream=True)`).

For each question the stub asks for `get_weather`, then `get_time`, then smolagents' own
`final_answer` (with `{"answer": <the city>}`): three POST /v1/chat/completions, three tool calls.
smolagents hands each result back as a user message opening with `Observation:`. `get_weather` raises
`KeyError` for Atlantis (no station there): smolagents wraps it in its `AgentToolExecutionError`,
prints it and hands it back as a user message of another kind, which the stub takes for the question
(it asks for the tools again with the error's last word): four requests and four tool calls for that
question. Each time one of the app's tools runs its body it adds a line to `tool_bodies.log` in the
working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from smolagents import OpenAIServerModel, ToolCallingAgent, tool

QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?", "Is it sunny in Atlantis?")
STREAMED = "Is it windy in Rome?"
WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
STATIONS = {"Paris": "LFPG", "Oslo": "ENGM", "Rome": "LIRF"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


@tool
def get_weather(city: str) -> str:
    """The weather in a city today.

    Args:
        city: The city's name.
    """
    ran(f"get_weather {city}")
    if city == "Atlantis":
        return STATIONS[city]
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


@tool
def get_time(city: str) -> str:
    """The local time in a city.

    Args:
        city: The city's name.
    """
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


def main() -> None:
    model = OpenAIServerModel("gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                              client_kwargs={"max_retries": 0})
    agent = ToolCallingAgent(tools=[get_weather, get_time], model=model, name="forecaster", max_steps=4,
                             verbosity_level=0)
    for question in QUESTIONS:
        print(f"answer: {agent.run(question)}")
    steps = list(agent.run(STREAMED, stream=True))  # as smolagents' Gradio UI runs an agent
    print(f"answer: {steps[-1].output} ({len(steps)} steps and events streamed)")


if __name__ == "__main__":
    main()
