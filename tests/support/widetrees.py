"""Runs with one very wide span, for the tests of `WidthCap` and of what draws it (`inspect --tree`, `report`).

Events are made with `TraceBuilder.event` (its `end` looks each start up from the first event, which would take
a run of many spans time in the square), and a file is written as they are made: a test that measures a
child's peak memory must not hold the run itself (a forked child starts as big as its parent).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import orjson
from support.tracefactory import TraceBuilder


class _Handed(TraceBuilder):
    """A builder whose events are handed out (and let go of) as they are made: seq counts them all."""

    def __init__(self) -> None:
        super().__init__()
        self.made = 0

    def event(self, *args: Any, **fields: Any) -> dict[str, Any]:
        event = super().event(*args, **fields)
        event["seq"], self.made = self.made, self.made + 1
        return event


def wide_events(children: int, failed: Collection[int] = (), grandchildren: int = 0,
                names: int | None = None) -> Iterator[dict[str, Any]]:
    """A run whose root span has `children` tool calls `t0`, `t1`, ... (those numbered in `failed` fail), each
    with `grandchildren` memory reads under it; with `names`, only that many names (`t{number % names}`): every
    name is an operation of analyze's, which the report's analysis lists."""
    trace = _Handed()
    root = trace.run_start()
    for number in range(children):
        span = trace.new_id()
        name = f"t{number % names if names else number}"
        trace.event("tool_call_start", "tool", name, span, root, "started")
        for _ in range(grandchildren):
            trace.event("memory_operation", "memory", "read", trace.new_id(), span, "completed")
        trace.advance(1.0)
        if number in failed:
            trace.event("tool_call_end", "tool", name, span, root, "failed", duration_ms=1.0,
                        error={"type": "ValueError", "message": f"bad {number}"})
        else:
            trace.event("tool_call_end", "tool", name, span, root, "completed", duration_ms=1.0)
        yield from trace.events
        trace.events.clear()
    trace.event("run_end", "app", "app.py", root, None, "completed", duration_ms=float(children))
    yield from trace.events


def wide_run(children: int, failed: Collection[int] = (), grandchildren: int = 0) -> list[dict[str, Any]]:
    return list(wide_events(children, failed, grandchildren))


def write_wide_run(path: Path, children: int, failed: Collection[int] = (), grandchildren: int = 0,
                   names: int | None = None) -> Path:
    with path.open("wb") as out:
        for event in wide_events(children, failed, grandchildren, names):
            out.write(orjson.dumps(event) + b"\n")
    return path


RUN_ID, ROOT = "20261122-100000-abcdef", "0000000000000001"  # TraceBuilder's run id, and the root's span id
