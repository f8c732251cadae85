"""A CrewAI app whose agent runs out of iterations: a crew of one agent (`forecaster`, `max_iter=1`) with two
tools, `get_weather` and `get_time`, given one task (`weather`), on CrewAI's own OpenAI client pointed at
STUB_URL (key STUB_KEY).

The stub asks for `get_weather` first; after that one tool call the agent has used its one iteration, so
CrewAI sends one more request ending with its `force_final_answer` message ("Now it's time you MUST give
your absolute best final answer. ...") and takes the answer as final: two POST /v1/chat/completions, one
tool call, no exception. The switches below keep every connection on 127.0.0.1 (as in crewai_app.py).
"""

from __future__ import annotations

import os

OFFLINE = {"CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true", "OTEL_SDK_DISABLED": "true",
           "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_VERSION_CHECK": "true",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
for switch, value in OFFLINE.items():
    os.environ.setdefault(switch, value)

from crewai import LLM, Agent, Crew, Task  # noqa: E402 - after the switches, which it reads at import
from crewai.events.event_listener import event_listener  # noqa: E402 - as above
from crewai.tools import tool  # noqa: E402 - as above


@tool("get_weather")
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return "light rain, 14 C"


@tool("get_time")
def get_time(city: str) -> str:
    """The local time in a city."""
    return "14:05"


def main() -> None:
    event_listener.formatter.console.quiet = True
    llm = LLM(model="openai/gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    agent = Agent(role="forecaster", goal="Tell the weather and the time", backstory="The weather desk.", llm=llm,
                  tools=[get_weather, get_time], max_iter=1)
    task = Task(name="weather", description="What is the weather in Paris?",
                expected_output="The weather and the time", agent=agent)
    answer = Crew(name="desk", agents=[agent], tasks=[task]).kickoff().raw
    print(f"answer: {' '.join(answer.split())}")


if __name__ == "__main__":
    main()
