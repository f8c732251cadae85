"""openai-agents: `lookup_weather` raises KeyError('Atlantis') four times while the model keeps asking for it (the
SDK hands each error to the model as the tool's result), then the model answers. Kind: tool_failing_repeatedly."""

from __future__ import annotations

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI
from scripted_stub import ScriptedStub, ask, say

STATIONS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}


@function_tool
def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    return STATIONS[city]


def main() -> None:
    set_tracing_disabled(True)
    script = [ask("lookup_weather", city="Atlantis")] * 4 + [say("Atlantis has no weather station on record.")]
    with ScriptedStub(script) as stub:
        client = AsyncOpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        agent = Agent(name="weather", instructions="Answer with the weather.", tools=[lookup_weather],
                      model=OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client))
        result = Runner.run_sync(agent, "What is the weather in Atlantis?")
    print(f"answer: {result.final_output}")


if __name__ == "__main__":
    main()
