"""A pydantic-ai agent whose tools fail, on `OpenAIChatModel`, asked one question with `run_sync`: the run
goes on and answers.

The server is STUB_URL with the key STUB_KEY. The stub asks for `lookup_weather` (Atlantis), then for
`lookup_station` (Atlantis), then answers: three POST /v1/chat/completions. `lookup_weather` raises
`KeyError('Atlantis')`, which the app's `Hooks` capability (`on_tool_execute_error`) turns into the tool's
result, "no data: KeyError('Atlantis')"; `lookup_station` catches its own `KeyError` and raises `ModelRetry`
from it, which pydantic-ai sends back to the model as a retry prompt. The app prints what each tool gave the
model, then the answer.
"""

from __future__ import annotations

import os

from pydantic_ai import Agent, ModelRetry
from pydantic_ai.capabilities import Hooks
from pydantic_ai.messages import RetryPromptPart, ToolReturnPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

WEATHER = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C"}
STATIONS = {"Paris": "LFPG", "Oslo": "ENGM"}


def lookup_weather(city: str) -> str:
    """The weather at a city's station."""
    return WEATHER[city]


def lookup_station(city: str) -> str:
    """The code of a city's weather station."""
    try:
        return STATIONS[city]
    except KeyError as exc:
        raise ModelRetry(f"no station in {city}; ask for another city") from exc


hooks = Hooks()


@hooks.on.tool_execute_error
async def no_data(ctx, *, call, tool_def, args, error: Exception) -> str:
    return f"no data: {error!r}"


def main() -> None:
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    agent = Agent(OpenAIChatModel("gpt-4o-mini", provider=provider), name="forecaster",
                  instructions="Answer with the weather.", tools=[lookup_weather, lookup_station],
                  capabilities=[hooks])
    result = agent.run_sync("What is the weather in Atlantis?")
    for message in result.all_messages():
        for part in message.parts:
            if isinstance(part, (ToolReturnPart, RetryPromptPart)):
                print(f"{part.tool_name} gave the model: {part.content}")
    print(f"answer: {result.output}")


if __name__ == "__main__":
    main()
