"""Breakpoints: each target form, conditions, and the hit rule (enabled, condition, ignore, temporary)."""

from __future__ import annotations

import pytest
from support.replayfactory import agent_run

from namel3ss_debug.replay.breakpoints import BreakpointError, BreakpointTable
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.replay.engine import ReplayEngine
from namel3ss_debug.replay.expr import ExprError


@pytest.fixture
def engine() -> ReplayEngine:
    return ReplayEngine(timeline_of(agent_run()))


def stops(engine: ReplayEngine, *specs: str) -> list[int]:
    """The seqs `continue` stops at, from the start to the end of the run."""
    for spec in specs:
        engine.breakpoints.add(spec)
    seqs = []
    while True:
        stop = engine.cont()
        if stop.reason == "end":
            return seqs
        seqs.append(stop.seq)


@pytest.mark.parametrize(("spec", "expected"), [
    ("llm_call_end", [4, 17]),                  # an event type
    ("llm", [3, 16]),                           # a component: the starts of its calls
    ("memory", [9]),                            # a component's instant events
    ("tool:search", [7, 10, 13]),               # component:name
    ("tool:search#2", [10]),                    # the N-th call
    ("tool:sea*", [7, 10, 13]),                 # a pattern
    ("search", [7, 10, 13]),                    # a name, whatever the component
    ("@12", [12]),                              # one event
    ("errors", [11]),                           # failed events and error events
    ("agent:researcher#3", [6]),
])
def test_each_target_form_stops_where_the_trace_says(engine, spec, expected):
    assert stops(engine, spec) == expected


def test_errors_also_stops_at_error_events():
    events = agent_run()
    events[12] = {**events[12], "event_type": "error_occurred", "status": "completed"}
    assert stops(ReplayEngine(timeline_of(events)), "errors") == [11, 12]


@pytest.mark.parametrize(("spec", "expected"), [
    ("llm if duration_ms > 1000", [16]),                       # a start reads its end's duration
    ("llm if usage.total_tokens > 100 and model == 'gpt-4o-mini'", [16]),
    ("tool if inputs.query == 'b'", [10, 13]),
    ("tool if 'timed out' in error.message", [10]),
    ("tool_call_end if status != 'completed'", [11]),
    ("tool if outputs[0] == 'https://b.example'", []),          # outputs are {"return": [...]}
    ("tool if outputs['return'][0] == 'https://b.example'", [13]),
    ("llm if nothing.here > 1", []),                            # a missing field is false, not an error
])
def test_a_condition_stops_only_where_it_holds(engine, spec, expected):
    assert stops(engine, spec) == expected


def test_a_temporary_breakpoint_is_deleted_at_its_first_stop(engine):
    engine.breakpoints.add("tool:search", temporary=True)
    first = engine.cont()
    assert (first.seq, first.breakpoints, engine.breakpoints.items, engine.cont().reason) == (7, (1,), {}, "end")


def test_an_ignore_count_lets_that_many_hits_pass_and_hits_count_them(engine):
    breakpoint = engine.breakpoints.add("tool:search")
    breakpoint.ignore = 2
    assert (engine.cont().seq, breakpoint.hits, breakpoint.ignore) == (13, 3, 0)


def test_a_disabled_breakpoint_does_not_stop(engine):
    engine.breakpoints.add("tool:search").enabled = False
    assert stops(engine, "memory") == [9]


def test_two_breakpoints_on_one_event_are_both_reported(engine):
    engine.breakpoints.add("tool:search#2")
    engine.breakpoints.add("tool")
    engine.cont()
    assert engine.cont().breakpoints == (1, 2)


def test_a_condition_can_be_changed_and_removed(engine):
    table = engine.breakpoints
    table.add("tool:search")
    table.condition(1, "inputs.query == 'b'")
    assert engine.cont().seq == 10
    table.condition(1, None)
    assert (table.items[1].condition, table.items[1].describe()) == (None, "tool:search")


@pytest.mark.parametrize(("spec", "message", "hint"), [
    ("tool:serch", "no recorded call matches tool:serch", "tool:search"),
    ("tool:search#4", "called 3 times, so there is no #4", "#1 .. #3"),
    ("tool:search#0", "a call number is # and a number from 1", None),
    ("validation", "the run has no validation events", "components in this run"),
    ("llm_call_strat", "not an event type, component or name", "llm_call_start"),
    ("@99", "no event with seq 99", "18, 19"),
    ("@x", "a position is @ and a seq number", None),
    ("llm when x", "expected `if CONDITION`", None),
])
def test_a_target_that_can_never_stop_is_an_error_with_the_nearest_candidates(engine, spec, message, hint):
    with pytest.raises(BreakpointError) as caught:
        engine.breakpoints.add(spec)
    assert message in caught.value.message and (hint is None or hint in str(caught.value.hint))


def test_a_bad_condition_points_at_its_column_in_the_command_line(engine):
    with pytest.raises(ExprError) as caught:
        engine.breakpoints.add("llm if duration_ms >", column=3)  # as typed after "b "
    assert (caught.value.column, "expected a value" in caught.value.reason) == (23, True)


def test_python_in_a_condition_is_a_parse_error(engine):
    with pytest.raises(ExprError):
        engine.breakpoints.add('llm if __import__("os").system("id")')
    assert engine.breakpoints.items == {}


def test_an_empty_condition_is_an_error(engine):
    with pytest.raises(ExprError, match="condition is missing"):
        engine.breakpoints.add("llm if")


def test_numbers_go_on_after_a_deletion_and_a_wrong_number_names_the_known_ones(engine):
    table: BreakpointTable = engine.breakpoints
    table.add("llm")
    table.add("tool")
    table.remove(1)
    with pytest.raises(BreakpointError) as caught:
        table.get(1)
    assert (table.add("memory").number, caught.value.hint) == (3, "breakpoints: 2")


def test_hits_count_every_time_the_target_is_reached_whatever_the_condition_as_in_pdb(engine):
    breakpoint = engine.breakpoints.add("tool:search if inputs.query == 'b'")
    assert (engine.cont().seq, breakpoint.hits) == (10, 2)  # search#1 was reached (condition false), then #2


def test_an_ignore_count_passes_only_hits_whose_condition_holds(engine):
    breakpoint = engine.breakpoints.add("tool:search if inputs.query == 'b'")
    breakpoint.ignore = 1
    assert (engine.cont().seq, breakpoint.hits, breakpoint.ignore) == (13, 3, 0)
