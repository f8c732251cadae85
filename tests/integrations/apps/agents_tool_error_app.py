"""An openai-agents app whose function tool raises `KeyError`, and the SDK hands the model a message
in its place (its default `failure_error_function`): the run goes on and answers.

Two requests (POST /v1/responses) on the stub at STUB_URL (key STUB_KEY): the agent asks for
`lookup_weather` with `{"city": "Atlantis"}`, the tool looks the city up in its table and raises
`KeyError('Atlantis')`, the SDK sends "An error occurred while running the tool. ..." back as the tool's
result, and the stub answers with an echo of it. The app prints what the tool gave the model and the answer.
"""

from __future__ import annotations

import os

from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


@function_tool
def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    return STATIONS[city]


def main() -> None:
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    agent = Agent(name="weather", instructions="Answer with the weather.", model="gpt-4o-mini",
                  tools=[lookup_weather])
    result = Runner.run_sync(agent, "What is the weather in Atlantis?")
    for item in result.new_items:
        if item.type == "tool_call_output_item":
            print(f"the tool gave the model: {item.output}")
    print(f"answer: {result.final_output}")


if __name__ == "__main__":
    main()
