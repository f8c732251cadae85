"""`judge_recording` reads its recording once: the timeline verify, bisect and the experiment rerun against and
the outcome they judge come from one read, so a broken recording's warnings are said once."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.judged import judge_recording, judging_of
from namel3ss_debug.ops.rerun_request import RerunRequest
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
