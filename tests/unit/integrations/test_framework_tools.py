"""A framework's tool call as a `tool` span (integrations/tools.py): recorded with its arguments and
result, linked to the LLM call whose answer asked for it, and answered by a rerun without its body
running, unless the rerun runs tools live."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import current_span, get_tracer, trace_llm_call
from namel3ss_debug.integrations.tools import arun_tool, run_tool
from namel3ss_debug.tracer.asks import MAX_ASKS, ToolAsks


@dataclass
class Forecast:
    city: str
    sky: str


class Weather:
    """A tool that counts its bodies' runs."""

    def __init__(self) -> None:
        self.runs = 0

    def body(self, city: str) -> str:
        self.runs += 1
        if city == "Atlantis":
            raise LookupError(f"no weather for {city}")
        return f"rain in {city}"


@trace_llm_call(name="planner")
def plan(question: str) -> dict:
    # As the HTTP transport describes a response that asks for tools: outputs.tool_calls[].id.
    answer = {"asked": "get_weather"}
    current_span().set_outputs({"tool_calls": [{"id": "call_1", "name": "get_weather",
                                                "arguments": '{"city": "Paris"}'}],
                                "return": answer})
    return answer


def app(weather: Weather, city: str = "Paris") -> str:
    plan(f"weather in {city}?")
    return run_tool(get_tracer(), "testkit", "get_weather", {"city": city}, lambda: weather.body(city),
                    call_id="call_1")


def ends(events: list[dict], component: str = "tool") -> list[dict]:
    return [event for event in events if event["event_type"].endswith("_end") and event["component"] == component]


def test_a_tool_call_is_a_span_with_its_arguments_result_and_the_llm_call_that_asked_for_it() -> None:
    weather = Weather()
    result, events = record(lambda: app(weather))
    assert (result, weather.runs) == ("rain in Paris", 1)
    start = next(e for e in events if e["event_type"] == "tool_call_start")
    end, = ends(events)
    llm, = ends(events, "llm")
    assert (start["name"], start["inputs"], end["outputs"]) == ("get_weather", {"city": "Paris"},
                                                               {"return": "rain in Paris"})
    assert start["attrs"] == {"framework": "testkit", "tool_call_id": "call_1", "llm_span_id": llm["span_id"]}


def test_a_tool_call_no_llm_call_asked_for_has_no_link() -> None:
    _, events = record(lambda: run_tool(get_tracer(), "testkit", "get_weather", {}, lambda: "sun", call_id="call_9"))
    start = next(e for e in events if e["event_type"] == "tool_call_start")
    assert start["attrs"] == {"framework": "testkit", "tool_call_id": "call_9"}


def test_a_rerun_gives_back_the_recorded_result_and_the_body_does_not_run() -> None:
    weather = Weather()
    _, events = record(lambda: app(weather))
    again = Weather()
    result, new_events, session = rerun(events, lambda: app(again))
    assert (result, again.runs) == ("rain in Paris", 0)
    assert ends(new_events)[0]["attrs"]["replay"] == "recorded"
    assert session.tally.counts["recorded"] == 2  # the llm call and the tool call


def test_a_recorded_error_is_raised_again_without_the_body() -> None:
    weather = Weather()
    _, events = record(lambda: _swallowed(lambda: app(weather, "Atlantis")))
    again = Weather()
    result, _, _ = rerun(events, lambda: app(again, "Atlantis"))
    assert isinstance(result, LookupError) and "no weather for Atlantis" in str(result)
    assert again.runs == 0


def test_live_tools_run_the_body_and_still_answer_the_llm_call() -> None:
    weather = Weather()
    _, events = record(lambda: app(weather))
    again = Weather()
    result, new_events, session = rerun(events, lambda: app(again), live_tools=True)
    assert (result, again.runs) == ("rain in Paris", 1)
    assert ends(new_events)[0]["attrs"]["replay"] == "reran"  # ran again, judged by what it returned
    assert (session.tally.counts["recorded"], session.tally.counts["reran"], session.tally.counts["live"]) == (1, 1, 0)


def test_a_codec_rebuilds_the_type_the_app_got() -> None:
    def forecast() -> Forecast:
        return run_tool(get_tracer(), "testkit", "forecast", {}, lambda: Forecast("Oslo", "snow"), codec=Forecast)

    _, events = record(forecast)
    assert ends(events)[0]["outputs"] == {"return": {"city": "Oslo", "sky": "snow"}}
    result, _, _ = rerun(events, forecast)
    assert result == Forecast("Oslo", "snow")


def test_an_async_tool_is_recorded_and_answered_the_same_way() -> None:
    runs: list[str] = []

    async def body() -> str:
        runs.append("ran")
        return "sun"

    def app_async() -> str:
        return asyncio.run(arun_tool(get_tracer(), "testkit", "get_sky", {"city": "Rome"}, body, call_id="c7"))

    result, events = record(app_async)
    assert (result, runs, ends(events)[0]["outputs"]) == ("sun", ["ran"], {"return": "sun"})
    result, _, _ = rerun(events, app_async)
    assert (result, runs) == ("sun", ["ran"])


def test_without_a_run_the_body_runs_and_nothing_is_recorded() -> None:
    assert get_tracer().run is None
    assert run_tool(get_tracer(), "testkit", "get_weather", {}, lambda: "sun") == "sun"


def test_the_asks_remember_the_newest_ids_only() -> None:
    asks = ToolAsks()
    for number in range(MAX_ASKS + 1):
        asks.note(f"s{number}", {"tool_calls": [{"id": f"call_{number}"}]})
    asks.note("s-x", {"tool_calls": "not a list"})
    asks.note("s-y", None)
    assert (asks.asker("call_0"), asks.asker("call_1"), asks.asker(f"call_{MAX_ASKS}")) == (None, "s1", f"s{MAX_ASKS}")
    assert asks.asker(None) is None


def _swallowed(app_call):
    try:
        return app_call()
    except LookupError as error:
        return error


@pytest.fixture(autouse=True)
def _no_run_left() -> None:
    yield
    assert get_tracer().run is None


def test_a_tool_call_with_no_id_is_claimed_by_name_and_arguments_newest_first_and_once() -> None:
    asks = ToolAsks()
    asks.note("s1", {"tool_calls": [{"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris", "days": 1}'}]})
    asks.note("s2", {"tool_calls": [{"id": "c2", "name": "get_weather", "arguments": {"days": 1, "city": "Paris"}}]})
    asks.note("s3", {"tool_calls": [{"id": "c3", "name": "get_weather", "arguments": {"city": "Oslo"}}]})
    assert asks.claim("get_weather", {"city": "Paris", "days": 1}) == ("c2", "s2")  # JSON text or object alike
    assert asks.claim("get_weather", {"city": "Paris", "days": 1}) == ("c1", "s1")
    assert asks.claim("get_weather", {"city": "Paris", "days": 1}) is None
    assert asks.claim("get_time", {"city": "Oslo"}) is None


def test_link_by_arguments_says_how_the_span_was_linked() -> None:
    def app() -> str:
        plan("weather in Paris?")
        return run_tool(get_tracer(), "testkit", "get_weather", {"city": "Paris"}, lambda: "rain",
                        link_by_arguments=True)

    _, events = record(app)
    start = next(e for e in events if e["event_type"] == "tool_call_start")
    llm, = ends(events, "llm")
    assert start["attrs"] == {"framework": "testkit", "tool_call_id": "call_1", "llm_span_id": llm["span_id"],
                              "linked_by": "name_and_arguments"}
