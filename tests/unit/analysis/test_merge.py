"""A run read in two halves side by side gives the report a single pass gives, or the merge refuses."""

from __future__ import annotations

import pytest
from analysisruns import random_run

from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis import merge as merge_module
from namel3ss_debug.analysis.merge import NotMergeable, merge
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.run_state import Boundary
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.render.analyze.to_json import report_to_dict
from namel3ss_debug.store.records import record_from_dict
from tracefactory import TraceBuilder

PRICER = Pricer(file_prices={"m": {"input": 1.0, "output": 2.0}})


def records(events):
    return [record_from_dict(event)[0] for event in events]


def tally(events, boundary=None):
    result = Tally(Options(slow_threshold_ms=50, block_threshold_ms=30, context_window=lambda m: 1000),
                   boundary=boundary)
    result.begin("run", "run", ("run.jsonl",))
    result.feed(records(events))
    return result


def report(result):
    result.finish()
    return report_to_dict(build_report(result, PRICER))


def split_report(events, cut):
    root = events[0]["span_id"]
    first = tally(events[:cut])
    second = tally(events[cut:], Boundary(root, events[0].get("attrs")))
    merge(first, second)
    return report(first)


def quiet_cuts(events):
    """Just after each end of a child of the root: only the root is open there."""
    root = events[0]["span_id"]
    return [i + 1 for i, e in enumerate(events[:-1]) if e["event_type"].endswith("_end") and e["parent_id"] == root]


@pytest.mark.parametrize("seed", range(12))
def test_every_quiet_cut_gives_the_single_pass_report(seed):
    events = random_run(seed).events
    whole = report(tally(events))
    for cut in quiet_cuts(events):
        try:
            halves = split_report(events, cut)
        except NotMergeable:
            continue
        assert halves == whole, f"seed {seed}, cut at event {cut}"


def test_most_quiet_cuts_merge():
    merged = total = 0
    for seed in range(12):
        events = random_run(seed).events
        for cut in quiet_cuts(events):
            total += 1
            try:
                split_report(events, cut)
                merged += 1
            except NotMergeable:
                pass
    assert merged >= total * 0.6


def test_a_cut_inside_a_request_is_refused():
    events = random_run(1).events
    cut = next(i for i, e in enumerate(events) if e["event_type"] == "agent_turn_start")
    with pytest.raises(NotMergeable):
        split_report(events, cut + 1)


@pytest.mark.parametrize("seed", range(4))
def test_at_any_cut_the_merge_is_exact_or_refused(seed):
    events = random_run(seed + 100).events
    whole = report(tally(events))
    outcomes = []
    for cut in range(1, len(events)):
        try:
            outcomes.append(split_report(events, cut) == whole)
        except NotMergeable:
            continue
    assert outcomes and all(outcomes)


def test_calls_repeated_equally_often_come_in_the_order_a_single_pass_gives():
    """Ties in calls and time keep the order of first repeats: here Y repeats before X, though X came first."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "warm-up")
    trace.span("llm", "x", 10, agent, inputs={"q": 0})
    trace.end(agent, 20)
    cut = len(trace.events)
    agent = trace.start("agent", "helper")
    for q in (1, 2, 2, 1):
        trace.span("llm", "x" if q == 1 else "y", 10, agent, inputs={"q": q})
    trace.end(agent, 50)
    trace.run_end()
    whole = report(tally(trace.events))
    assert [r["name"] for r in whole["patterns"]["repeated_calls"]] == ["y", "x"]
    assert split_report(trace.events, cut) == whole


@pytest.mark.skipif(merge_module.merge_repeats is merge_module.merge_repeats_py, reason="the C pass is not built")
@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_join_of_call_counts_is_the_reference(seed):
    """Counts, entries and their order, for every quiet cut of random runs (ties of first repeats included)."""
    events = random_run(seed).events
    root = events[0]["span_id"]
    joined = 0
    for cut in quiet_cuts(events):
        states = []
        for join in (merge_module.merge_repeats, merge_module.merge_repeats_py):
            first, second = tally(events[:cut]), tally(events[cut:], Boundary(root, events[0].get("attrs")))
            join(first.repeats, second.repeats, first.repeated, second.repeated, second.boundary.first_seen)
            states.append((list(first.repeats.items()), list(first.repeated.items())))
        assert states[0] == states[1], f"seed {seed}, cut at event {cut}"
        joined += bool(states[0][1])
    assert joined
