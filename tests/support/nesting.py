"""Trees that nest (issue 78): every span of a trace within its parent's interval, in the order events were
written (`seq`) and in time (`ts`), and none ending after the run's unhandled error as if nothing had failed.

`assert_nested(events)` is what integrations/test_trees_nest.py holds every hooked framework's recording to,
integrations/test_langgraph_trees.py its LangGraph runs, and unit/transport/test_wire_agents.py its wire agents.
"""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]
NOT_SPANS = ("run_start", "run_end", "segment_start")


def span_intervals(events: list[Event]) -> dict[str, tuple[Event, Event | None]]:
    """Each span's (start, end) by span id, the run's root spanning `run_start` to `run_end`; end None when it
    has none."""
    ends = {e["span_id"]: e for e in events if e["event_type"].endswith("_end")}
    intervals: dict[str, tuple[Event, Event | None]] = {}
    for event in events:
        if event["event_type"] == "run_start" or (event["status"] == "started" and event["event_type"]
                                                  not in NOT_SPANS):
            intervals[event["span_id"]] = (event, ends.get(event["span_id"]))
    return intervals


def nesting_faults(events: list[Event]) -> list[str]:
    """What breaks the nesting, a line a fault: a span with no end, one that starts before its parent starts or
    ends after its parent ends (in seq or in time), and one open at the run's unhandled error that ends after
    it with a status other than `failed`."""
    intervals = span_intervals(events)
    faults: list[str] = []
    for start, end in intervals.values():
        label = f"{start['event_type']} {start['name']} (seq {start['seq']})"
        if end is None:
            faults.append(f"{label} never ends")
            continue
        parent = intervals.get(start.get("parent_id") or "")
        if parent is None:
            continue
        parent_start, parent_end = parent
        where = f"its parent {parent_start['event_type']} {parent_start['name']} (seq {parent_start['seq']}"
        if not parent_start["seq"] < start["seq"] or not parent_start["ts"] <= start["ts"]:
            faults.append(f"{label} starts before {where})")
        if parent_end is not None and (not end["seq"] < parent_end["seq"] or not end["ts"] <= parent_end["ts"]):
            faults.append(f"{label} ends at seq {end['seq']}, after {where}-{parent_end['seq']})")
    for error in (e for e in events if e["event_type"] == "error_occurred" and (e.get("attrs") or {}).get("unhandled")):
        for start, end in intervals.values():
            if end is not None and start["seq"] < error["seq"] < end["seq"] and end["event_type"] != "run_end" \
                    and end["status"] != "failed":
                faults.append(f"{start['event_type']} {start['name']} (seq {start['seq']}) ends {end['status']} "
                              f"at seq {end['seq']}, after the run's error (seq {error['seq']})")
    return faults


def assert_nested(events: list[Event]) -> None:
    """Every span within its parent's interval, none unended, none ending after its parent or after `run_end`,
    and none ending after the run's unhandled error with another status than `failed`."""
    faults = nesting_faults(events)
    assert not faults, "spans that do not nest:\n" + "\n".join(faults)
