"""openai-agents with `max_turns=3`: the model asks for `lookup_weather` for one more city every turn and never
answers, so the SDK raises MaxTurnsExceeded and the app fails. Kind: turn_limit."""

from __future__ import annotations

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI
from scripted_stub import ScriptedStub, ask


@function_tool
def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    return f"clear in {city}"


def main() -> None:
    set_tracing_disabled(True)
    script = [ask("lookup_weather", city=city) for city in ("Paris", "Oslo", "Rome", "Lima", "Pune")]
    with ScriptedStub(script) as stub:
        client = AsyncOpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        agent = Agent(name="weather", instructions="Answer with the weather.", tools=[lookup_weather],
                      model=OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client))
        Runner.run_sync(agent, "Compare the weather of every capital.", max_turns=3)


if __name__ == "__main__":
    main()
