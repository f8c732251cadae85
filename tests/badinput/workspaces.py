"""A case's directory holding good inputs, for the cases that break something other than the trace: two
good runs (diff needs two), an app to trace, and a file and a directory for path values to run into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.tracefactory import TraceBuilder


@dataclass(frozen=True)
class Workspace:
    """A case's directory with a good run (two, for diff), an app to trace, a file and a directory for the
    path values to meet."""

    root: Path

    @property
    def run(self) -> str:
        return "traces/20261122-100000-abcdef.0000.jsonl"

    @property
    def other(self) -> str:
        return "traces/20261122-110000-abcdef.0000.jsonl"


def make_workspace(root: Path) -> Workspace:
    for run_id, name in (("20261122-100000-abcdef", "traces/20261122-100000-abcdef.0000.jsonl"),
                         ("20261122-110000-abcdef", "traces/20261122-110000-abcdef.0000.jsonl")):
        trace = TraceBuilder(run_id)
        trace.run_start()
        agent = trace.start("agent", "planner", kind="agent_execution")
        trace.span("llm", "planner", 120, agent, model="gpt-4o", usage={"input_tokens": 10, "output_tokens": 5})
        trace.span("tool", "search", 40, agent, status="failed", error={"type": "TimeoutError", "message": "late"})
        trace.end(agent, 5, kind="agent_execution")
        trace.run_end()
        (root / "traces").mkdir(exist_ok=True)
        trace.write(root / name)
    (root / "app.py").write_text("print('ok')\n")
    (root / "dir").mkdir()
    (root / "file").write_text("{}")
    return Workspace(root)
