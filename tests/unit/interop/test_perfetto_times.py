"""Perfetto export of times the timeline cannot hold: a duration of 1e308 ms (an OverflowError before), negative,
NaN or 10^400; a time in the year 1 or 9999, or no time. No exception: a duration is cut where the timeline
ends or ignored, an event out of range is left out, and each kind is said once with its first seqs."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.interop.perfetto import write_perfetto
from namel3ss_debug.interop.perfetto_time import LAST_US, duration_us, placeable
from namel3ss_debug.otel.spans import SpanConverter, time_ns


def one_call(**end: Any) -> list[dict[str, Any]]:
    """run > llm plan (5 ms), the plan's end event given `end` (its duration_ms, its ts)."""
    trace = TraceBuilder()
    trace.run_start()
    span = trace.start("llm", "plan")
    trace.end(span, 5.0)
    trace.run_end()
    events = [dict(event) for event in trace.events]
    events[2].update(end)
    return events


def export(events: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    out, warnings = io.BytesIO(), []
    write_perfetto(events, out, warnings.append)
    return json.loads(out.getvalue()), warnings


def plan_slice(document: dict[str, Any]) -> dict[str, Any]:
    return next(item for item in document["traceEvents"] if item["ph"] == "X" and item["name"] == "llm:plan")


@pytest.mark.parametrize("duration", [1e308, 1.7976931348623157e308, 10**400])
def test_a_duration_past_the_timeline_is_cut_where_it_ends(duration):
    document, warnings = export(one_call(duration_ms=duration))
    item = plan_slice(document)
    assert item["ts"] + item["dur"] == LAST_US
    assert warnings == ["perfetto: 1 span whose duration ran past 2262-04-11 was cut there (seq 2)"]


@pytest.mark.parametrize("duration", [-5.0, float("nan"), float("inf"), float("-inf"), "slow", True])
def test_a_duration_that_is_no_duration_ends_the_span_at_its_end_event(duration):
    document, warnings = export(one_call(duration_ms=duration))
    assert plan_slice(document)["dur"] == 5000  # its end event is 5 ms after its start
    assert warnings == ["perfetto: 1 span end whose duration_ms is not a number >= 0 ends at its end event's time "
                        "(seq 2)"]


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00.000000Z", "1969-12-31T23:59:59.999999Z",
                                "9999-12-31T23:59:59.999999Z", "2262-04-12T00:00:00.000000Z"])
def test_an_event_at_a_time_the_timeline_cannot_hold_is_left_out(ts):
    document, warnings = export(one_call(ts=ts))
    assert plan_slice(document)["args"].get("unclosed") is True  # its end was left out
    assert warnings == ["perfetto: 1 event at a time the timeline cannot hold (before 1970 or after 2262-04-11) was "
                        "left out (seq 2)"]


@pytest.mark.parametrize("ts", ["99999-01-01T00:00:00Z", 1e308, None, "2026-11-22T10:00:00"])
def test_an_event_with_no_time_is_left_out_and_said(ts):
    _, warnings = export(one_call(ts=ts))
    assert warnings == ["perfetto: 1 event whose ts is not an ISO 8601 time with a zone was left out (seq 2)"]


def test_many_problems_are_one_line_with_the_first_seqs():
    events = one_call()
    for number in range(8):
        events.insert(1, dict(events[0], seq=100 + number, event_type="custom_mark", ts="0001-01-01T00:00:00Z"))
    _, warnings = export(events)
    assert warnings == ["perfetto: 8 events at times the timeline cannot hold (before 1970 or after 2262-04-11) were "
                        "left out (seq 107, 106, 105, 104, 103, ...)"]


def test_the_range_and_the_durations():
    assert placeable(0) and placeable(LAST_US) and not placeable(-1) and not placeable(LAST_US + 1)
    assert (duration_us(1.5), duration_us(0), duration_us(-1), duration_us(float("nan"))) == (1500, 0, None, None)
    assert duration_us(1e308) > LAST_US


# ---------------------------------------------------------------- OTLP: unsigned 64-bit nanoseconds


@pytest.mark.parametrize("ts", ["1969-12-31T23:59:59.999999Z", "2554-07-22T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_an_otlp_time_outside_its_range_is_no_time(ts):
    assert time_ns(ts) is None


@pytest.mark.parametrize("duration", [1e308, float("nan"), float("inf"), -5.0, 10**400])
def test_an_otlp_end_without_its_start_and_without_a_usable_duration_starts_at_its_end(duration):
    end = {"run_id": "r", "event_type": "llm_call_end", "span_id": "a", "parent_id": None, "status": "completed",
           "ts": "2026-01-01T00:00:00.000000Z", "duration_ms": duration, "component": "llm", "name": "x"}
    (span,) = SpanConverter().feed(end)
    assert span.start_ns == span.end_ns == time_ns("2026-01-01T00:00:00.000000Z")
