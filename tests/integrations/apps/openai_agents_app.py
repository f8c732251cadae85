"""An openai-agents app: one Agent with a function tool, run twice with `Runner.run_sync`.

The Agent uses the default model type (the Responses API) through an `AsyncOpenAI` client on
STUB_URL with the key STUB_KEY; tracing export is off. Each run asks for the tool once, then
answers: four requests, all POST /v1/responses.
"""

from __future__ import annotations

import os

from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city today."""
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


def main() -> None:
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    agent = Agent(name="forecaster", instructions="Answer with the weather.", model="gpt-4o-mini",
                  tools=[get_weather])
    for question in ("What is the weather in Paris?", "Is it cold in Oslo?"):
        result = Runner.run_sync(agent, question)
        print(f"answer: {result.final_output}")


if __name__ == "__main__":
    main()
