"""A rerun that parted from its recording (a mock, a replacement, a call run live) answers a later call from
the recording only when it asks what its recorded twin asked; `strict` does so from the first call."""

from __future__ import annotations

from typing import Any

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.rerun.answerer import Decision, PendingCall

pytestmark = pytest.mark.usefixtures("isolated_workspace")

WEATHER = {"Paris": "rain, 11 C", "Lisbon": "sunny, 24 C"}


def mocks(**values: Any) -> dict[str, Mock]:
    return {key: Mock(parse_key(key), value, "test") for key, value in values.items()}


class Trip:
    """A model that picks a city, a tool that reads its weather, the model that answers from it; and a
    call that asks the same every time (`greet`). Counts what really ran."""

    def __init__(self) -> None:
        self.model_calls = 0
        self.tool_calls = 0

        @trace_llm_call(name="chat")
        def chat(prompt: str) -> str:
            self.model_calls += 1
            return "Paris" if prompt.startswith("Which") else f"pack for: {prompt.split(': ', 1)[1]}"

        @trace_tool_call(name="weather")
        def weather(city: str) -> str:
            self.tool_calls += 1
            return WEATHER[city]

        @trace_llm_call(name="greet")
        def greet(name: str) -> str:
            self.model_calls += 1
            return f"hello {name} #{self.model_calls}"

        @trace_agent_execution(name="trip")
        def app() -> tuple[str, str]:
            city = chat("Which city?")
            answer = chat(f"Weather there: {weather(city)}")
            return answer, greet("ann")

        self.app = app


def test_after_a_mock_a_call_that_asks_otherwise_misses_and_names_what_differs() -> None:
    trip = Trip()
    _, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    result, _, session = rerun(events, trip.app, mocks=mocks(**{"llm:chat#1": "Lisbon"}))
    assert isinstance(result, RerunMiss)
    assert (session.parted, session.parted_how) == ("llm:chat#1", "mocked")
    miss = session.tally.misses[0]
    assert miss.call == "tool:weather#1"
    assert miss.why == ("it asks something else than tool:weather#1, recorded here (city: recorded 'Paris', this "
                        "call 'Lisbon'), and the rerun parted from the recording at llm:chat#1 (mocked)")
    assert miss.candidates[0].key == "tool:weather#1"
    assert trip.tool_calls == 0 and trip.model_calls == 0


def test_after_a_mock_a_later_llm_call_that_asks_otherwise_misses() -> None:
    trip = Trip()
    _, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    result, _, session = rerun(events, trip.app,
                               mocks=mocks(**{"llm:chat#1": "Lisbon", "tool:weather#1": "sunny, 24 C"}))
    assert isinstance(result, RerunMiss)
    miss = session.tally.misses[0]
    assert miss.call == "llm:chat#2"
    assert "prompt: recorded 'Weather there: rain, 11 C', this call 'Weather there: sunny, 24 C'" in miss.why
    assert session.tally.counts == {"mocked": 2}
    assert trip.model_calls == 0


def test_a_call_that_asks_the_same_is_still_answered_after_parting() -> None:
    trip = Trip()
    recorded, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    # the tool runs for real with Paris's weather mocked to what it was: chat#2 then asks what it asked
    result, new_events, session = rerun(events, trip.app, mocks=mocks(**{"tool:weather#1": "rain, 11 C"}))
    assert result == recorded
    assert session.parted == "tool:weather#1"
    assert session.tally.counts == {"recorded": 3, "mocked": 1}
    assert trip.model_calls == 0
    end = next(e for e in new_events if e["event_type"] == "run_end")
    assert end["attrs"]["parted"] == {"call": "tool:weather#1", "how": "mocked"}


def test_after_parting_a_changed_call_runs_live_under_on_miss_live() -> None:
    trip = Trip()
    _, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    result, _, session = rerun(events, trip.app, on_miss="live", mocks=mocks(**{"llm:chat#1": "Lisbon"}))
    assert result[0] == "pack for: sunny, 24 C"  # never the recorded "pack for: rain, 11 C"
    assert trip.tool_calls == 1 and trip.model_calls == 1  # the weather and chat#2 ran; greet was answered
    assert session.tally.counts == {"mocked": 1, "live": 2, "recorded": 1}


def test_before_parting_a_call_is_matched_by_place_as_before() -> None:
    trip = Trip()
    _, events = record(trip.app)
    result, new_events, session = rerun(events, trip.app)
    assert session.parted is None and not session.tally.misses
    end = next(e for e in new_events if e["event_type"] == "run_end")
    assert "parted" not in end["attrs"]


def test_a_call_run_live_parts_the_run() -> None:
    trip = Trip()
    _, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    # the weather tool runs live (a tool the recording has no twin for here: it is not recorded at all)
    events = [e for e in events if e.get("component") != "tool"]
    result, _, session = rerun(events, trip.app, on_miss="live")
    assert (session.parted, session.parted_how) == ("tool:weather#1", "live")
    assert result[0] == "pack for: rain, 11 C"  # chat#2 asks what it asked: answered from the recording
    assert trip.model_calls == 0


def test_strict_matches_from_the_first_call() -> None:
    trip = Trip()
    _, events = record(trip.app)
    for event in events:  # the recorded chat#2 asked something else than the app asks now
        if event["event_type"] == "llm_call_start" and event["inputs"].get("prompt", "").startswith("Weather"):
            event["inputs"] = {**event["inputs"], "prompt": "Weather there: fog, 3 C"}
    result, _, session = rerun(events, trip.app, strict=True)
    assert isinstance(result, RerunMiss)
    assert session.parted is None
    miss = session.tally.misses[0]
    assert miss.call == "llm:chat#2"
    assert "strict matching answers only a call that asks what the recording's asked" in miss.why


def test_a_tool_run_again_that_returns_otherwise_parts_the_run_and_the_next_call_misses() -> None:
    trip = Trip()
    _, events = record(trip.app)
    WEATHER["Paris"] = "hail, 2 C"  # the tool, fixed or broken, now returns something else
    try:
        result, _, session = rerun(events, trip.app, live_tools=True)
    finally:
        WEATHER["Paris"] = "rain, 11 C"
    assert isinstance(result, RerunMiss)  # never the recorded "pack for: rain, 11 C", a stale answer
    assert (session.parted, session.parted_how) == ("tool:weather#1", "live")
    miss = session.tally.misses[0]
    assert miss.call == "llm:chat#2" and "hail, 2 C" in miss.why
    assert "the rerun parted from the recording at tool:weather#1 (live)" in miss.why
    assert session.tally.counts == {"recorded": 1, "reran": 1}


def test_a_tool_run_again_that_returns_what_was_recorded_does_not_part_the_run() -> None:
    trip = Trip()
    _, events = record(trip.app)
    result, new_events, session = rerun(events, trip.app, live_tools=True)
    assert result[0] == "pack for: rain, 11 C" and session.parted is None
    assert session.tally.counts == {"recorded": 3, "reran": 1}
    assert "parted" not in next(e for e in new_events if e["event_type"] == "run_end")["attrs"]


def test_part_keeps_the_first_parting() -> None:
    trip = Trip()
    _, events = record(trip.app)
    _, _, session = rerun(events, lambda: None)
    session.part("llm:chat#2", "forked")
    session.part("tool:weather#1", "mocked")
    assert (session.parted, session.parted_how) == ("llm:chat#2", "forked")
    assert session.end_attrs() == {"parted": {"call": "llm:chat#2", "how": "forked"}}


class Console:
    """A stepper that runs live each call the recording cannot answer (`live` at the console), or accepts it."""

    errors = 0

    def __init__(self, on_a_miss: str) -> None:
        self.on_a_miss = on_a_miss
        self.shown: list[str | None] = []

    def decide(self, call: PendingCall) -> Decision:
        self.shown.append(call.miss)
        return Decision(self.on_a_miss if call.miss is not None else "accept")


def test_live_at_the_console_runs_a_call_that_misses_after_parting() -> None:
    trip = Trip()
    _, events = record(trip.app)
    trip.model_calls = trip.tool_calls = 0
    console = Console("live")
    result, _, session = rerun(events, trip.app, stepper=console, mocks=mocks(**{"llm:chat#1": "Lisbon"}))
    assert result[0] == "pack for: sunny, 24 C"
    assert session.tally.counts == {"mocked": 1, "live": 2, "recorded": 1} and not session.tally.misses
    assert console.shown[1] is not None and "city: recorded 'Paris', this call 'Lisbon'" in console.shown[1]


def test_accepting_a_call_that_misses_after_parting_stops_the_run() -> None:
    trip = Trip()
    _, events = record(trip.app)
    result, _, session = rerun(events, trip.app, stepper=Console("accept"), mocks=mocks(**{"llm:chat#1": "Lisbon"}))
    assert isinstance(result, RerunMiss)
    assert [miss.call for miss in session.tally.misses] == ["tool:weather#1"]


def test_a_tool_run_again_whose_result_was_recorded_redacted_returned_what_was_recorded() -> None:
    key = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0k1L2" * 2

    @trace_tool_call(name="token")
    def token() -> str:
        return key

    @trace_llm_call(name="chat")
    def chat(prompt: str) -> str:
        return f"used {len(prompt)} characters"

    @trace_agent_execution(name="keys")
    def app() -> str:
        return chat(f"call with {token()}")

    _, events = record(app)
    assert key not in str(events)  # recorded redacted
    result, _, session = rerun(events, app, live_tools=True)
    assert session.parted is None and session.tally.counts == {"recorded": 1, "reran": 1}  # judged as recorded
