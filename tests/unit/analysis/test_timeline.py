"""The timeline's axis: from the earliest moment seen to the latest, whatever order the clock gave them."""

from __future__ import annotations

from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.spans import build_tree
from namel3ss_debug.analysis.timeline import timeline


def test_an_end_stamped_before_every_start_still_gives_a_timeline():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 5)
    trace.run_end()
    trace.events[-1]["ts"] = "2026-11-22T09:00:00.000000Z"  # the clock went back an hour
    line = timeline(build_tree(trace.events))
    assert line.start_ts is None and line.total_ms >= 3_600_000 and len(line.bars) >= 2


def test_the_axis_starts_at_the_first_start():
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "x", 5)
    trace.run_end()
    line = timeline(build_tree(trace.events))
    assert line.start_ts == trace.events[0]["ts"]
