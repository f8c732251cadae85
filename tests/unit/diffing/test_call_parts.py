"""`diff`'s calls of one big run read in parts (`diffing/call_parts.py`): each part's calls recorded as its worker
records them (beside its tally, up to where the tally stopped), joined in their place when the asking process's
recorder `settles` them, else recorded there from the part's lines; the calls are then those one recorder of every
event in order holds (numbers, parents, depths, places, outputs, tree order), whatever the cuts: on the golden
answers' traces, on random runs of both factories, on broken runs, and past the spans a recorder remembers."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest
from support.analysisruns import random_run
from support.splitruns import Source, broken, cuts_checked, golden_lines, options, written
from support.tracefactory import TraceBuilder, random_calls_run

from namel3ss_debug.analysis.split_run import SkippedPart, read_split, tally_part
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.diffing.call_parts import JoiningRecorder, PartCalls, PartRecorder
from namel3ss_debug.diffing.call_table import CallTable
from namel3ss_debug.diffing.calls import CallRecorder, CallSequence
from namel3ss_debug.model import span_ids
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import LineRange, TraceReader
from namel3ss_debug.store.sources import resolve_sources

GOLDEN = sorted((Path(__file__).parents[2] / "golden" / "answers" / "traces").glob("*.jsonl"))


def state(calls: CallSequence) -> tuple:
    """Everything a diff reads of a run's calls, as plain values."""
    return calls.run_id, [call for call in calls.calls], calls.other_runs, calls.events


def one_recorder(path: str) -> tuple:
    recorder = CallRecorder()
    [source] = resolve_sources([path])
    for block in TraceReader(ReadProblems()).line_blocks(source):
        recorder.see_block(block, True)
    return state(recorder.finish())


def part_calls(path: str, starts: list[int], span: LineRange) -> tuple[object, PartCalls | None]:
    """A part tallied and its calls recorded as a worker does it (`ops/reading/parts._told`), given back pickled."""
    reader = TraceReader(ReadProblems())
    head = [record for block in reader.span_records(path, LineRange(0, min(starts[min(64, len(starts) - 1)],
                                                                       span.start), 1)) for record in block]
    recorder = PartRecorder.of_head(head)
    told = tally_part(head, reader.span_line_blocks(path, span), span, options(), Source(), 0,
                      recorder.see if recorder is not None else None)
    return pickle.loads(pickle.dumps((told, recorder.part() if recorder is not None else None)))


def parted_calls(path: str, starts: list[int], cuts: list[int]) -> tuple[tuple, int]:
    """The run's calls with a part from each cut, as `reading/parts.read_in_parts` reads them for `diff`; and how many
    parts were joined."""
    bounds = [0, *(starts[at] for at in cuts), starts[-1]]
    lines = [1, *(at + 1 for at in cuts)]
    spans = [LineRange(bounds[at], bounds[at + 1], lines[at]) for at in range(len(bounds) - 1)]
    told = [part_calls(path, starts, span) for span in spans[1:]]
    recorder, reader = JoiningRecorder(), TraceReader(ReadProblems())
    tally = Tally(options())
    tally.begin_source(Source())

    def read(span):
        for block in reader.span_line_blocks(path, span):
            recorder.see_block(block, True)
            yield block.records

    def joined(number):
        part = told[number][1]
        assert part is not None
        recorder.adopt(part)

    count = read_split(tally, read, spans, (part for part, _ in told), joined,
                       lambda number: recorder.settles(told[number][1]))
    return state(recorder.finish()), count


def check_cuts(tmp_path: Path, events: list, rng: random.Random, times: int) -> int:
    """The run cut `times` times, every other time at lines that start a child of the root (where a part can be
    joined). Returns how many parts were joined."""
    return cuts_checked(tmp_path, events, rng, times, one_recorder, parted_calls, children=True)


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_a_golden_run_recorded_in_parts_has_the_calls_one_recorder_has(path, tmp_path):
    check_cuts(tmp_path, golden_lines(path), random.Random(path.stem), 16)


@pytest.mark.parametrize("seed", range(8))
def test_a_random_run_recorded_in_parts_has_the_calls_one_recorder_has(seed, tmp_path):
    assert check_cuts(tmp_path, random_run(seed).events, random.Random(seed), 12)  # parts were joined


@pytest.mark.parametrize("seed", range(8))
def test_a_run_of_any_calls_recorded_in_parts_has_the_calls_one_recorder_has(seed, tmp_path):
    """Spans ended in any order or never, a child started under a parent just ended, odd field types, another
    run's events: whatever a part cannot know, the asking process records from its lines."""
    events = [json.dumps(event).encode() for event in random_calls_run(random.Random(seed))]  # odd values: json
    check_cuts(tmp_path, events, random.Random(seed), 12)


@pytest.mark.parametrize("seed", range(8))
def test_a_broken_run_recorded_in_parts_has_the_calls_one_recorder_has(seed, tmp_path):
    rng = random.Random(seed)
    check_cuts(tmp_path, broken(random_run(seed).events, rng), rng, 12)


def requests_run(requests: int) -> list:
    """Requests one after another under the root: an agent with an LLM call and a tool call each, and a memory
    write (an instant) between them: call numbers run on across the cuts."""
    trace = TraceBuilder()
    trace.run_start()
    for number in range(requests):
        agent = trace.start("agent", "helper", parent=trace.root)
        llm = trace.start("llm", "chat", parent=agent, inputs={"n": number})
        trace.end(llm, 5.0, outputs={"text": f"answer {number % 3}"})
        trace.instant("memory_operation", "memory", "write", parent=agent)
        tool = trace.start("tool", "search", parent=agent, inputs={"q": number})
        trace.end(tool, 2.0, outputs={"return": [number]})
        trace.end(agent, 10.0)
    trace.run_end()
    return trace.events


def test_the_parts_of_a_run_of_requests_are_joined_and_numbered_on(tmp_path):
    events = requests_run(40)
    path, starts = written(tmp_path, events)
    agents = [at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start"]
    got, count = parted_calls(path, starts, [agents[10], agents[25]])
    assert count == 2  # both parts joined
    assert got == one_recorder(path)
    numbers = [call.number for call in got[1] if call.operation == "llm:chat"]
    assert numbers == list(range(1, 41))


def test_past_the_spans_a_recorder_remembers_the_parts_still_join_as_one(tmp_path, monkeypatch):
    """The spans just closed that a later start may name as its parent: a part's are the run's last ones."""
    monkeypatch.setattr(span_ids, "RECENTLY_CLOSED", 3)
    monkeypatch.setattr(span_ids.OpenSpans.__init__, "__defaults__", (3,))
    events = requests_run(30)
    path, starts = written(tmp_path, events)
    agents = [at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start"]
    got, count = parted_calls(path, starts, [agents[7], agents[21]])
    assert count == 2 and got == one_recorder(path)


def recorded_alone(path: str, starts: list[int], at: int, end: int = -2) -> PartCalls:
    """The calls of a run's lines from line `at` to `end` (by default its last but one: the root's end, where a
    part's tally stops, left out), recorded by a part's recorder past where a tally would stop: what it says of what
    it cannot know."""
    reader = TraceReader(ReadProblems())
    head = [record for block in reader.span_records(path, LineRange(0, starts[1], 1)) for record in block]
    recorder = PartRecorder.of_head(head)
    assert recorder is not None
    for block in reader.span_line_blocks(path, LineRange(starts[at], starts[end], at + 1)):
        recorder.see(block, None)
    return recorder.part()


def test_a_part_recorder_says_a_call_under_a_span_ended_before_its_cut_is_not_its_own(tmp_path):
    """A call whose parent ended before the cut: its depth and parent are the run's, which the part cannot know
    (the part's tally stops there too); the part cut after it is sound."""
    events = requests_run(4)
    at = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_end")
    late = {**events[at], "event_type": "tool_call_start", "component": "tool", "name": "late", "status": "started",
            "span_id": "00000000000000ff", "parent_id": events[at]["span_id"]}
    late.pop("duration_ms", None)
    events = [*events[:at + 1], late, *events[at + 1:]]
    path, starts = written(tmp_path, events)
    assert not recorded_alone(path, starts, at + 1).sound
    assert recorded_alone(path, starts, at + 2).sound
    got, _ = parted_calls(path, starts, [at + 1])
    assert got == one_recorder(path)


def test_a_part_recorder_says_another_runs_events_are_not_its_own(tmp_path):
    events = requests_run(6)
    middle = len(events) // 2
    events.insert(middle, {**events[middle], "run_id": "another-run"})
    path, starts = written(tmp_path, events)
    first = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start")
    assert recorded_alone(path, starts, first, middle).sound
    assert not recorded_alone(path, starts, first).sound  # the other run's event among its lines
    for cut in range(1, len(events)):
        got, _ = parted_calls(path, starts, [cut])
        assert got == one_recorder(path) and got[2] == {"another-run": 1}, cut


def test_a_part_recorder_says_a_block_read_as_dicts_is_not_its_own(tmp_path):
    """A line the typed decoder refused a field of: the block's events are read again as dicts, here."""
    events = requests_run(3)
    events[6] = {**events[6], "duration_ms": "slow"}
    path, starts = written(tmp_path, events)
    assert not recorded_alone(path, starts, 2).sound
    assert parted_calls(path, starts, [2])[0] == one_recorder(path)


def test_a_part_of_a_run_without_a_root_in_its_first_lines_records_nothing(tmp_path):
    assert PartRecorder.of_head([]) is None
    events = requests_run(3)
    path, starts = written(tmp_path, events[1:])  # no run_start: no root among the first lines
    told, part = part_calls(path, starts, LineRange(starts[4], starts[-1], 5))
    assert part is None or isinstance(told, SkippedPart) or not JoiningRecorder().settles(part)


def test_the_join_takes_a_part_only_where_the_root_alone_is_open(tmp_path):
    """Cut inside a request, with its agent open: the part's tally stops at once or the join refuses the part;
    the calls are one recorder's either way."""
    events = requests_run(8)
    path, starts = written(tmp_path, events)
    inside = next(at for at, event in enumerate(events) if event["event_type"] == "llm_call_start" and at > 10)
    got, _ = parted_calls(path, starts, [inside])
    assert got == one_recorder(path)
    recorder = JoiningRecorder()
    recorder._spans.start("0000000000000001", (0, 0, False))
    recorder._spans.start("0000000000000002", (1, 1, False))
    part = PartCalls(CallTable(), {}, {}, [], 0, "0000000000000001", True)
    assert not recorder.settles(part)  # another span than the root open at the cut
    assert not recorder.settles(None)


def test_a_part_recorder_says_the_roots_end_is_not_its_own(tmp_path):
    """The root's end in a part (where its tally stops): the run's root call is the asking process's."""
    events = requests_run(3)
    path, starts = written(tmp_path, events)
    first = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start")
    assert recorded_alone(path, starts, first).sound
    assert not recorded_alone(path, starts, first, -1).sound


def test_a_part_adopted_leaves_the_spans_one_recorder_remembers(tmp_path):
    """The spans just closed that a later start may name as its parent: the run's before the cut, then the part's,
    the last `remembered` of them."""
    recorder = JoiningRecorder()
    recorder._spans.remembered = 3
    recorder._spans.start("root", (0, 0, False))
    for at in range(1, 4):
        recorder._spans.start(f"before{at}", (at, 1, False))
        recorder._spans.end(f"before{at}")
    recorder._calls = 4
    part = PartCalls(CallTable(), {}, {"root": (-2, 0, False), "open": (1, 1, True)},
                     [("after0", (0, 1, False))], 0, "root", True)
    assert recorder.settles(part)
    recorder.adopt(part)
    assert list(recorder._spans.closed.items()) == [("before2", (2, 1, False)), ("before3", (3, 1, False)),
                                                    ("after0", (4, 1, False))]
    assert recorder._spans.open == {"root": (0, 0, False), "open": (5, 1, True)}


def test_a_parts_calls_are_written_in_the_tables_codes(tmp_path):
    """Texts and files coded in the order each table met them: a part's codes are made the run's."""
    events = requests_run(2)
    path, starts = written(tmp_path, events)
    first = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start")
    part = recorded_alone(path, starts, first)
    table = CallTable()
    table.files.code("another.jsonl")
    table.texts.code("unclosed")
    table.texts.code("tool")
    table.append(part.table, 7, lambda component, name: 10)
    calls = list(table)
    assert [call.place[0] for call in calls if call.place] == [path] * len([call for call in calls if call.place])
    assert [call.operation for call in calls][:3] == ["agent:helper", "llm:chat", "tool:search"]
    assert [call.parent for call in calls][:3] == [7, 0, 0]
    assert [call.number for call in calls][:3] == [11, 11, 11]
