"""A CrewAI agent whose tool raises `KeyError`: CrewAI tells the model "Error executing tool: ..." in the
tool's place and the agent goes on to an answer.

The server is STUB_URL with the key STUB_KEY. The agent is asked the weather in Atlantis (`Agent.kickoff`,
CrewAI's own OpenAI client): the stub asks for `lookup_weather` with `{"city": "Atlantis"}`, the tool looks
the city up in its table and raises `KeyError('Atlantis')`, CrewAI sends the error's text back as the tool's
result, and the stub answers with an echo of it: two POST /v1/chat/completions. Each time the tool's body
runs it adds a line to `tool_bodies.log`. CrewAI's telemetry and the like are off (as in crewai_app.py).
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE = {"CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true", "OTEL_SDK_DISABLED": "true",
           "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_VERSION_CHECK": "true",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
for switch, value in OFFLINE.items():
    os.environ.setdefault(switch, value)

from crewai import LLM, Agent  # noqa: E402 - after the switches, which it reads at import
from crewai.events.event_listener import event_listener  # noqa: E402 - as above
from crewai.tools import tool  # noqa: E402 - as above

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


@tool("lookup_weather")
def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    with Path("tool_bodies.log").open("a") as log:  # a rerun that answers the call runs no body
        log.write(f"lookup_weather {city}\n")
    return STATIONS[city]


def main() -> None:
    event_listener.formatter.console.quiet = True
    llm = LLM(model="openai/gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    agent = Agent(role="forecaster", goal="Tell the weather", backstory="The weather desk.", llm=llm,
                  tools=[lookup_weather], max_iter=2)
    print(f"answer: {' '.join(agent.kickoff('What is the weather in Atlantis').raw.split())}")


if __name__ == "__main__":
    main()
