"""One big run read in parts (`split_run.py`, `part_tally.py`, `join.py`, `diagnosis/parts/join.py`) gives the
report one pass gives, byte for byte, and leaves the diagnosis's collector as one pass leaves it, wherever the cuts
fall: on the golden answers' traces, on random runs holding every figure and every clue of the diagnosis, on broken
copies of them (lines dropped, repeated, swapped, reparented, failed, renumbered), at 200 random cuts and more."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from support.analysisruns import random_run
from support.diagnosisruns import talking_run
from support.splitruns import (Source, broken, cuts_checked, golden_lines, options, parted, part_of, read_back, whole,
                               written)
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.join import join
from namel3ss_debug.analysis.split_run import SkippedPart
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.store.reader import LineRange

GOLDEN = sorted((Path(__file__).parents[2] / "golden" / "answers" / "traces").glob("*.jsonl"))


def check_cuts(tmp_path, events, rng, times):
    """`times` random sets of cuts in a file of `events`: each read in parts gives one pass's report. Returns the
    parts joined."""
    return cuts_checked(tmp_path, events, rng, times, lambda path: whole(read_back(path)), parted)


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_a_golden_run_read_in_parts_is_read_as_one_pass_reads_it(path, tmp_path):
    check_cuts(tmp_path, golden_lines(path), random.Random(path.stem), 16)  # 13 runs: 208 sets of 1 to 5 cuts


@pytest.mark.parametrize("seed", range(8))
def test_a_random_run_read_in_parts_is_read_as_one_pass_reads_it(seed, tmp_path):
    assert check_cuts(tmp_path, random_run(seed).events, random.Random(seed), 12)  # parts were joined


@pytest.mark.parametrize("seed", range(10))
def test_a_broken_run_read_in_parts_is_read_as_one_pass_reads_it(seed, tmp_path):
    rng = random.Random(seed)
    for _ in range(12):
        events = broken(random_run(rng.randrange(100)).events, rng)
        check_cuts(tmp_path, events, rng, 3)


@pytest.mark.parametrize("seed", range(10))
def test_a_talking_run_read_in_parts_is_diagnosed_as_one_pass_diagnoses_it(seed, tmp_path):
    """Runs of what the diagnosis reads (`talking_run`), whole and broken: 10 x 8 runs, 4 sets of cuts each."""
    rng = random.Random(seed)
    joined = 0
    for number in range(8):
        events = talking_run(seed * 100 + number).events
        joined += check_cuts(tmp_path, broken(events, rng) if number % 2 else events, rng, 4)
    assert joined  # parts were joined, their agents judged at the join

def one_cut(tmp_path, events, cut):
    path, starts = written(tmp_path, events)
    span = LineRange(starts[cut], starts[-1], cut + 1)
    return path, starts, span, part_of(path, starts, span)


def test_a_part_stops_at_the_first_record_under_a_span_open_at_its_cut(tmp_path):
    events = random_run(3).events
    inside = next(at for at, event in enumerate(events) if event["event_type"] == "agent_turn_start") + 1
    _, _, span, told = one_cut(tmp_path, events, inside)
    part, stopped = told
    assert (stopped.offset, stopped.line) == (span.start, inside + 1)  # the turn's first call: under the turn
    assert part.run.events == 0


def test_the_join_refuses_a_part_cut_after_a_failed_request_and_the_run_is_read_as_one_pass_reads_it(tmp_path):
    for seed in range(200):
        events = random_run(seed).events
        after = [at + 1 for at, event in enumerate(events[:-1]) if event["event_type"] == "agent_execution_end"
                 and event["status"] == "failed" and events[at + 1]["event_type"] == "agent_execution_start"]
        if after:
            break
    cut = after[0]
    path, starts, _, (part, _) = one_cut(tmp_path, events, cut)
    assert part.run.events > 0  # the part tallied the next request, on a root whose last child had not failed
    before = Tally(options())
    before.begin_source(Source())
    before.feed(read_back(path)[:cut])
    assert join(before, part) is False  # a retry of the failed request would be decided on it
    assert before.run.events == cut  # refused, nothing is changed
    assert parted(path, starts, [cut]) == (whole(read_back(path)), 0)


def test_a_part_cut_between_requests_is_joined_up_to_the_runs_end(tmp_path):
    events = random_run(3).events
    cut = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start" and at > 2)
    path, starts, span, (part, stopped) = one_cut(tmp_path, events, cut)
    assert read_back(path)[stopped.line - 1].event_type == "run_end"  # the root's end: the asking process's
    assert starts[stopped.line - 1] == stopped.offset
    assert parted(path, starts, [cut]) == (whole(read_back(path)), 1)


def test_a_part_whose_head_is_of_another_run_adds_nothing(tmp_path):
    one = random_run(1).events
    other = [{**event, "run_id": "other"} for event in random_run(2).events]
    path, starts, _, told = one_cut(tmp_path, other[:3] + one, 3 + len(one) // 2)
    assert isinstance(told, SkippedPart)  # its head holds two runs: which one the cut is in, it cannot tell
    assert parted(path, starts, [3 + len(one) // 2]) == (whole(read_back(path)), 0)


def test_a_request_numbered_as_the_last_ones_end_is_not_read_as_following_it(tmp_path):
    """A broken file: the request after the cut starts with the seq of the previous request's end. One pass does
    not chain it after that request (`critical.py`: a child follows one that ended before it started)."""
    events = random_run(4).events
    at = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start" and at > 2)
    events[at]["seq"] = events[at - 1]["seq"]
    path, starts = written(tmp_path, events)
    assert parted(path, starts, [at])[0] == whole(read_back(path))


def requests_then(tmp_path, after):
    """A run of two requests (agents under the root, one after the other), then what `after(trace)` writes, then
    its end; with the index of the line `after` began at, where the run is cut."""
    trace = TraceBuilder()
    trace.run_start()
    for name in ("a", "b"):
        agent = trace.start("agent", name)
        trace.span("tool", "search", 20, agent, inputs={"q": name})
        trace.end(agent, 30)
    cut = len(trace.events)
    after(trace)
    trace.run_end()
    path, starts = written(tmp_path, trace.events)
    return path, starts, cut


def test_requests_overlapping_after_a_cut_and_one_still_open_at_the_next_are_read_as_one_pass_reads_them(tmp_path):
    """Two requests at once under the root: the first ends at the second cut while the other is open. The root's
    path is then the general one (`critical.py`), which a part does not continue from the cut's: its join refuses."""
    def overlapping(trace):  # c and d at once; e starts after c ended, while d runs: its path goes through c's
        one, two = trace.start("agent", "c"), trace.start("agent", "d")
        trace.span("tool", "search", 40, one)
        trace.end(one, 40)
        three = trace.start("agent", "e")
        trace.end(two, 60)
        trace.span("tool", "fetch", 90, three)
        trace.end(three, 95)

    path, starts, cut = requests_then(tmp_path, overlapping)
    want = whole(read_back(path))
    assert parted(path, starts, [cut, cut + 5])[0] == want  # the second cut: e's start
    assert parted(path, starts, [cut])[0] == want


def test_an_error_reported_after_the_cut_that_failed_a_call_before_it_is_counted_once(tmp_path):
    """A tool failed before the cut, its agent went on; the error is reported right after the cut. One pass counts
    it once (the report is of the error that just failed a span): the part, which cannot know, is refused."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "a")
    trace.span("tool", "search", 20, agent, status="failed", error=error("KeyError", "'id'"))
    trace.end(agent, 30)
    cut = len(trace.events)
    trace.instant("error_occurred", "app", "KeyError", status="failed", error=error("KeyError", "'id'"))
    agent = trace.start("agent", "b")
    trace.span("tool", "search", 20, agent)
    trace.end(agent, 30)
    trace.run_end()
    path, starts = written(tmp_path, trace.events)
    assert parted(path, starts, [cut])[0] == whole(read_back(path))


def test_a_span_id_used_before_the_cut_and_again_after_it_is_a_duplicate(tmp_path):
    def again(trace):  # a third request, under the first one's span id
        first, agent = trace.events[1]["span_id"], trace.start("agent", "c")
        trace.span("tool", "search", 20, agent)
        trace.end(agent, 30)
        for event in trace.events[-4:]:
            event.update({name: first for name in ("span_id", "parent_id") if event.get(name) == agent})

    path, starts, cut = requests_then(tmp_path, again)
    want = whole(read_back(path))
    assert '"duplicate_ids": 1' in want
    assert parted(path, starts, [cut])[0] == want
