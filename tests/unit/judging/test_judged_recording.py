"""`judge_recording` reads its recording once: the timeline verify, bisect and the experiment rerun against and
the outcome they judge come from one read, so a broken recording's warnings are said once."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.judged import judge_recording, judging_of, read_recording
from namel3ss_debug.ops.rerun_request import RerunRequest
from namel3ss_debug.recording.load import load_timeline
from namel3ss_debug.recording.timeline import MemoryStore, Timeline
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def broken_recording(tmp_path: Path) -> Path:
    """A run of `app.py` with a line that is not JSON in its middle and a torn last line."""
    (tmp_path / "app.py").write_text("print('hi')\n")
    builder = TraceBuilder()
    builder.run_start(argv=["app.py"])
    builder.span("tool", "search", 5.0)
    builder.run_end()
    lines = builder.lines().splitlines(keepends=True)
    path = tmp_path / "recorded.jsonl"
    path.write_bytes(b"".join(lines[:2]) + b"not json\n" + b"".join(lines[2:]) + b'{"seq": 9, "torn')
    return path


def test_a_broken_recording_s_warnings_are_said_once(tmp_path):
    path = broken_recording(tmp_path)
    said: list[str] = []
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append)
    judging = judging_of("verify", "the recording", "judges", RerunRequest(str(path), cwd=tmp_path), None, env)
    with judge_recording(RunSource(str(path), (str(path),)), judging, env) as judged:
        assert judged.outcome.passed and len(judged.timeline) == 4
    assert [line for line in said if "recorded.jsonl:" in line] == [
        f"{path}:3: not JSON (invalid literal, expected 'null')",
        f"{path}:6: last line is incomplete (the writer stopped mid-line, e.g. a crash); ignored"]


def seen(timeline: Timeline) -> list[tuple[object, ...]]:
    return [(timeline.seq[i], timeline.kind[i], timeline.depth[i], timeline.key(i), timeline.partner(i),
             timeline.where(i), timeline.event(i)) for i in range(len(timeline))]


def test_a_run_held_as_dicts_is_built_from_the_judging_read_as_the_loader_builds_it(tmp_path):
    path = tmp_path / "legacy.jsonl"  # a mapped format: its events are made, not read again at an offset
    start = {"event_type": "llm_call_start", "timestamp": 1700000000.5, "event_id": "e1", "execution_id": "x1",
             "component": "llm", "component_name": "planner", "parent_event_id": None}
    end = {**start, "event_type": "llm_call_end", "timestamp": 1700000001.5, "event_id": "e2",
           "parent_event_id": "e1"}
    path.write_bytes(orjson.dumps(start) + b"\n" + orjson.dumps(end) + b"\n")
    source = RunSource(str(path), (str(path),))
    loaded = load_timeline(source, TraceReader(ReadProblems()))
    timeline, _, report = read_recording(source, TraceReader(ReadProblems()), [], Options(), Environment())
    assert isinstance(timeline.store, MemoryStore) and seen(timeline) == seen(loaded) and report.run_ids
