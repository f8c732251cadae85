"""The rerun's `fallback` seam (bisect's): a call that would miss after parting is answered by the fallback,
as a mock is; with no fallback, or one that has no answer, it misses."""

from __future__ import annotations

from typing import Any

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import trace_llm_call, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.rerun.answers import from_value

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@trace_llm_call(name="chat")
def chat(prompt: str) -> str:
    return "Paris"


@trace_tool_call(name="weather")
def weather(city: str) -> str:
    raise AssertionError("a tool body never runs in these reruns")


def app() -> str:
    return weather(chat("Which city?"))


def recorded() -> list[dict[str, Any]]:
    @trace_tool_call(name="weather")
    def real_weather(city: str) -> str:
        return "rain, 11 C"

    _, events = record(lambda: real_weather(chat("Which city?")))
    return events


LISBON = {"llm:chat#1": Mock(parse_key("llm:chat#1"), "Lisbon", "test")}


def test_a_call_that_would_miss_after_parting_is_answered_by_the_fallback():
    asked: list[str] = []

    def fallback(live: Any, codec: Any, generator: bool) -> Any:
        asked.append(live.key)
        return from_value("mocked", "sunny, 24 C", codec, None, generator) if live.key == "tool:weather#1" else None

    result, _, session = rerun(recorded(), app, mocks=LISBON, fallback=fallback)
    assert result == "sunny, 24 C"
    assert asked == ["tool:weather#1"]  # weather(Lisbon) asks something else than the recorded weather(Paris)
    assert session.tally.counts["mocked"] == 2


def test_without_a_fallback_answer_the_call_misses():
    result, _, session = rerun(recorded(), app, mocks=LISBON, fallback=lambda live, codec, generator: None)
    assert isinstance(result, RerunMiss)
    assert session.tally.misses[0].call == "tool:weather#1"
