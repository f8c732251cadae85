"""The cutter that reads a big run in parts (`ops/reading/parts.py`) gathers no line past its look-ahead: a 2 GB
file without a newline took 4.2 GB in `analyze`, `diagnose` and `diff` at its first `readline`, before any
reader's line limit was met. Such a run is refused by the reader, read in parts or not, with its one line."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops import workers
from namel3ss_debug.ops.reading import parts as split
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.store import blocks

AHEAD = 64 << 10


@pytest.fixture
def short_lines(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(split, "LONGEST", AHEAD)
    return AHEAD


def _zeros(path: Path, size: int, head: bytes = b"") -> Path:
    path.write_bytes(head)
    os.truncate(path, size)
    return path


def test_the_runs_head_is_not_read_past_the_longest_line(short_lines, tmp_path):
    with open(_zeros(tmp_path / "zeros.jsonl", 20 * AHEAD), "rb") as file:
        assert split._head(file) == (None, 0)
        assert file.tell() <= AHEAD  # it read the whole line: 20 times that


def test_no_cut_is_made_inside_a_line_longer_than_the_cutter_reads(short_lines, tmp_path):
    with open(_zeros(tmp_path / "zeros.jsonl", 20 * AHEAD, b"{}\n"), "rb") as file:
        assert split._cut_near(file, 3 * AHEAD, "1") is None
        assert file.tell() <= 4 * AHEAD


def test_a_cut_is_still_found_past_lines_shorter_than_the_cutter_reads(short_lines, tmp_path):
    path = tmp_path / "run.jsonl"
    child = b'{"v": 1, "event_type": "agent_start", "span_id": "2", "parent_id": "1"}\n'
    path.write_bytes(b"x" * 100 + b"\n" + b'{"a": 1}\n' * 10 + child + b"{}\n")
    with open(path, "rb") as file:
        assert split._cut_near(file, 50, "1") == 101 + 9 * 10


def _run_with_a_long_line(path: Path, at: float, length: int) -> tuple[Path, int]:
    """A run of requests with a line of `length` zeros (no JSON, no newline within) after `at` of its lines: the
    file, and the long line's number."""
    rng = random.Random(3)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(1500):
        agent = trace.start("agent", rng.choice(["a", "b"]))
        trace.span("tool", "search", rng.uniform(1, 90), agent, inputs={"q": "x" * rng.randint(0, 900)})
        trace.end(agent, rng.uniform(50, 300))
    trace.run_end()
    lines = trace.write(path).read_bytes().splitlines(keepends=True)
    number = int(len(lines) * at)
    path.write_bytes(b"".join(lines[:number] + [bytes(length) + b"\n"] + lines[number:]))
    return path, number + 1


@pytest.mark.parametrize(("at", "length"), [(0.1, 3 << 19), (0.5, 3 << 20), (0.97, 3 << 19)],
                         ids=["in-the-first-span", "where-a-cut-is-looked-for", "in-a-workers-part"])
def test_a_run_with_a_line_past_the_limit_read_in_parts_is_refused_with_its_place(tmp_path, monkeypatch, at, length):
    """The long line in this process's first span, where a cut is looked for (none is found inside it), or in
    a worker's part (which gives up; this process reads the part and says why)."""
    monkeypatch.setattr(blocks, "MAX_LINE", 1 << 20)
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 64 << 10)  # reads a few times smaller than the line, as 1 MiB is to 256
    monkeypatch.setattr(split, "PART_BYTES", 40_000)
    monkeypatch.setattr(split, "LONGEST", 256 << 10)
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    path, number = _run_with_a_long_line(tmp_path / "big.jsonl", at, length)
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=lambda line: None,
                      stdin=io.BytesIO(b""))
    with pytest.raises(TraceError) as caught:
        analyze_traces(AnalyzeRequest(TraceArgs((str(path),)), cache=False, jobs=2), env)
    assert (caught.value.where, caught.value.message) == (
        f"{path}:{number}", "a line longer than 1 MiB: this is not a trace")
