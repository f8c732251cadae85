"""pydantic-ai: one tool call through an agent run, the only path the hook is on (it hands each run its
capability at `Agent.iter`): a `FunctionModel` (a local function, no LLM, no network) asks for
`get_weather` once, then answers. Under tracing the figure holds the run's `agent` span as well as
the `tool` span, which the run's wrapped toolset opens around `call_tool`."""

from __future__ import annotations

import asyncio
from typing import Callable


def make() -> Callable[[], None]:
    from pydantic_ai import Agent  # noqa: PLC0415 - the framework is imported when the bench asks
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart  # noqa: PLC0415 - as above
    from pydantic_ai.models.function import FunctionModel  # noqa: PLC0415 - as above

    def model(messages: list, info: object) -> ModelResponse:
        if any(isinstance(part, ToolReturnPart) for message in messages for part in message.parts):
            return ModelResponse(parts=[TextPart("done")])
        return ModelResponse(parts=[ToolCallPart("get_weather", {"city": "Paris"}, tool_call_id="call_bench1")])

    def get_weather(city: str) -> str:
        """The weather in a city today."""
        return f"clear in {city}"

    agent = Agent(FunctionModel(model), name="bench", tools=[get_weather])
    loop = asyncio.new_event_loop()

    def one_call() -> None:
        loop.run_until_complete(agent.run("go"))

    return one_call
