"""Two pydantic-ai agents: one on the OpenAI Responses API (`OpenAIResponsesModel`), one on
Anthropic (`AnthropicModel`, which calls `client.beta.messages.create`), each with a function tool
and run twice with `run_sync`.

The server is STUB_URL with the key STUB_KEY. Each run asks for the tool, then answers: four
POST /v1/responses, then four POST /v1/messages?beta=true (pydantic-ai streams these behind the
scenes when its default `max_tokens` is large).
"""

from __future__ import annotations

import os

from pydantic_ai import Agent
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIResponsesModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider


def get_weather(city: str) -> str:
    """The weather in a city today."""
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


def agents() -> dict[str, Agent]:
    url, key = os.environ["STUB_URL"], os.environ["STUB_KEY"]
    openai_model = OpenAIResponsesModel("gpt-4o-mini", provider=OpenAIProvider(base_url=url + "/v1", api_key=key))
    anthropic_model = AnthropicModel("claude-sonnet-4-5", provider=AnthropicProvider(base_url=url, api_key=key))
    return {name: Agent(model, instructions="Answer with the weather.", tools=[get_weather])
            for name, model in (("openai", openai_model), ("anthropic", anthropic_model))}


def main() -> None:
    for name, agent in agents().items():
        for question in ("What is the weather in Paris?", "Is it cold in Oslo?"):
            result = agent.run_sync(question)
            print(f"{name}: {result.output}")
            print(f"{name} usage: {result.usage().input_tokens} in, {result.usage().output_tokens} out")


if __name__ == "__main__":
    main()
