"""Reading trace files in tests, strictly, and checking the structure every v1 trace must have.

The store's reader forgives torn lines; these helpers do not, because a test of the writer must see
every flaw. The checks raise AssertionError with a message that names the offending events.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from jsonschema import Draft202012Validator

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.schemas import load_trace_schema
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

Event = dict[str, Any]


def run_importing_app(cwd: Path) -> subprocess.CompletedProcess[str]:
    """An app that only imports namel3ss_debug and prints `done`, run as `python app.py` in `cwd` with tracing on
    (into `cwd/t`) and no other `NAMEL3SS_DEBUG_*` of the environment (so the workspace config in `cwd` is read);
    it must exit 0 having printed `done`."""
    (cwd / "app.py").write_text("import namel3ss_debug\nprint('done')\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(cwd / "t"))
    done = subprocess.run([sys.executable, "app.py"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "done\n"), done.stderr
    return done


def trace_validator() -> Draft202012Validator:
    return Draft202012Validator(load_trace_schema())


def segment_files(directory: Path) -> list[Path]:
    """The segment files of the one run written to `directory`, in order."""
    paths = sorted(directory.glob("*.jsonl"))
    runs = {path.name.rsplit(".", 2)[0] for path in paths}
    assert len(runs) == 1, f"expected one run in {directory}, found {sorted(runs) or 'none'}"
    return paths


def read_segments(directory: Path) -> list[list[Event]]:
    """The events of each segment file of the run in `directory`; every line must be whole JSON."""
    segments = []
    for path in segment_files(directory):
        data = path.read_bytes()
        assert data.endswith(b"\n"), f"{path.name}: the last line is not terminated"
        events = []
        for lineno, line in enumerate(data.decode("utf-8").splitlines(), 1):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AssertionError(f"{path.name}:{lineno}: not JSON ({exc}): {line[:200]}") from None
        segments.append(events)
    return segments


def read_events(directory: Path) -> list[Event]:
    """Every event of the run in `directory`, in file order."""
    return [event for segment in read_segments(directory) for event in segment]


def schema_errors(events: Iterable[Event], validator: Draft202012Validator | None = None) -> list[str]:
    """One line per schema violation: `seq event_type at path: message`."""
    validator = validator or trace_validator()
    return [
        f"seq {event.get('seq')} {event.get('event_type')} at /{'/'.join(map(str, error.absolute_path))}: "
        f"{error.message}"
        for event in events
        for error in validator.iter_errors(event)
    ]


def is_start(event: Event) -> bool:
    return event["event_type"].endswith("_start") and event["event_type"] != "segment_start"


def is_end(event: Event) -> bool:
    return event["event_type"].endswith("_end")


def pair_spans(events: list[Event]) -> dict[str, tuple[Event, Event]]:
    """span_id -> (start, end); asserts each start has exactly one end and each end one start."""
    starts: dict[str, Event] = {}
    ends: dict[str, list[Event]] = {}
    for event in events:
        if is_start(event):
            assert event["span_id"] not in starts, f"span {event['span_id']} started twice"
            starts[event["span_id"]] = event
        elif is_end(event):
            ends.setdefault(event["span_id"], []).append(event)
    unclosed = sorted(set(starts) - set(ends))
    unopened = sorted(set(ends) - set(starts))
    repeated = sorted(span for span, found in ends.items() if len(found) > 1)
    assert not (unclosed or unopened or repeated), (
        f"unclosed spans {unclosed}, ends without a start {unopened}, spans ended twice {repeated}"
    )
    return {span: (start, ends[span][0]) for span, start in starts.items()}


def nodes(events: list[Event]) -> dict[str, Event]:
    """span_id -> the event that defines it (a start event or an instant event)."""
    defined = [event for event in events if not is_end(event)]
    twice = [span for span, count in Counter(event["span_id"] for event in defined).items() if count > 1]
    assert not twice, f"span ids defined twice: {twice}"
    return {event["span_id"]: event for event in defined}


def assert_tree(events: list[Event]) -> Event:
    """Parent links form one tree rooted at `run_start`: returns the root.

    Every `parent_id` (end events included) names a span of the run, exactly one node has no parent,
    and following parents from any node reaches it without a cycle.
    """
    by_id = nodes(events)
    dangling = [(e["seq"], e["parent_id"]) for e in events
                if e["parent_id"] is not None and e["parent_id"] not in by_id]
    assert not dangling, f"(seq, parent_id) pointing at no span of the run: {dangling}"
    roots = [event for event in by_id.values() if event["parent_id"] is None]
    assert [r["event_type"] for r in roots] == ["run_start"], f"roots: {[(r['seq'], r['event_type']) for r in roots]}"
    for span_id in by_id:
        seen = set()
        while span_id is not None:
            assert span_id not in seen, f"parent cycle through {sorted(seen)}"
            seen.add(span_id)
            span_id = by_id[span_id]["parent_id"]
    return roots[0]


def find(events: list[Event], event_type: str, name: str | None = None) -> list[Event]:
    return [e for e in events if e["event_type"] == event_type and (name is None or e["name"] == name)]


def refused_peak(path: Path, match: str) -> int:
    """The peak of the memory traced while the store's reader reads `path` and refuses it with a TraceError
    that matches `match` (a line too long to hold): a test holds the peak to what refusing should take."""
    reader = TraceReader(ReadProblems(), write_index=False)
    tracemalloc.start()
    try:
        with pytest.raises(TraceError, match=match):
            list(reader.records(RunSource(str(path), (str(path),))))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
