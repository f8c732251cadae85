"""A CrewAI app: a flow (`Forecast`) of two steps, each kicking off a crew of one agent (`forecaster`) with
two tools, `get_weather` and `get_time`, given one task (`weather`), and a third step that fails
(`publish`: there is no desk to publish to); the same agent asked once without a crew (`Agent.kickoff`);
then one tool called the way CrewAI's text (ReAct) loop calls it.

The server is STUB_URL with the key STUB_KEY. The `native` crew's `LLM` is CrewAI's own OpenAI client;
the `litellm` crew's is the same model through LiteLLM (`is_litellm=True`); the lone agent's is CrewAI's
own. Each time the stub asks for `get_weather`, then `get_time`, then answers: nine POST
/v1/chat/completions in all. CrewAI's ReAct loop, for a model without function calling, runs a tool
through `CrewStructuredTool.invoke`; the stub calls functions only, so the app makes that call itself, at
the end (`get_time` for Rome). Each time a tool's body runs it adds a line to `tool_bodies.log` in the
working directory.

CrewAI reaches out at import and at exit unless told not to (its telemetry, its trace prompt, its version
check, LiteLLM's price list): the switches below keep every connection on 127.0.0.1. Its console panels
are turned off: a flow's are printed whatever `verbose` says, from another thread, each with a new id.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE = {"CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_DISABLE_TRACKING": "true", "OTEL_SDK_DISABLED": "true",
           "CREWAI_TRACING_ENABLED": "false", "CREWAI_DISABLE_VERSION_CHECK": "true",
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
for switch, value in OFFLINE.items():
    os.environ.setdefault(switch, value)

from crewai import LLM, Agent, Crew, Task  # noqa: E402 - after the switches, which it reads at import
from crewai.events.event_listener import event_listener  # noqa: E402 - as above
from crewai.flow.flow import Flow, listen, start  # noqa: E402 - as above
from crewai.tools import tool  # noqa: E402 - as above

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


@tool("get_weather")
def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    return WEATHER.get(city.lower(), "clear, 18 C")


@tool("get_time")
def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower(), "09:05")


def forecaster(through_litellm: bool) -> Agent:
    """The agent, its model CrewAI's own client or LiteLLM (`LLM` picks its class from the arguments)."""
    llm = LLM(model="openai/gpt-4o-mini", base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
              is_litellm=through_litellm)
    print(f"llm: {type(llm).__module__}.{type(llm).__qualname__}")
    return Agent(role="forecaster", goal="Tell the weather and the time", backstory="The weather desk.", llm=llm,
                 tools=[get_weather, get_time], max_iter=4)


def crew(name: str, through_litellm: bool) -> Crew:
    agent = forecaster(through_litellm)
    task = Task(name="weather", description="What is the weather in Paris?",
                expected_output="The weather and the time", agent=agent)
    return Crew(name=name, agents=[agent], tasks=[task])


def answer(name: str, through_litellm: bool) -> str:
    said = " ".join(crew(name, through_litellm).kickoff().raw.split())
    print(f"{name}: {said}")
    return said


class Forecast(Flow):
    """The two crews as the steps of a flow, CrewAI's workflows."""

    @start()
    def on_own_client(self) -> str:
        return answer("native", through_litellm=False)

    @listen(on_own_client)
    def through_litellm(self, _: str) -> str:
        return answer("litellm", through_litellm=True)

    @listen(through_litellm)
    def publish(self, _: str) -> str:
        raise RuntimeError("no desk to publish to")


def main() -> None:
    event_listener.formatter.console.quiet = True
    try:
        Forecast().kickoff()
    except RuntimeError as exc:
        print(f"flow failed: {exc}")
    alone = forecaster(through_litellm=False).kickoff("Is it cold in Oslo?")
    print(f"alone: {' '.join(alone.raw.split())}")
    print(f"react: get_time={get_time.to_structured_tool().invoke({'city': 'Rome'})}")


if __name__ == "__main__":
    main()
