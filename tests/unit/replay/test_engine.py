"""The engine's moves over the agent run of `replayfactory` (seqs are in its docstring)."""

from __future__ import annotations

import pytest
from support.replayfactory import agent_run, nested_run

from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.replay.engine import ReplayEngine, ReplayError
from namel3ss_debug.recording.mocks import Mock, parse_key


@pytest.fixture
def engine() -> ReplayEngine:
    return ReplayEngine(timeline_of(agent_run()))


def at(engine: ReplayEngine, seq: int) -> ReplayEngine:
    engine.goto(seq)
    return engine


def test_the_first_stop_is_the_first_event(engine):
    assert (engine.current.reason, engine.current.seq) == ("start", 0)


def test_step_goes_into_a_call(engine):
    at(engine, 3)
    assert (engine.step().reason, engine.current.seq) == ("step", 4)


@pytest.mark.parametrize(("start", "expected"), [
    (3, 4),    # a call's start: over its insides, to its end
    (7, 8),
    (6, 15),   # a turn's start: over the whole turn
    (8, 9),    # an end: the next event at its level (an instant sibling)
    (9, 10),   # an instant: its next sibling
    (5, 6),    # a turn's end: the next turn
    (15, 16),  # the last turn's end: the writer call, a sibling
])
def test_next_stops_at_the_next_event_no_deeper(engine, start, expected):
    at(engine, start)
    assert engine.next().seq == expected


@pytest.mark.parametrize(("start", "expected"), [
    (3, 4),    # at a call's start, the cursor is inside that call: finish is its end
    (7, 8),
    (8, 15),   # after the search ended, the cursor is in the turn: the turn's end
    (9, 15),   # an instant is inside its parent
    (15, 18),  # a turn's end is inside the agent: the agent's end
    (1, 18),
])
def test_finish_stops_at_the_end_of_the_enclosing_span(engine, start, expected):
    at(engine, start)
    assert (engine.finish().reason, engine.current.seq) == ("finish", expected)


def test_finish_at_the_top_runs_to_the_end_of_the_run(engine):
    at(engine, 19)
    engine.goto(0)
    stop = engine.finish()
    assert (stop.reason, stop.seq, stop.at_end) == ("finish", 19, True)


def test_until_without_a_seq_passes_repeated_calls_of_the_same_operation(engine):
    at(engine, 7)  # tool:search#1 start; #2 and #3 follow at this level, with other events between
    assert engine.until().seq == 9  # the memory write is the first other operation
    at(engine, 10)
    assert engine.until().seq == 12


def test_until_a_seq_stops_at_the_first_event_at_or_past_it(engine):
    at(engine, 6)
    assert (engine.until(12).reason, engine.current.seq) == ("until", 12)


def test_until_a_seq_stops_when_the_span_around_the_event_ends_first(engine):
    at(engine, 3)  # llm:planner#1 is in the first turn, which ends at 5
    assert engine.until(17).seq == 5


def test_continue_without_breakpoints_goes_to_the_end(engine):
    stop = engine.cont()
    assert (stop.reason, stop.seq, stop.at_end) == ("end", 19, True)


def test_a_move_at_the_end_stays_there_and_says_so(engine):
    engine.cont()
    stop = engine.step()
    assert (stop.reason, stop.seq, len(engine.history)) == ("end", 19, 2)


def test_breakpoints_stop_next_and_finish_inside_a_call(engine):
    engine.breakpoints.add("memory")
    at(engine, 6)
    stop = engine.next()  # would go to 15, but the memory write is on the way
    assert (stop.reason, stop.seq, stop.breakpoints) == ("breakpoint", 9, (1,))
    assert engine.finish().seq == 15


def test_continue_goes_from_breakpoint_to_breakpoint(engine):
    engine.breakpoints.add("tool:search")
    seqs = [engine.cont().seq for _ in range(4)]
    assert seqs == [7, 10, 13, 19]


def test_step_reports_a_breakpoint_on_the_event_it_lands_on(engine):
    engine.breakpoints.add("@1")
    stop = engine.step()
    assert (stop.reason, stop.breakpoints) == ("breakpoint", (1,))


def test_back_returns_to_the_previous_stops_in_turn(engine):
    engine.breakpoints.add("tool:search")
    engine.cont()
    engine.cont()
    assert [engine.back().seq, engine.back().seq] == [7, 0]


def test_back_from_the_first_stop_is_an_error(engine):
    with pytest.raises(ReplayError, match="first stop"):
        engine.back()


def test_goto_jumps_without_looking_at_breakpoints(engine):
    engine.breakpoints.add("tool")
    stop = engine.goto(14)
    assert (stop.reason, stop.seq, engine.breakpoints.items[1].hits) == ("goto", 14, 0)


def test_goto_a_seq_the_run_does_not_have_names_the_nearest(engine):
    with pytest.raises(ReplayError) as caught:
        engine.goto(25)
    assert "seq 25" in caught.value.message and "18, 19" in str(caught.value.hint)


def test_a_call_start_sees_the_result_of_its_end(engine):
    stop = engine.goto(3)
    assert (stop.view.resolve("duration_ms"), stop.view.resolve("inputs")) == (800, {"prompt": "plan"})


def test_a_mock_replaces_the_result_and_marks_what_follows_as_diverged(engine):
    engine.mocks.set(Mock(parse_key("llm:planner#1"), {"text": "X"}, "test"))
    start, end, after = engine.goto(3), engine.goto(4), engine.goto(5)
    assert start.view.resolve("outputs") == {"return": {"text": "X"}}
    assert (start.mocked, end.mocked, after.mocked) == (True, True, False)
    assert (start.diverged_after, end.diverged_after, after.diverged_after) == (None, None, 4)


def test_refresh_shows_a_mock_set_at_the_current_stop(engine):
    engine.goto(4)
    engine.mocks.set(Mock(parse_key("llm:planner"), "X", "test"))
    assert engine.refresh().view.event["outputs"] == {"return": "X"}


def test_back_after_a_move_at_the_end_returns_to_the_stop_before(engine):
    engine.goto(18)
    engine.step()  # onto the last event
    assert engine.step().reason == "end"  # nowhere to go: not a stop of its own
    assert engine.back().seq == 18


def test_a_mocked_failure_is_no_error():
    engine = ReplayEngine(timeline_of(agent_run()))
    engine.mocks.set(Mock(parse_key("tool:search#2"), ["x"], "test"))
    engine.breakpoints.add("errors")
    stop = engine.goto(11)
    assert (stop.view.event["status"], "error" in stop.view.event) == ("completed", False)
    engine.goto(0)
    assert engine.cont().reason == "end"  # `errors` passes the mocked failure by


def test_next_over_a_call_nested_past_sixteen_bits_of_depth_goes_to_its_end():
    events = nested_run(70_000)
    engine = ReplayEngine(timeline_of(events))
    engine.goto(66_000)
    assert engine.next().seq == 73_999
