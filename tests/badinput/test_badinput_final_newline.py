"""One rule for a trace whose last line has no newline, in every reader (docs/analyze.md, "Problems in the
trace"): a last line that parses is an event like any other; one that does not is a torn write, dropped with a
warning naming it (`FILE:LINE: last line is incomplete ...`), also under --strict. Before, `analyze` read a lone
unterminated line and `inspect`, `replay`, `check`, `report` called the file "not a trace": a reader that did
not reuse its buffers kept the room it had made for a next read as part of the line (a MiB of zero bytes)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from harness import invoke
from judge import assert_sound
from support.tracefactory import TraceBuilder

READERS = {
    "analyze": ["analyze", "--no-pager", "--no-cache", "--format", "json", "T"],
    "inspect": ["inspect", "--no-pager", "--format", "json", "T"],
    "inspect --event": ["inspect", "--no-pager", "--format", "json", "T", "--event", "LAST"],
    "replay": ["replay", "T", "--format", "json"],
    "check": ["check", "--max-errors", "5", "--no-cache", "T"],
    "report": ["report", "T", "-o", "out.html"],
    "export": ["export", "T", "--to", "otlp-json", "out.otlp.jsonl"],
}


def _run(events: int) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    for _ in range((events - 1) // 2):
        trace.span("tool", "search", 1)
    return trace


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def _argv(name: str, trace: str, last: int) -> list[str]:
    return [trace if a == "T" else str(last) if a == "LAST" else a for a in READERS[name]]


def _says_last_event(name: str, outcome, last: int) -> None:
    """What each reader shows of the run's last event, where its output says."""
    if name == "analyze":
        assert json.loads(outcome.stdout)["overview"]["events"] == last + 1
    elif name.startswith("inspect"):
        assert json.loads(outcome.stdout)["events"][-1]["seq"] == last
    elif name == "replay":
        assert f'"seq":{last}' in outcome.stdout.replace(" ", "")


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
@pytest.mark.parametrize("events", [1, 3, 9])
@pytest.mark.parametrize("name", READERS)
def test_a_last_line_without_a_newline_that_parses_is_an_event_for_every_reader(
        workspace: Path, name: str, events: int, suffix: str) -> None:
    trace = _run(events)
    data = trace.lines().rstrip(b"\n")
    path = _write(workspace / f"run{suffix}", data)
    last = trace.events[-1]["seq"]
    outcome = invoke(_argv(name, path.name, last))
    assert_sound(outcome)
    assert outcome.exit_code == 0, outcome.summary()
    assert "incomplete" not in outcome.stderr and "not a trace" not in outcome.stderr
    _says_last_event(name, outcome, last)


@pytest.mark.parametrize("name", READERS)
def test_a_torn_last_line_is_dropped_with_one_warning_by_every_reader(workspace: Path, name: str) -> None:
    trace = _run(9)
    torn = trace.lines() + json.dumps(dict(trace.events[-1], seq=99)).encode()[:40]
    path = _write(workspace / "run.jsonl", torn)
    last = trace.events[-1]["seq"]
    outcome = invoke(_argv(name, path.name, last))
    assert_sound(outcome)
    assert outcome.exit_code == 0, outcome.summary()
    assert "run.jsonl:10: last line is incomplete" in outcome.stderr
    _says_last_event(name, outcome, last)


def test_a_long_last_line_without_a_newline_is_read_whole(workspace: Path) -> None:
    """Past a block (1 MiB): the line grows in its own buffer, which the last read must not leave longer."""
    trace = TraceBuilder()
    trace.run_start()
    trace.event("custom_note", "custom", "note", trace.new_id(), trace.root, "completed", attrs={"x": "p" * (3 << 20)})
    path = _write(workspace / "run.jsonl", trace.lines().rstrip(b"\n"))
    for name in ("analyze", "inspect", "inspect --event", "replay"):
        outcome = invoke(_argv(name, path.name, 1))
        assert_sound(outcome)
        assert outcome.exit_code == 0 and "incomplete" not in outcome.stderr, outcome.summary()
        _says_last_event(name, outcome, 1)
