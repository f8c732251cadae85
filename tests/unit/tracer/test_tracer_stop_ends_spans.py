"""A rerun's stop unwinds a framework past the callbacks its hook ends spans in: the spans still open when such a
run ends end just before `run_end`, innermost first, failed and `attrs.ended_by: stop`, with no error of their own.
A run that ends without a stop, or that no rerun runs, leaves them open (`tracer/stopped.py`)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from namel3ss_debug.model.rerun_protocol import ENDED_BY_STOP, STOP_LISTENERS, RerunMiss
from namel3ss_debug.tracer.api import get_tracer


class Answering:
    """The least a tracer asks of the rerun it holds: told of each span, and nothing to add to `run_end`."""

    answered_here = True

    def opened(self, span: Any, attrs: Any = None) -> None:
        return None

    def ended(self, span: Any, event: Any) -> None:
        return None

    def end_attrs(self) -> dict[str, Any]:
        return {}


@pytest.fixture
def rerun() -> Iterator[None]:
    tracer = get_tracer()
    tracer.rerun = Answering()  # type: ignore[assignment]
    try:
        yield
    finally:
        tracer.rerun = None


def hooked_agent_left_open() -> None:
    """A hook's agent span and the crew span around it, neither ended: their framework's failure path never ran."""
    tracer = get_tracer()
    tracer.start_span("chain", "crew", "chain_execution")
    tracer.start_span("agent", "forecaster", "agent_execution")


def span_ends(events: list[dict[str, Any]]) -> list[tuple[str, str, Any, Any]]:
    return [(e["name"], e["status"], e.get("attrs"), e.get("error")) for e in events
            if e["event_type"].endswith("_end") and e["event_type"] != "run_end"]


def test_after_a_stop_the_spans_left_open_end_innermost_first_as_the_stops_doing(capture: Any, rerun: None) -> None:
    with capture() as run:
        hooked_agent_left_open()
        RerunMiss("llm:openai.chat#3: no recorded answer")  # made, as every stop is, just before it is raised
    stopped = {"ended_by": ENDED_BY_STOP}
    assert span_ends(run.events) == [("forecaster", "failed", stopped, None), ("crew", "failed", stopped, None)]
    assert run.events[-1]["event_type"] == "run_end"


def test_a_rerun_that_ends_without_a_stop_leaves_its_open_spans_open(capture: Any, rerun: None) -> None:
    with capture() as run:
        hooked_agent_left_open()
    assert span_ends(run.events) == []


def test_a_stop_made_while_no_rerun_runs_the_app_ends_no_span(capture: Any) -> None:
    with capture() as run:
        hooked_agent_left_open()
        RerunMiss("made by a rerun elsewhere in this process")
    assert span_ends(run.events) == []


def test_a_span_ended_before_the_stop_keeps_its_own_end(capture: Any, rerun: None) -> None:
    tracer = get_tracer()
    with capture() as run:
        hooked_agent_left_open()
        tool = tracer.start_span("tool", "get_weather", "tool_call")
        tracer.end_span(tool, result="light rain, 14 C")
        RerunMiss("llm:openai.chat#3: no recorded answer")
    assert [(name, status) for name, status, _, _ in span_ends(run.events)] == \
        [("get_weather", "completed"), ("forecaster", "failed"), ("crew", "failed")]


def test_the_run_stops_listening_for_stops_when_it_ends(capture: Any, rerun: None) -> None:
    before = list(STOP_LISTENERS)
    with capture():
        assert len(STOP_LISTENERS) == len(before) + 1
    assert STOP_LISTENERS == before
