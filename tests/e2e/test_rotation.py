"""Rotation: a run split into segments keeps every event exactly once, in order."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

MANY_CALLS = str(Path(__file__).parent / "apps" / "many_calls.py")


def trace(cwd: Path, calls: int, *flags: str, **extra: str) -> list[Path]:
    """Trace `calls` tool calls; the run's segment files in index order."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(extra)
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(cwd / "traces"), *flags,
               MANY_CALLS, str(calls)]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return sorted((cwd / "traces").glob("*.jsonl"))


def segment_events(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def assert_segments_start_with_segment_start(segments: list[Path]) -> None:
    for path in segments:
        first = segment_events(path)[0]
        index = int(path.name.split(".")[-2])
        assert (first["event_type"], first["name"], first["attrs"]["segment"]) == ("segment_start", path.name, index)


def test_size_rotation_keeps_every_event_exactly_once_in_order(tmp_path):
    segments = trace(tmp_path, 10_000, "--max-file-size-mb", "0.05")
    events = [event for path in segments for event in segment_events(path)]
    calls = [event["outputs"]["return"] for event in events if event["event_type"] == "tool_call_end"]
    assert len(segments) >= 5
    assert len(events) >= 20_000
    assert_segments_start_with_segment_start(segments)
    assert [event["seq"] for event in events] == list(range(len(events)))
    assert calls == list(range(10_000))
    assert (events[1]["event_type"], events[-1]["event_type"]) == ("run_start", "run_end")


def test_size_rotation_keeps_each_segment_within_the_limit(tmp_path):
    segments = trace(tmp_path, 2_000, "--max-file-size-mb", "0.05")
    assert len(segments) >= 3
    assert max(path.stat().st_size for path in segments) <= 0.05 * 1024 * 1024


def test_each_segment_names_its_first_seq_and_the_previous_segment(tmp_path):
    segments = trace(tmp_path, 2_000, "--max-file-size-mb", "0.05")
    firsts = [segment_events(path)[0] for path in segments]
    assert [first["attrs"]["first_seq"] for first in firsts] == [first["seq"] for first in firsts]
    assert [first["attrs"]["previous_segment"] for first in firsts] == [None, *(p.name for p in segments[:-1])]


def test_max_events_per_file_caps_the_lines_of_each_segment(tmp_path):
    segments = trace(tmp_path, 500, NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE="100")
    lines = [len(segment_events(path)) for path in segments]
    events = [event for path in segments for event in segment_events(path)]
    assert_segments_start_with_segment_start(segments)
    assert lines[:-1] == [100] * (len(lines) - 1)
    assert 0 < lines[-1] <= 100
    assert [event["seq"] for event in events] == list(range(len(events)))


def test_max_files_per_run_keeps_the_newest_segments_and_run_end_lists_the_deleted(tmp_path):
    # 500 calls = 1002 events plus segment_starts: 11 segments of 100 lines written, 3 kept.
    segments = trace(tmp_path, 500, NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE="100", NAMEL3SS_DEBUG_MAX_FILES_PER_RUN="3")
    run_id = segments[0].name.split(".")[0]
    events = [event for path in segments for event in segment_events(path)]
    deleted = events[-1]["attrs"]["segments_deleted"]
    assert [path.name for path in segments] == [f"{run_id}.{i:04d}.jsonl" for i in range(8, 11)]
    assert deleted == [f"{run_id}.{i:04d}.jsonl" for i in range(8)]
    assert [event["seq"] for event in events] == list(range(events[0]["seq"], events[0]["seq"] + len(events)))
    assert (events[-1]["event_type"], events[-1]["status"]) == ("run_end", "completed")
    assert events[-1]["attrs"]["dropped"] == events[0]["seq"]  # every seq before the first kept one


def test_segments_deleted_lists_the_segment_pruned_when_run_end_rotates(tmp_path):
    # 247 calls: run_start + 494 events fill exactly 5 segments of 1 + 99 lines, so run_end opens a sixth.
    segments = trace(tmp_path, 247, NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE="100", NAMEL3SS_DEBUG_MAX_FILES_PER_RUN="3")
    run_id = segments[0].name.split(".")[0]
    deleted = segment_events(segments[-1])[-1]["attrs"]["segments_deleted"]
    assert [path.name for path in segments] == [f"{run_id}.{i:04d}.jsonl" for i in range(3, 6)]
    assert deleted == [f"{run_id}.{i:04d}.jsonl" for i in range(3)]
