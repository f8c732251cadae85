"""LangChain: one call of a `@tool` with a `ToolCall`, the way LangGraph's `ToolNode` makes it once the
model has asked for the tool (`tool.invoke({"name", "args", "id", "type": "tool_call"}, config)`),
with no model and no network; it returns a `ToolMessage`. Under tracing the hook's `tool` span wraps
`BaseTool.run`, and langchain-core's callbacks (ours among them) see the tool's run."""

from __future__ import annotations

from collections.abc import Callable


def make() -> Callable[[], None]:
    from langchain_core.messages import ToolMessage  # noqa: PLC0415 - the framework is imported when the bench asks
    from langchain_core.tools import tool  # noqa: PLC0415 - as above

    @tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny, 24 C" if city == "Lisbon" else "clear, 18 C"

    call = {"name": "get_weather", "args": {"city": "Lisbon"}, "id": "call_bench_1", "type": "tool_call"}

    def one_call() -> None:
        result = get_weather.invoke(call, {})
        assert isinstance(result, ToolMessage) and result.content == "sunny, 24 C"

    return one_call
