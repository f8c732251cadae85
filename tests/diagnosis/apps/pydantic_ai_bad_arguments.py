"""pydantic-ai: the model asks for `get_weather` with `{"town": "Paris"}`, which does not fit the tool's schema
(`city` is required); pydantic-ai sends the validation error back, and the model asks again, right, and answers.
Kind: bad_tool_arguments."""

from __future__ import annotations

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from scripted_stub import ScriptedStub, ask, say


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def main() -> None:
    script = [ask("get_weather", town="Paris"), ask("get_weather", city="Paris"), say("Sunny in Paris.")]
    with ScriptedStub(script) as stub:
        model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(base_url=stub.url + "/v1", api_key=stub.key))
        agent = Agent(model, name="weather", tools=[get_weather], instructions="Answer with the weather.")
        result = agent.run_sync("What is the weather in Paris?")
    print(f"answer: {result.output}")


if __name__ == "__main__":
    main()
