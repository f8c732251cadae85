"""The timeline: kinds, depths, pairs, call numbers and ancestry, from memory and from files."""

from __future__ import annotations

import gzip
import math

import orjson
import pytest
from support.replayfactory import agent_run, nested_run, write_agent_run

from namel3ss_debug.model.errors import TraceError, UsageError
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.load import FileStore, load_timeline
from namel3ss_debug.recording.timeline import END, INSTANT, START, MemoryStore
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def read(path, stdin=None):
    return load_timeline(RunSource(str(path), (str(path),)), TraceReader(ReadProblems(), stdin=stdin,
                                                                          write_index=False))


def shape(t):
    return [(t.seq[i], t.kind[i], t.depth[i], t.key(i), t.partner(i)) for i in range(len(t))]


def test_starts_ends_and_instants_are_told_apart():
    t = timeline_of(agent_run())
    assert [t.kind[i] for i in (0, 3, 4, 9, 12, 19)] == [START, START, END, INSTANT, INSTANT, END]


def test_a_call_s_start_and_end_are_at_its_depth_and_an_instant_one_deeper_than_its_parent():
    t = timeline_of(agent_run())
    assert [t.depth[i] for i in (0, 1, 2, 3, 4, 6, 9, 16, 19)] == [0, 1, 2, 3, 3, 2, 3, 2, 0]


def test_start_and_end_are_partners():
    t = timeline_of(agent_run())
    assert (t.partner(3), t.partner(4), t.partner(9), t.partner(1)) == (4, 3, None, 18)


def test_calls_are_numbered_per_component_and_name_in_order_of_their_starts():
    t = timeline_of(agent_run())
    assert [t.key(i) for i in (1, 2, 6, 10, 11, 13)] == [
        "agent:researcher#1", "agent:researcher#2", "agent:researcher#3", "tool:search#2", "tool:search#2",
        "tool:search#3"]


def test_ancestry_lists_the_enclosing_spans_outermost_first():
    t = timeline_of(agent_run())
    assert (t.ancestry(11), t.ancestry(10), t.ancestry(0)) == ([0, 1, 6], [0, 1, 6, 10], [0])


def test_durations_are_kept_and_missing_ones_are_none():
    t = timeline_of(agent_run())
    assert (t.duration_ms(4), t.duration_ms(3), math.isnan(t.duration[3])) == (800, None, True)


def test_an_unclosed_span_has_no_partner_and_its_children_keep_their_depth():
    events = agent_run()[:8]  # the run stops inside tool:search#1
    t = timeline_of(events)
    assert (t.partner(7), t.partner(6), t.depth[7], t.ancestry(7)) == (None, None, 3, [0, 1, 6, 7])


def test_a_parent_that_is_not_open_makes_a_root():
    events = agent_run()
    events[9] = {**events[9], "parent_id": "not-a-span"}
    t = timeline_of(events)
    assert (t.depth[9], t.ancestry(9)) == (0, [])


def test_position_of_finds_a_seq_and_says_none_for_a_missing_one():
    events = [e for e in agent_run() if e["seq"] != 5]
    t = timeline_of(events)
    assert (t.position_of(6), t.position_of(5), t.nearest_seqs(5)) == (5, None, [4, 6])


def test_seqs_out_of_order_are_still_found():
    events = agent_run()
    events[3], events[4] = events[4], events[3]
    t = timeline_of(events)
    assert (t.position_of(3), t.position_of(4)) == (4, 3)


def test_a_file_gives_the_same_timeline_as_its_events_in_memory(tmp_path):
    from_file = read(write_agent_run(tmp_path / "run.jsonl"))
    assert (isinstance(from_file.store, FileStore), shape(from_file)) == (True, shape(timeline_of(agent_run())))


def test_a_file_s_events_are_read_back_by_offset_with_their_line(tmp_path):
    t = read(write_agent_run(tmp_path / "run.jsonl"))
    assert (t.event(11)["error"]["type"], t.where(11)) == ("TimeoutError", f"{tmp_path / 'run.jsonl'}:12")


def test_blank_and_invalid_lines_keep_line_numbers_right(tmp_path):
    lines = [orjson.dumps(e) for e in agent_run()]
    lines.insert(3, b"")
    lines.insert(5, b"{not json")
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    t = read(path)
    assert (len(t), t.where(3), t.event(4)["seq"]) == (20, f"{path}:5", 4)


def test_a_file_changed_during_a_session_is_reported_not_misread(tmp_path):
    path = write_agent_run(tmp_path / "run.jsonl")
    t = read(path)
    path.write_bytes(b"\n" * 10 + path.read_bytes())
    with pytest.raises(TraceError, match="changed since replay read it"):
        t.event(5)


def test_a_gzipped_trace_is_read_back_from_a_decompressed_copy_not_held_in_memory(tmp_path):
    plain = write_agent_run(tmp_path / "run.jsonl")
    packed = tmp_path / "run.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    t = read(packed)
    assert (isinstance(t.store, MemoryStore), shape(t)) == (False, shape(timeline_of(agent_run())))
    assert (t.where(3), t.event(4)["seq"]) == (f"{packed}:4", 4)  # the place named is the .gz file's
    t.store.close()


def test_a_legacy_trace_is_mapped_and_held_in_memory(tmp_path):
    path = tmp_path / "legacy.jsonl"
    start = {"event_type": "llm_call_start", "timestamp": 1700000000.5, "event_id": "e1", "execution_id": "x1",
             "component": "llm", "component_name": "planner", "parent_event_id": None}
    path.write_bytes(orjson.dumps(start) + b"\n")
    t = read(path)
    assert isinstance(t.store, MemoryStore) and len(t) >= 2 and "llm_call_start" in t.types.texts


def test_an_empty_trace_cannot_be_replayed(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(TraceError, match="no events to replay"):
        read(path)


def test_a_file_holding_two_runs_gives_the_first_and_counts_the_other(tmp_path):
    other = [{**event, "run_id": "other-run"} for event in agent_run()]
    path = tmp_path / "two.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [*agent_run(), *other]))
    first = read(path)
    chosen = load_timeline(RunSource(str(path), (str(path),)), TraceReader(ReadProblems(), write_index=False),
                           "other-run")
    assert (len(first), first.other_runs, chosen.run_id, chosen.where(0)) == (
        20, {"other-run": 20}, "other-run", f"{path}:21")


def test_asking_for_a_run_the_input_does_not_hold_names_the_runs_there(tmp_path):
    path = write_agent_run(tmp_path / "run.jsonl")
    with pytest.raises(UsageError, match="has no run nope") as caught:
        load_timeline(RunSource(str(path), (str(path),)), TraceReader(ReadProblems(), write_index=False), "nope")
    assert caught.value.hint == "runs in it: 20261122-100000-abcdef"


def test_depth_is_not_capped_at_sixteen_bits():
    events = nested_run(70_000)
    t = timeline_of(events)
    assert (t.depth[69_999], t.partner(66_000), t.container_depth(66_000)) == (69_999, 73_999, 66_000)


def test_the_nearest_seqs_are_found_when_seqs_go_down():
    events = agent_run()
    events[3], events[4] = events[4], events[3]
    del events[6]
    assert timeline_of(events).nearest_seqs(6) == [5, 7]


def test_a_negative_duration_is_no_duration():
    events = agent_run()
    events[4] = {**events[4], "duration_ms": -5}
    assert timeline_of(events).duration_ms(4) is None


def test_a_child_written_just_after_its_parent_ended_is_still_its_child():
    events = agent_run()
    late = {**events[9], "seq": 16, "parent_id": events[6]["span_id"]}  # memory write of the turn ended at 15
    t = timeline_of([*events[:16], late])
    assert (t.depth[16], t.ancestry(16)) == (3, [0, 1, 6])


def test_odd_texts_that_compare_equal_keep_their_own_codes():
    # the builder works out an operation's codes once; 1, 1.0 and True are equal keys, but not the same text
    events = [{"seq": n, "event_type": "log", "component": value, "name": ["a"], "span_id": f"s{n}",
               "parent_id": None, "status": "ok"} for n, value in enumerate([1, True, 1.0, "1", 1])]
    t = timeline_of(events)
    assert ([t.component(i) for i in range(5)], [t.name(i) for i in range(5)]) == (
        ["1", "True", "1.0", "1", "1"], ["['a']"] * 5)
    assert [t.key(i) for i in range(5)] == ["1:['a']#1", "True:['a']#1", "1.0:['a']#1", "1:['a']#2", "1:['a']#3"]
