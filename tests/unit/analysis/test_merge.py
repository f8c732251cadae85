"""A run read in two halves side by side gives the report a single pass gives, or the merge refuses."""

from __future__ import annotations

import pytest
from analysisruns import random_run
from tracefactory import TraceBuilder

from namel3ss_debug.analysis import call_columns
from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis.merge import NotMergeable, merge, sendable
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.run_state import Boundary
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.ops.split import pipe
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store.records import record_from_dict

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


def halves_at(events, cut):
    root = events[0]["span_id"]
    return tally(events[:cut]), tally(events[cut:], Boundary(root, events[0].get("attrs")))


PACK_AND_JOIN = [(call_columns.pack_py, call_columns.join_py)]
if call_columns.join is not call_columns.join_py:
    PACK_AND_JOIN.append((call_columns.pack, call_columns.join))


@pytest.mark.parametrize("as_dicts", [False, True], ids=["counts as the pass keeps them", "counts in dicts"])
@pytest.mark.parametrize("pack, join", PACK_AND_JOIN)
@pytest.mark.parametrize("seed", range(6))
def test_the_join_of_call_identities_in_columns_is_the_join_of_the_dicts(seed, pack, join, as_dicts):
    """Counts, entries and their order, for every quiet cut of random runs (ties of first repeats included),
    against one pass over the whole run: the second half's identities packed in columns, then joined."""
    events = random_run(seed).events
    whole = tally(events)
    joined = 0
    for cut in quiet_cuts(events):
        first, second = halves_at(events, cut)
        if as_dicts:  # the reference's, or the compiled pass's CallCounts
            first.repeats, second.repeats = dict(first.repeats.items()), dict(second.repeats.items())
        columns = call_columns.empty_columns(len(second.repeats), len(second.repeated))
        assert pack(second.repeats, second.repeated, second.boundary.first_seen, columns)
        assert list(columns.keys) == list(second.repeats)
        join(first.repeats, first.repeated, columns)
        assert list(first.repeats.items()) == list(whole.repeats.items()), f"seed {seed}, cut at event {cut}"
        # the ms of repeats are summed in another order than one pass sums them: equal to the last bits
        assert [(key, entry[:3], pytest.approx(entry[3]), entry[4:]) for key, entry in first.repeated.items()] \
            == [(key, entry[:3], entry[3], entry[4:]) for key, entry in whole.repeated.items()], \
            f"seed {seed}, cut at event {cut}"
        joined += bool(second.repeated) and any(key in second.repeated for key in whole.repeated)
    assert joined


@pytest.mark.skipif(call_columns.join is call_columns.join_py, reason="the C pass is not built")
@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_columns_are_the_reference(seed):
    events = random_run(seed).events
    for cut in quiet_cuts(events):
        _, second = halves_at(events, cut)
        made = []
        for pack in (call_columns.pack, call_columns.pack_py):
            columns = call_columns.empty_columns(len(second.repeats), len(second.repeated))
            assert pack(second.repeats, second.repeated, second.boundary.first_seen, columns)
            made.append(columns)
        assert made[0] == made[1], f"seed {seed}, cut at event {cut}"


@pytest.mark.parametrize("pack", [pair[0] for pair in PACK_AND_JOIN])
def test_dicts_that_disagree_are_not_packed(pack):
    """The three dicts of a pass meet their identities in one order; if they do not, the halves are not merged."""
    events = random_run(3).events
    _, second = halves_at(events, quiet_cuts(events)[0])
    assert len(second.repeats) > 1
    repeats, first_seen = second.repeats, second.boundary.first_seen
    reordered = dict(reversed(list(first_seen.items())))
    fewer = dict(list(first_seen.items())[1:])
    for seen in (reordered, fewer):
        columns = call_columns.empty_columns(len(repeats), len(second.repeated))
        assert not pack(repeats, second.repeated, seen, columns)


def test_a_second_half_whose_calls_cannot_be_packed_is_refused():
    events = random_run(3).events
    first, second = halves_at(events, quiet_cuts(events)[0])
    second.boundary.first_seen = dict(reversed(list(second.boundary.first_seen.items())))
    with pytest.raises(NotMergeable, match="calls could not be put in columns"):
        merge(first, second)


def test_a_sent_second_half_holds_its_calls_in_columns_only():
    events = random_run(3).events
    cut = quiet_cuts(events)[0]
    _, second = halves_at(events, cut)
    sendable(second)
    assert (second.repeats, second.repeated, second.boundary.first_seen) == ({}, {}, {})
    first, _ = halves_at(events, cut)
    second.options = None  # as the other process sends it: the parent has its own
    receiver, sender = pipe.pipe()
    pipe.send(sender, second)
    sent = pipe.receive(receiver)
    sent.options = first.options
    assert isinstance(sent.boundary.calls, call_columns.CallColumns)
    merge(first, sent)
    assert report(first) == report(tally(events))


def test_an_error_escaping_after_the_cut_that_began_before_it_is_unhandled_or_refused():
    """A run that ends failed with the error of a span before the cut: the second half cannot say it is unhandled
    alone, so the merge either gives the one-pass answer (1 unhandled) or is refused."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "lookup", 3, status="failed", error={"type": "KeyError", "message": "'id'"})
    cut = len(trace.events)
    trace.run_end("failed")
    trace.events[-1]["error"] = {"type": "KeyError", "message": "'id'"}
    whole = report(tally(trace.events))
    assert (whole["errors"]["handled"], whole["errors"]["unhandled"]) == (0, 1)
    with pytest.raises(NotMergeable):
        split_report(trace.events, cut)
