"""The result cache is its owner's alone: its directory 0700 and each result file 0600, whatever the umask, as the
traces its results hold text from (the tracer writes them 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from support.tracefactory import TraceBuilder

from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs


def test_a_kept_result_is_readable_by_its_owner_alone(tmp_path: Path) -> None:
    trace = TraceBuilder("20261127-100000-abcdef")
    trace.run_start()
    trace.span("llm", "plan", 12.0, None, model="gpt-4o", outputs={"text": "the customer's question"})
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    previous = os.umask(0o022)
    try:
        analyze_traces(AnalyzeRequest(TraceArgs((str(path),))),
                       Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path))
    finally:
        os.umask(previous)
    kept = list((tmp_path / "cache" / "namel3ss-debug" / "results").iterdir())
    assert kept and {stat.S_IMODE(entry.stat().st_mode) for entry in kept} == {0o600}
    assert {stat.S_IMODE(entry.parent.stat().st_mode) for entry in kept} == {0o700}
