"""`.gz` traces as an attacker makes them: a gzip of one repeated event line that expands a thousand times (the
issue's 1.4 MB that made `replay` take 4.57 GB), and a big valid one. Each command that reads a trace runs as a
subprocess, its peak memory read from wait4: a bomb is refused in one line (exit 3) within the floor of 500 MB,
and a valid `.gz` is replayed in the memory its plain file takes, in time linear in its size."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import orjson
import pytest
from support.growth import assert_linear
from harness import Bounds, spawn
from judge import assert_sound

RUN = "20261126-000000-abcdef"
FLOOR = Bounds(seconds=60.0, mib=500.0)


def event(seq: int, event_type: str, span: str, parent: str | None, status: str, component: str = "tool") -> bytes:
    return orjson.dumps({"v": 1, "run_id": RUN, "seq": seq, "ts": "2026-11-26T00:00:00.000000Z",
                         "event_type": event_type, "component": component, "name": "t", "span_id": span,
                         "parent_id": parent, "status": status}) + b"\n"


def repeated_line_bomb(path: Path, gib: float = 1.4) -> Path:
    """A gzip of one event line repeated to `gib` GiB: 8 MiB compressed once, its member written again and
    again (a gzip file may hold many), so that making it costs neither time nor this process's memory."""
    line = event(0, "custom_marker", "m", None, "completed", "custom")
    member = gzip.compress(line * ((8 << 20) // len(line)), compresslevel=9, mtime=0)
    with path.open("wb") as out:
        for _ in range(int(gib * 128)):
            out.write(member)
    return path


def valid_run(path: Path, calls: int) -> Path:
    """A run of `calls` tool calls, gzipped when `path` ends in .gz (a trace compresses about 37 times)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if path.suffix == ".gz" else None
    with path.open("wb") as out:
        def put(data: bytes) -> None:
            out.write(compressor.compress(data) if compressor else data)
        put(event(0, "run_start", "r", None, "started", "app"))
        for n in range(calls):
            put(event(2 * n + 1, "tool_call_start", f"s{n}", "r", "started")
                + event(2 * n + 2, "tool_call_end", f"s{n}", "r", "completed"))
        put(event(2 * calls + 1, "run_end", "r", None, "completed", "app"))
        if compressor:
            out.write(compressor.flush())
    return path


READERS = [
    ["replay", "bomb.jsonl.gz", "--format", "json"],
    ["replay", "bomb.jsonl.gz", "--rerun", "--yes", "--format", "json"],
    ["analyze", "--no-pager", "bomb.jsonl.gz"],
    ["inspect", "--no-pager", "bomb.jsonl.gz", "--event", "5"],
    ["report", "bomb.jsonl.gz", "-o", "bomb.html"],
    ["check", "bomb.jsonl.gz", "--max-errors", "0"],
    ["diff", "bomb.jsonl.gz", "bomb.jsonl.gz"],
    ["export", "bomb.jsonl.gz", "--to", "otlp-json", "bomb.otlp.jsonl"],
    ["redact", "bomb.jsonl.gz"],
]


@pytest.mark.parametrize("argv", READERS, ids=lambda argv: argv[0] + ("-rerun" if "--rerun" in argv else ""))
def test_a_gzip_of_one_repeated_line_is_refused_within_the_memory_floor(workspace: Path, argv: list[str]) -> None:
    repeated_line_bomb(workspace / "bomb.jsonl.gz")
    outcome = spawn(argv, cwd=workspace, bounds=FLOOR)
    assert_sound(outcome)
    assert outcome.exit_code == 3, outcome.summary()
    assert "more than 200 times their size: a gzip bomb" in outcome.stderr
    assert "gunzip -k" in outcome.stderr  # how to read it anyway, when it is trusted
    assert not (workspace / "bomb.jsonl.gz.idx").exists()


@pytest.mark.slow
def test_a_big_valid_gzip_is_replayed_in_the_memory_of_its_plain_file(workspace: Path) -> None:
    """Held as dicts, the 300,000 events (66 MB) took 4 times what the plain file took."""
    valid_run(workspace / "run.jsonl", 150_000)
    valid_run(workspace / "run.jsonl.gz", 150_000)
    (workspace / "quit.txt").write_text("goto 299999\np seq\nq\n")
    seen = {}
    for name in ("run.jsonl", "run.jsonl.gz"):
        outcome = spawn(["replay", name, "--step", "--commands", "quit.txt"], cwd=workspace, bounds=FLOOR)
        assert_sound(outcome)
        assert outcome.exit_code == 0 and "299999" in outcome.stdout, outcome.summary()
        seen[name] = outcome.peak_mib
    assert seen["run.jsonl.gz"] < seen["run.jsonl"] + 40, seen


@pytest.mark.slow
def test_reading_a_valid_gzip_takes_time_linear_in_its_size(workspace: Path) -> None:
    def cpu(calls: int) -> float:
        path = valid_run(workspace / f"run{calls}.jsonl.gz", calls)
        outcome = spawn(["analyze", path.name, "--format", "json", "--no-cache"], cwd=workspace, bounds=FLOOR)
        assert outcome.exit_code == 0 and json.loads(outcome.stdout), outcome.summary()
        assert outcome.peak_mib < FLOOR.mib
        return outcome.seconds

    assert_linear(cpu, 10_000, 160_000)
