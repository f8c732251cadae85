"""Capture a run's events in memory, through the same pipeline that writes files."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import orjson

from ..config import load_settings
from ..model.events import is_end
from ..tracer.api import get_tracer


class MemoryWriter:
    """A writer that keeps serialized lines in a list (one segment, never rotates)."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.path: str | None = None
        self.index = 0

    def should_rotate(self, line_length: int) -> bool:
        return self.path is None  # one segment, opened by the first line

    def rotate(self) -> str:
        self.path = "memory"
        return self.path

    def append(self, line: bytes) -> None:
        self.lines.append(line)

    def flush(self) -> None:
        pass

    def settle(self) -> None:
        pass

    def close(self, last: Any = None) -> None:
        pass


class CapturedRun:
    """The events of a captured run, decoded from the JSON lines the tracer produced."""

    def __init__(self, writer: MemoryWriter):
        self._writer = writer

    @property
    def events(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self._writer.lines]

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event_type"] == event_type]

    def calls(self, component: str, name: str | None = None) -> list[dict[str, Any]]:
        """End events of the spans of `component` (and `name`), in the order they finished."""
        return [e for e in self.events if e["component"] == component and is_end(e["event_type"])
                and e["event_type"] != "run_end" and (name is None or e["name"] == name)]


@contextmanager
def capture_events(**settings: Any) -> Iterator[CapturedRun]:
    """Trace the block into memory; `settings` override the configuration as `configure()` does.

        with capture_events() as run:
            my_agent("question")
        assert not [e for e in run.events if e["status"] == "failed"]
    """
    resolved = load_settings(os.environ, Path.cwd(), overrides={"enabled": True, **settings},
                             override_source="capture_events()")
    writer = MemoryWriter()
    tracer = get_tracer()
    tracer.start_run(resolved, entry={"kind": "capture", "name": "capture_events"}, writer=writer,
                     install_hooks=False, startup=False)
    try:
        yield CapturedRun(writer)
    finally:
        tracer.end_run()
