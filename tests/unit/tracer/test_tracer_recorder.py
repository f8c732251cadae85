"""Recorder and Run: seq numbering after filtering, self-describing segments, run_start and never raising."""

from __future__ import annotations

import json
from pathlib import Path

from namel3ss_debug.config import load_settings
from namel3ss_debug.testing.capture import MemoryWriter
from namel3ss_debug.tracer.api import get_tracer, mark, span, trace_llm_call, trace_tool_call
from namel3ss_debug.tracer.events import envelope
from namel3ss_debug.tracer.run import Run, installed_versions


def read_segments(directory: Path) -> list[list[dict]]:
    return [[json.loads(line) for line in path.read_text().splitlines()] for path in sorted(directory.glob("*.jsonl"))]


def file_run(tmp_path: Path, marks: int, **overrides) -> list[list[dict]]:
    """A real run into files under tmp_path/traces, with `marks` performance markers."""
    directory = tmp_path / "traces"
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "trace_output_dir": str(directory),
                                                      "buffer_size": 1, **overrides})
    tracer = get_tracer()
    tracer.start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[], install_hooks=False)
    for i in range(marks):
        mark("step", index=i, note="x" * 100)
    tracer.end_run()
    return read_segments(directory)


@trace_tool_call
def search(query: str) -> str:
    return answer(query)


@trace_llm_call
def answer(prompt: str) -> str:
    return "ok"


def test_seq_starts_at_zero_and_has_no_gaps(capture):
    with capture() as run:
        search("q")
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))


def test_seq_has_no_gaps_when_the_filter_drops_events(capture):
    with capture(default_components=["llm"]) as run:
        search("q")
        search("r")
    assert [e["component"] for e in run.events if e["event_type"].startswith("tool")] == []
    assert [e["seq"] for e in run.events] == list(range(len(run.events)))


def test_first_event_is_a_segment_start_with_seq_zero(capture):
    with capture() as run:
        pass
    first = run.events[0]
    assert (first["event_type"], first["seq"], first["attrs"]["first_seq"]) == ("segment_start", 0, 0)


def test_run_start_follows_the_segment_start(capture):
    with capture() as run:
        pass
    assert [e["event_type"] for e in run.events] == ["segment_start", "run_start", "run_end"]


def test_each_rotated_segment_begins_with_segment_start(tmp_path):
    segments = file_run(tmp_path, marks=30, max_trace_file_size_mb=0.002)
    assert len(segments) > 2
    assert [segment[0]["event_type"] for segment in segments] == ["segment_start"] * len(segments)


def test_seq_runs_on_across_segments_without_gaps(tmp_path):
    segments = file_run(tmp_path, marks=30, max_trace_file_size_mb=0.002)
    seqs = [event["seq"] for segment in segments for event in segment]
    assert seqs == list(range(len(seqs)))


def test_segment_start_says_which_segment_it_opens(tmp_path):
    segments = file_run(tmp_path, marks=30, max_trace_file_size_mb=0.002)
    attrs = [segment[0]["attrs"] for segment in segments]
    assert [a["segment"] for a in attrs] == list(range(len(segments)))
    assert [a["first_seq"] for a in attrs] == [segment[0]["seq"] for segment in segments]


def test_segment_start_names_the_previous_segment(tmp_path):
    segments = file_run(tmp_path, marks=30, max_trace_file_size_mb=0.002)
    previous = [segment[0]["attrs"]["previous_segment"] for segment in segments]
    assert previous[:2] == [None, segments[0][0]["name"]]


def test_segment_start_repeats_the_run_entry(tmp_path):
    segments = file_run(tmp_path, marks=30, max_trace_file_size_mb=0.002)
    assert all(segment[0]["attrs"]["entry"] == {"kind": "test", "name": "test"} for segment in segments)


def test_max_events_per_file_bounds_each_segment(tmp_path):
    segments = file_run(tmp_path, marks=10, max_events_per_file=4)
    assert max(len(segment) for segment in segments) == 4


def test_run_end_lists_segments_deleted_by_max_files_per_run(tmp_path):
    segments = file_run(tmp_path, marks=10, max_events_per_file=3, max_files_per_run=2)
    run_end = segments[-1][-1]
    assert len(segments) == 2
    assert run_end["attrs"]["segments_deleted"][0].endswith(".0000.jsonl")


def test_run_start_redacts_secret_flags_in_argv(tmp_path):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True})
    event = Run(resolved, writer=MemoryWriter()).start_event({"kind": "script"}, ["app.py", "--api-key", "hunter2",
                                                                                  "--password=hunter3"])
    assert event["attrs"]["argv"] == ["app.py", "--api-key", "[REDACTED]", "--password=[REDACTED]"]


def test_run_start_records_the_effective_config(tmp_path):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "sample_rate": 0.5})
    event = Run(resolved, writer=MemoryWriter()).start_event({"kind": "script"}, [])
    assert event["attrs"]["config"]["sample_rate"] == 0.5
    assert event["attrs"]["config_sources"]["sample_rate"] == "flag"


class BrokenWriter(MemoryWriter):
    def append(self, line: bytes) -> None:
        raise OSError("disk full")


def test_writer_failure_is_counted_not_raised(tmp_path, capsys):
    run = Run(load_settings({}, tmp_path, overrides={"enabled": True}), writer=BrokenWriter())
    run.recorder.emit(envelope(run.run_id, "performance_marker", "custom", "m", run.next_span_id(), run.root_id,
                               "completed"))
    assert run.recorder.errors == 1
    assert "disk full" in capsys.readouterr().err


def test_events_after_close_are_ignored(tmp_path):
    writer = MemoryWriter()
    run = Run(load_settings({}, tmp_path, overrides={"enabled": True}), writer=writer)
    run.recorder.close()
    run.recorder.emit(envelope(run.run_id, "performance_marker", "custom", "m", "x", run.root_id, "completed"))
    assert writer.lines == []


def test_run_end_is_the_last_event_when_a_span_is_still_open(capture):
    with capture(min_duration_ms=5) as run:
        still_open = span("open")
        still_open.__enter__()
    still_open.__exit__(None, None, None)
    assert run.events[-1]["event_type"] == "run_end"


def test_run_start_records_the_versions_of_installed_packages_it_knows():
    versions = installed_versions()
    assert versions["namel3ss-debug"] == __import__("namel3ss_debug").__version__
    assert versions["orjson"] == __import__("orjson").__version__
    assert "openai" not in versions or isinstance(versions["openai"], str)
