"""--since/--until bounds, durations, and the window they make over a run's records."""

from __future__ import annotations

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.fields import run_start_ts
from namel3ss_debug.analysis.window import EventWindow, parse_bound, parse_duration_ms
from namel3ss_debug.model.errors import TraceError, UsageError
from namel3ss_debug.store.records import record_from_dict


@pytest.mark.parametrize("text, at", [
    ("2026-11-22T09:04:28", "2026-11-22T09:04:28.000000Z"),
    ("2026-11-22 09:04:28.5+01:00", "2026-11-22T08:04:28.500000Z"),
    ("2026-11-22T09:04:28Z", "2026-11-22T09:04:28.000000Z"),
])
def test_moments_become_utc_timestamp_text(text, at):
    assert parse_bound(text, "--since").at == at


def test_offsets_resolve_against_the_run_start():
    assert parse_bound("+1h30m", "--since").resolve("2026-11-22T09:00:00.000000Z") == "2026-11-22T10:30:00.000000Z"
    assert parse_bound("+250ms", "--since").resolve("2026-11-22T09:00:00.000000Z") == "2026-11-22T09:00:00.250000Z"


@pytest.mark.parametrize("text", ["yesterday", "+", "+5x", "2026-13-01"])
def test_bad_bounds_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_bound(text, "--since")


@pytest.mark.parametrize("text, ms", [("500", 500), ("500ms", 500), ("1.5s", 1500), ("2m", 120_000), ("1h", 3_600_000)])
def test_durations_in_ms(text, ms):
    assert parse_duration_ms(text, "--x") == ms


def test_a_bad_duration_is_a_usage_error():
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration_ms("soon", "--x")


def test_offsets_count_from_the_run_start_a_segment_carries_not_from_the_segment_itself():
    trace = TraceBuilder()
    trace.event("segment_start", "app", "seg", "00000000000000ff", None, "completed",
                attrs={"run_started": "2026-11-22T09:59:59.500000Z"})
    trace.run_start()
    trace.advance(500)
    trace.span("tool", "x", 10)
    window = EventWindow(until=parse_bound("+1s", "--until"))
    kept = [e["event_type"] for e in trace.events if window(record_from_dict(e)[0])]
    assert kept == ["segment_start", "run_start"]  # the span starts at 10:00:00.5: not before 09:59:59.5 + 1 s


def test_components_filter():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 1)
    window = EventWindow(components=frozenset({"tool"}))
    assert [window(record_from_dict(e)[0]) for e in trace.events] == [False, True, True]


def test_a_run_start_that_is_not_a_time_falls_back_to_the_events_own_time():
    trace = TraceBuilder()
    trace.event("segment_start", "app", "seg", "00000000000000ff", None, "completed", attrs={"run_started": "x"})
    window = EventWindow(until=parse_bound("+1s", "--until"))
    assert window(record_from_dict(trace.events[0])[0]) is True


def test_an_offset_against_a_run_whose_times_are_not_times_is_a_trace_error():

    trace = TraceBuilder()
    trace.event("run_start", "app", "a", "0000000000000001", None, "started")
    trace.events[0]["ts"] = "yesterday"
    with pytest.raises(TraceError, match="cannot place \\+1s"):
        EventWindow(until=parse_bound("+1s", "--until"))(record_from_dict(trace.events[0])[0])


def test_a_run_start_without_a_zone_is_no_anchor_as_in_inspect():

    trace = TraceBuilder()
    trace.event("segment_start", "app", "seg", "00000000000000ff", None, "completed",
                attrs={"run_started": "2020-01-01T00:00:00"})
    window = EventWindow(until=parse_bound("+1s", "--until"))
    assert window(record_from_dict(trace.events[0])[0]) is True  # counted from the event's own time
    assert run_start_ts(trace.events[0]) == trace.events[0]["ts"]
