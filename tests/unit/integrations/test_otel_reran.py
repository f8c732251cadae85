"""A tool seen only through its OpenTelemetry span runs again in a rerun (a span processor cannot answer
a call): it counts as `reran`, not live, and is judged by what it returned, as a hooked tool run again
with `--live-tools` is. An LLM call nothing answered still counts as live."""

from __future__ import annotations

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import current_span, get_tracer, trace_llm_call
from namel3ss_debug.integrations.otel.hook import attach
from namel3ss_debug.integrations.otel.processor import OtelSpanProcessor
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.judging.compare import compare

sdk = pytest.importorskip("opentelemetry.sdk.trace")


class Weather:
    """The tool's body: counts its runs, and says what `sky` holds."""

    def __init__(self, sky: str = "rain") -> None:
        self.sky, self.runs = sky, 0

    def __call__(self, city: str) -> str:
        self.runs += 1
        return f"{self.sky} in {city}"


@trace_llm_call(name="planner")
def plan(question: str) -> str:
    current_span().set_outputs({"tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": "{}"}],
                                "return": "get_weather"})
    return "get_weather"


def app(provider: object, weather: Weather) -> str:
    """An LLM call answered from the recording, then the tool in an `execute_tool` span as a framework that
    emits GenAI spans makes it (autogen-core's shape), with its result as an attribute. Not autogen-core's own
    scope: once a test of the process has hooked AutoGen, its spans of that scope are the hook's to record."""
    plan("weather in Paris?")
    with provider.get_tracer("a-framework").start_as_current_span(  # type: ignore[attr-defined]
            "execute_tool get_weather", attributes={"gen_ai.operation.name": "execute_tool",
                                                    "gen_ai.tool.name": "get_weather",
                                                    "gen_ai.tool.call.id": "call_1"}) as span:
        result = weather("Paris")
        span.set_attribute("gen_ai.tool.call.result", result)
    return result


@pytest.fixture
def provider() -> object:
    """A provider with our processor once: the hook an earlier test installed may have added it already."""
    provider = sdk.TracerProvider()
    attach(provider, OtelSpanProcessor(get_tracer()))
    return provider


def tool_ends(events: list[dict]) -> list[dict]:
    return [e for e in events if e["event_type"] == "tool_call_end"]


def test_a_tool_that_ran_again_and_returned_the_same_is_reran_and_compares_the_same(provider: object) -> None:
    _, events = record(lambda: app(provider, Weather()))
    again = Weather()
    result, new_events, session = rerun(events, lambda: app(provider, again))
    assert (result, again.runs) == ("rain in Paris", 1)
    assert dict(session.tally.counts) == {"recorded": 1, "reran": 1}
    assert tool_ends(new_events)[0]["attrs"]["replay"] == "reran"
    assert tool_ends(new_events)[0]["attrs"]["replay_of"] == "tool:get_weather#1"
    compared = compare(timeline_of(events), timeline_of(new_events))
    assert (compared.first, compared.different) == (None, 0)


def test_a_tool_that_ran_again_and_returned_something_else_is_the_divergence(provider: object) -> None:
    _, events = record(lambda: app(provider, Weather()))
    result, new_events, session = rerun(events, lambda: app(provider, Weather("snow")))
    assert result == "snow in Paris" and session.tally.counts["live"] == 0
    compared = compare(timeline_of(events), timeline_of(new_events))
    assert compared.first is not None
    assert compared.first.what == ("tool:get_weather#1 end: outputs.return: "
                                   "recorded 'rain in Paris', rerun 'snow in Paris'")


@trace_llm_call(name="planner")
def plan_without_tools(question: str) -> str:
    return "nothing to look up"


def test_a_tool_the_recording_does_not_have_ran_live(provider: object) -> None:
    # a recorded answer asking for the tool would record it, as missing (it never ran): this one asks for none
    _, events = record(lambda: plan_without_tools("weather in Paris?"))
    _, _, session = rerun(events, lambda: app(provider, Weather()))
    assert dict(session.tally.counts) == {"recorded": 1, "live": 1}


def test_an_llm_call_nothing_answered_counts_as_live(provider: object) -> None:
    def local_model() -> None:
        with provider.get_tracer("app").start_as_current_span(  # type: ignore[attr-defined]
                "chat local", attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "local"}):
            pass

    _, events = record(local_model)
    _, new_events, session = rerun(events, local_model)
    assert dict(session.tally.counts) == {"live": 1}
    assert [e["attrs"]["replay"] for e in new_events if e["event_type"] == "llm_call_end"] == ["live"]
