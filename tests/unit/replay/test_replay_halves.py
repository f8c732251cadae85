"""A big run's timeline read in two halves side by side (two processes) and joined: every array, name, call
count, place and event is the one a single reading gives, whether the halves join or the second is read again."""

from __future__ import annotations

import gzip
import random
import sys

import orjson
import pytest
from test_kept_timeline import described, env_for, same
from tracefactory import TraceBuilder

from namel3ss_debug.ops import replay as replay_ops
from namel3ss_debug.ops.replay import load_run
from namel3ss_debug.ops.split import replay_halves
from namel3ss_debug.ops.split.cut import Cut, find_cut
from namel3ss_debug.ops.split.replay_halves import TimelineHalves
from namel3ss_debug.ops.traces import make_reader
from namel3ss_debug.replay import joined
from namel3ss_debug.replay.load import checked, load_timeline
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import Part, TraceReader
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="two processes need fork")


def server_run(rng: random.Random, requests: int) -> list[dict]:
    """Requests under the root one after another (quiet points between them): nested agents, calls, instants,
    spans left open, an event naming a parent that never was; sometimes seqs out of order and another run."""
    trace = TraceBuilder("20261122-100000-abcdef")
    trace.run_start()
    for _ in range(requests):
        agent = trace.start("agent", rng.choice(("helper", "planner")), kind="agent_execution")
        for _ in range(rng.randrange(1, 5)):
            choice = rng.random()
            if choice < 0.35:
                trace.span("llm", rng.choice(("plan", "write")), rng.uniform(1, 500), agent, model="gpt-4o")
            elif choice < 0.7:
                inner = trace.start("agent", "sub", agent, kind="agent_turn")
                trace.span("tool", "search", rng.uniform(1, 50), inner, status=rng.choice(("completed", "failed")))
                trace.end(inner, 3, kind="agent_turn")
            elif choice < 0.9:
                trace.instant("memory_write", "memory", "note", agent)
            else:
                trace.instant("performance_marker", "custom", "mark", "no-such-parent")
        trace.end(agent, rng.uniform(5, 900), kind="agent_execution")
    if rng.random() < 0.3:
        trace.start("tool", "unclosed")
    trace.run_end()
    lines = [dict(event) for event in trace.events]
    if rng.random() < 0.5:
        at = rng.randrange(2, len(lines) - 2)
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    if rng.random() < 0.5:
        at = rng.randrange(1, len(lines))
        lines.insert(at, dict(lines[0], run_id="20261122-110000-fedcba"))
    return lines


def write(path, lines):
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def one_reading(path):
    source = RunSource(str(path), (str(path),))
    return load_timeline(source, TraceReader(ReadProblems(on_warning=lambda message: None), write_index=False))


def in_halves(path, monkeypatch, cut=None):
    """The timeline read in halves, and whether the join refused."""
    source = RunSource(str(path), (str(path),))
    cut = cut or find_cut(source, min_bytes=0)
    assert cut is not None
    refused = []

    def join(first, second, root_id):
        try:
            joined.join(first, second, root_id)
        except joined.NotMergeable:
            refused.append(True)
            raise

    monkeypatch.setattr(replay_halves, "join", join)
    reader = TraceReader(ReadProblems(on_warning=lambda message: None), write_index=False)
    timeline = TimelineHalves(source, cut, False, None).timeline(reader, lambda count: None)
    return checked(timeline, source, None), bool(refused)


@pytest.mark.parametrize("seed", range(12))
def test_the_halves_joined_are_the_one_reading_timeline(tmp_path, seed, monkeypatch):
    rng = random.Random(seed)
    path = write(tmp_path / "run.jsonl", server_run(rng, rng.randrange(30, 90)))
    timeline, refused = in_halves(path, monkeypatch)
    assert same(described(timeline), described(one_reading(path)))
    assert timeline.store.seq is timeline.seq


def test_most_random_runs_join_without_reading_again(tmp_path, monkeypatch):
    joins = 0
    for seed in range(12):
        rng = random.Random(seed)
        path = write(tmp_path / f"run{seed}.jsonl", server_run(rng, rng.randrange(30, 90)))
        joins += not in_halves(path, monkeypatch)[1]
    assert joins >= 8


def quiet_run(requests: int = 60) -> list[dict]:
    trace = TraceBuilder("20261122-100000-abcdef")
    trace.run_start()
    for n in range(requests):
        agent = trace.start("agent", "helper", kind="agent_execution")
        trace.span("llm", "plan", 5 + n % 3, agent)
        trace.end(agent, 9, kind="agent_execution")
    trace.run_end()
    return [dict(event) for event in trace.events]


def test_a_cut_that_is_not_quiet_is_read_again_after_the_first_half(tmp_path, monkeypatch):
    path = write(tmp_path / "run.jsonl", quiet_run())
    data = path.read_bytes()
    offset = data.index(b"\n", data.index(b'"event_type":"llm_call_end"', len(data) // 2)) + 1  # its agent is open
    good = find_cut(RunSource(str(path), (str(path),)), min_bytes=0)
    cut = Cut(Part((0, 0), (0, offset)), Part((0, offset)), good.root_id, good.start_attrs, good.first_event)
    timeline, refused = in_halves(path, monkeypatch, cut)
    assert refused and same(described(timeline), described(one_reading(path)))


def test_a_parent_that_ended_before_the_cut_is_placed_as_one_reading_places_it(tmp_path, monkeypatch):
    lines = quiet_run()
    path = write(tmp_path / "run.jsonl", lines)
    cut = find_cut(RunSource(str(path), (str(path),)), min_bytes=0)
    before = orjson.loads(path.read_bytes()[:cut.first.stop[1]].splitlines()[-1])  # an agent that just ended
    late = dict(lines[5], event_type="memory_write", component="memory", name="late", span_id="late-1",
                parent_id=before["span_id"], status="completed")
    at = path.read_bytes()[:cut.first.stop[1]].count(b"\n")
    lines.insert(at, late)  # the first event after the cut names it as its parent
    for seq, line in enumerate(lines):
        line["seq"] = seq
    path = write(path, lines)
    timeline, refused = in_halves(path, monkeypatch, find_cut(RunSource(str(path), (str(path),)), min_bytes=0))
    assert refused and same(described(timeline), described(one_reading(path)))
    position = timeline.position_of(at)
    assert timeline.depth[position] == 2  # under the agent that had ended, as one reading places it


def test_a_second_reader_that_dies_leaves_the_second_half_to_this_one(tmp_path, monkeypatch):
    path = write(tmp_path / "run.jsonl", quiet_run())

    def dies(*args):
        raise RuntimeError("killed")

    monkeypatch.setattr(replay_halves, "_second_half", dies)
    timeline, refused = in_halves(path, monkeypatch)
    assert not refused and same(described(timeline), described(one_reading(path)))


def test_replay_reads_a_big_run_in_halves(tmp_path, monkeypatch):
    path = write(tmp_path / "run.jsonl", server_run(random.Random(5), 80))
    made = []
    monkeypatch.setattr(replay_ops, "halving_cut", lambda sources: made.append(find_cut(sources[0], min_bytes=0))
                        or made[-1])
    env = env_for(tmp_path)
    timeline = load_run(RunSource(str(path), (str(path),)), make_reader(False, env), env, None, cache=False)
    assert made[0] is not None and same(described(timeline), described(one_reading(path)))
    with_run = load_run(RunSource(str(path), (str(path),)), make_reader(False, env), env, "20261122-100000-abcdef",
                        cache=False)
    assert len(made) == 1 and same(described(with_run), described(one_reading(path)))  # --run: one reading


def test_the_root_s_end_after_the_cut_has_the_root_s_call_number(tmp_path, monkeypatch):
    lines = quiet_run()
    lines.insert(0, dict(lines[0], event_type="segment_start", span_id="segment-0", status="completed"))
    for seq, line in enumerate(lines):
        line["seq"] = seq
    path = write(tmp_path / "run.jsonl", lines)  # the root's operation was met once before its start: call 2
    timeline, refused = in_halves(path, monkeypatch)
    assert not refused and same(described(timeline), described(one_reading(path)))
    assert timeline.key(len(timeline) - 1) == "app:app.py#2"


@pytest.mark.parametrize("seed", range(16))
def test_a_file_read_a_block_at_a_time_gives_the_timeline_its_events_give_one_by_one(tmp_path, seed):
    """Plain files are read by `TimelineBuilder.add_records` (a block in one loop), a `.gz` file's events one
    at a time by `add`: the same run, whatever it holds (other runs' events, seqs out of order, spans left open,
    a parent that never was, blank and bad lines), gives the same timeline."""
    rng = random.Random(seed)
    lines = [orjson.dumps(line) for line in server_run(rng, rng.randrange(3, 30))]
    for _ in range(rng.randrange(0, 3)):
        lines.insert(rng.randrange(1, len(lines)), rng.choice((b"", b"{not json", b'{"v": 1}')))
    data = b"".join(line + b"\n" for line in lines)
    plain = tmp_path / "run.jsonl"
    plain.write_bytes(data)
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    by_blocks, one_by_one = described(one_reading(plain)), described(one_reading(packed))
    for timeline in (by_blocks, one_by_one):
        timeline["places"] = [place.rsplit(":", 1)[1] for place in timeline["places"]]
        timeline.pop("label")
    assert same(by_blocks, one_by_one)


def test_an_end_that_names_another_operation_keeps_its_start_s_call_number(tmp_path, monkeypatch):
    """A broken writer's end event names another operation than its start: one reading gives the end its
    start's call number, and so do the halves joined, whatever the first half counted of either operation."""
    lines = quiet_run()
    root = lines[0]["span_id"]
    tail = [dict(lines[1], event_type="tool_call_start", component="tool", name="fetch", span_id="odd-1",
                 parent_id=root, status="started"),
            dict(lines[1], event_type="tool_call_end", component="llm", name="plan", span_id="odd-1", parent_id=root,
                 status="completed", duration_ms=1.0)]
    end = next(i for i in range(len(lines) - 1, 0, -1) if lines[i]["span_id"] == root)
    lines[end:end] = tail  # just before the root's end, far past the cut
    for seq, line in enumerate(lines):
        line["seq"] = seq
    path = write(tmp_path / "run.jsonl", lines)
    timeline, refused = in_halves(path, monkeypatch)
    assert not refused and same(described(timeline), described(one_reading(path)))
    start = timeline.position_of(end)
    assert timeline.call[start + 1] == timeline.call[start] and timeline.name(start + 1) == "plan"
