"""Line blocks: each record's place, and the events whose line a test picks, with the place the dict reader gives."""

from __future__ import annotations

import random

import orjson
import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.checks.secrets import SecretFinder
from namel3ss_debug.store import blocks
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

MARK = b"pick-me"


def _trace(spans: int = 40) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    for n in range(spans):
        trace.span("tool", "x", 1, inputs={"q": "pick-me" if n % 7 == 3 else f"n{n}"})
    trace.run_end()
    return trace


def _blocks(path):
    return list(TraceReader(ReadProblems()).line_blocks(RunSource(str(path), (str(path),))))


def _events(path):
    return list(TraceReader(ReadProblems()).events(RunSource(str(path), (str(path),))))


def _picked(path):
    return [(p.event["seq"], p.line, p.offset) for b in _blocks(path) for p in b.picked(lambda line: MARK in line)]


def _expected(path):
    return [(e.event["seq"], e.line, e.offset) for e in _events(path) if "pick-me" in orjson.dumps(e.event).decode()]


@pytest.mark.parametrize("block_size", [256, 1 << 20])
def test_picked_events_have_the_places_the_dict_reader_gives(tmp_path, monkeypatch, block_size):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", block_size)
    path = _trace().write(tmp_path / "t.jsonl")
    assert _picked(path) == _expected(path) and len(_expected(path)) == 6


def test_blank_and_bad_lines_do_not_shift_the_places(tmp_path):
    lines = _trace().lines().split(b"\n")
    lines[5:5] = [b"", b"not json", b"   "]
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines))
    assert _picked(path) == _expected(path) and len(_expected(path)) == 6


def test_placed_blocks_count_every_line_once_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 256)
    path = _trace().write(tmp_path / "t.jsonl")
    placed = [(r.seq, line, offset) for b in _blocks(path)
              for r, line, offset in zip(b.records, b.line_numbers(), b.offsets())]
    assert placed == [(e.event["seq"], e.line, e.offset) for e in _events(path)]


def test_a_mapped_format_hands_out_its_mapped_events(tmp_path):
    line = {"event_type": "llm_call_start", "timestamp": 1700000000.5, "event_id": "e1", "execution_id": "x1",
            "component": "llm", "component_name": "planner", "parent_event_id": None, "inputs": {"q": "pick-me"}}
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    found = [p.event for b in _blocks(path) for p in b.picked(lambda text: MARK in text)]
    assert all(b.mapped for b in _blocks(path))
    assert [(e["event_type"], e["name"], e["v"]) for e in found] == [("llm_call_start", "planner", 1)]


@pytest.mark.parametrize("block_size", [4096, 100_000, 1 << 20])
def test_picked_over_many_runs_of_lines_finds_each_line_at_its_place(tmp_path, monkeypatch, block_size):
    """A block of many 16 KiB runs of lines: the picked lines at the edges of a run are found too."""
    monkeypatch.setattr(blocks, "BLOCK_SIZE", block_size)
    path = _trace(3000).write(tmp_path / "t.jsonl")
    assert _picked(path) == _expected(path) and len(_expected(path)) == 429


SECRET_SHAPES = ['"api_key": "abc"', "password=hunter2", "https://user:pa55@example.com/x", "sk-proj-" + "a" * 40,
                 "ghp_" + "b" * 36, "AKIA" + "C" * 16, '\\"token\\": \\"t0k3n\\"', "Bearer " + "d" * 30]


@pytest.mark.parametrize("seed", range(8))
def test_the_tracer_prescan_asked_of_many_lines_picks_what_it_picks_line_by_line(tmp_path, seed):
    """`needs_walk` holds for a run of lines whenever it holds for one of them, so `picked` may ask it of runs:
    the lines picked are the lines it says yes to one at a time, secrets at the start and end of a line too."""
    rng = random.Random(seed)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(2500):
        text = "".join(rng.choice("ab _-:/=@x\\") for _ in range(rng.randrange(0, 60)))
        if rng.random() < 0.01:
            shape = rng.choice(SECRET_SHAPES)
            text = rng.choice((shape + text, text + shape, text[:10] + shape + text[10:]))
        trace.span("tool", "x", 1, inputs={"q": text}, error={"type": "E"} if rng.random() < 0.005 else None)
    trace.run_end()
    path = trace.write(tmp_path / "t.jsonl")
    pick = SecretFinder().line_scanner()
    by_line = [(e.event["seq"], e.line, e.offset) for e in _events(path) if pick(orjson.dumps(e.event))]
    by_runs = [(p.event["seq"], p.line, p.offset) for b in _blocks(path) for p in b.picked(pick)]
    assert by_runs == by_line and len(by_line) > 10
