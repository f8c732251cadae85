"""A pydantic-ai agent (hooked: its tool calls are answered by the hook in a rerun) on `OpenAIChatModel`, or with
`anthropic` as argv[2] on `AnthropicModel` (which streams its requests behind the scenes), for the fork, verify and
bisect tests: asked QUESTION (argv[1], else the weather in Paris), the stub asks for `get_weather`
with the question's last word, then answers. `get_weather` knows three cities; for any other it raises
`ModelRetry`, which pydantic-ai hands to the model (a handled failure: the run goes on, and is not a good one).
With FORECAST_CHANGED set, its forecasts change (a changed tool; pydantic-ai runs it, a sync function, on an
AnyIO worker thread).

The server is STUB_URL with the key STUB_KEY: two POST /v1/chat/completions (/v1/messages?beta=true). The app
prints the answer, then `tool runs: CITY,...` (the tool bodies that really ran).
"""

from __future__ import annotations

import os
import sys

from pydantic_ai import Agent, ModelRetry
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

FORECASTS = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C", "Lisbon": "sunny, 24 C"}
RAN: list[str] = []


def get_weather(city: str) -> str:
    """The weather in a city today."""
    RAN.append(city)
    try:
        return FORECASTS[city] + (", windy" if os.environ.get("FORECAST_CHANGED") else "")
    except KeyError as error:
        raise ModelRetry(f"no forecast for {city}") from error


def model(name: str) -> Model:
    url, key = os.environ["STUB_URL"], os.environ["STUB_KEY"]
    if name == "anthropic":
        return AnthropicModel("claude-sonnet-4-5", provider=AnthropicProvider(base_url=url, api_key=key))
    return OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(base_url=url + "/v1", api_key=key))


def main() -> None:
    question = sys.argv[1] if len(sys.argv) > 1 else "What is the weather in Paris"
    agent = Agent(model(sys.argv[2] if len(sys.argv) > 2 else "openai"), name="forecaster",
                  instructions="Answer with the weather.", tools=[get_weather])
    print(f"answer: {agent.run_sync(question).output}")
    print("tool runs:", ",".join(RAN) or "none")


if __name__ == "__main__":
    main()
