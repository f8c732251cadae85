"""AutoGen tools through `BaseTool.run_json`, in this process (`integrations/autogen/tools.py`): a rerun
gives back what the tool returned without running it, rebuilt into the tool's pydantic return class,
and a call made with no call id is linked to the LLM call that asked by its name and arguments."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel
from support.rerunhelpers import record, rerun

from namel3ss_debug import current_span, trace_llm_call

autogen_core = pytest.importorskip("autogen_core")

from autogen_core.tools import BaseTool, FunctionTool  # noqa: E402 - after the skip

from namel3ss_debug.integrations.autogen.tools import wrap_run_json  # noqa: E402 - as above


class Forecast(BaseModel):
    city: str
    sky: str


class Weather:
    """The tool's body (`get_weather`, a function as FunctionTool wants one): counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

        def get_weather(city: str) -> Forecast:
            self.runs += 1
            return Forecast(city=city, sky="rain")

        self.function = get_weather


@pytest.fixture(autouse=True)
def hooked_here() -> None:
    wrap_run_json(BaseTool)  # as `autogen.hook` puts it in; it passes calls through when not tracing


@trace_llm_call(name="planner")
def plan() -> str:
    current_span().set_outputs({"tool_calls": [{"id": "call_1", "name": "get_weather",
                                                "arguments": '{"city": "Paris"}'}], "return": "get_weather"})
    return "get_weather"


def app(weather: Weather, call_id: str | None) -> Any:
    plan()
    tool = FunctionTool(weather.function, description="The weather.")
    return asyncio.run(tool.run_json({"city": "Paris"}, autogen_core.CancellationToken(), call_id=call_id))


def tool_start(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if e["event_type"] == "tool_call_start")


def test_a_rerun_rebuilds_the_recorded_pydantic_result_without_running_the_tool() -> None:
    _, events = record(lambda: app(Weather(), "call_1"))
    again = Weather()
    result, _, session = rerun(events, lambda: app(again, "call_1"))
    assert (result, again.runs) == (Forecast(city="Paris", sky="rain"), 0)
    assert dict(session.tally.counts) == {"recorded": 2}


def test_a_call_without_a_call_id_is_linked_by_its_name_and_arguments() -> None:
    _, events = record(lambda: app(Weather(), None))
    llm = next(e for e in events if e["event_type"] == "llm_call_start")
    attrs = tool_start(events)["attrs"]
    assert (attrs["tool_call_id"], attrs["llm_span_id"], attrs["linked_by"]) == \
        ("call_1", llm["span_id"], "name_and_arguments")
