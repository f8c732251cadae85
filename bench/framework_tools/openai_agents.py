"""openai-agents: one call of a `@function_tool`, the way the SDK's runner makes it once the model
has asked for the tool (`agents.tool.invoke_function_tool` with a `ToolContext` holding the call
id), with no model and no network; under tracing the hook's `tool` span wraps `on_invoke_tool`."""

from __future__ import annotations

import asyncio
from typing import Callable


def make() -> Callable[[], None]:
    from agents import function_tool  # noqa: PLC0415 - the framework is imported when the bench asks
    from agents.tool import invoke_function_tool  # noqa: PLC0415 - as above
    from agents.tool_context import ToolContext  # noqa: PLC0415 - as above

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city today."""
        return f"clear in {city}"

    arguments = '{"city": "Paris"}'
    context = ToolContext(context=None, tool_name="get_weather", tool_call_id="call_bench1", tool_arguments=arguments)
    loop = asyncio.new_event_loop()

    def one_call() -> None:
        loop.run_until_complete(invoke_function_tool(function_tool=get_weather, context=context,
                                                            arguments=arguments))

    return one_call
