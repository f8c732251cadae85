"""One run's write path: filter -> seq -> pipeline -> writer, thread-safe, never raising."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Protocol

from ..model.events import SCHEMA_VERSION
from .clock import iso_now
from .filter import EventFilter
from .pipeline import Pipeline


class Writer(Protocol):
    path: Any

    def should_rotate(self, line_length: int) -> bool: ...
    def rotate(self) -> Any: ...
    def append(self, line: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class Recorder:
    """Assigns `seq` after filtering (so filtered events leave no gap) and starts each segment."""

    def __init__(self, *, run_id: str, root_id: str, pipeline: Pipeline, writer: Writer,
                 event_filter: EventFilter | None, segment_span_id: Any):
        self.run_id = run_id
        self.root_id = root_id
        self.pipeline = pipeline
        self.writer = writer
        self.filter = event_filter if event_filter is not None and event_filter.is_active else None
        self.lock = threading.RLock()  # re-entrant: a signal handler may flush while the main thread writes
        self.seq = 0
        self.errors = 0  # our own failures, reported in run_end rather than raised
        self.closed = False
        self._segment_span_id = segment_span_id
        self._segment_attrs: dict[str, Any] = {}

    def set_segment_attrs(self, **attrs: Any) -> None:
        """What every `segment_start` repeats about the run (entry, start time), so a segment stands alone."""
        self._segment_attrs.update(attrs)

    def emit(self, event: dict[str, Any]) -> None:
        with self.lock:
            if self.closed:
                return
            try:
                for item in self.filter(event) if self.filter is not None else (event,):
                    self._write(item)
            except Exception as exc:  # the app must never see our failure
                self._note_failure(exc)

    def flush(self) -> None:
        with self.lock:
            try:
                self.writer.flush()
            except Exception as exc:
                self._note_failure(exc)

    def drain(self) -> None:
        """Write the starts the filter still holds (spans open at the end of the run)."""
        with self.lock:
            if self.filter is None or self.closed:
                return
            try:
                for item in self.filter.drain():
                    self._write(item)
            except Exception as exc:
                self._note_failure(exc)

    def close(self) -> None:
        self.drain()
        with self.lock:
            self.closed = True
            try:
                self.writer.close()
            except Exception as exc:
                self._note_failure(exc)

    def _write(self, event: dict[str, Any]) -> None:
        event["seq"] = self.seq
        line = self.pipeline.serialize(event)
        if self.writer.path is None or self.writer.should_rotate(len(line)):
            self._start_segment()
            event["seq"] = self.seq
            line = self.pipeline.serialize(event)
        self.writer.append(line)
        self.seq += 1

    def _start_segment(self) -> None:
        previous = self.writer.path
        path = self.writer.rotate()
        event = {
            "v": SCHEMA_VERSION, "run_id": self.run_id, "seq": self.seq, "ts": iso_now(),
            "event_type": "segment_start", "component": "app", "name": getattr(path, "name", "memory"),
            "span_id": self._segment_span_id(), "parent_id": self.root_id, "status": "completed",
            "pid": os.getpid(),
            "attrs": {**self._segment_attrs, "segment": getattr(self.writer, "index", 0), "first_seq": self.seq,
                      "previous_segment": getattr(previous, "name", None)},
        }
        self.writer.append(self.pipeline.serialize(event))
        self.seq += 1

    def _note_failure(self, exc: BaseException) -> None:
        self.errors += 1
        if self.errors == 1:
            print(f"namel3ss-debug: tracing error (the app continues): {exc!r}", file=sys.stderr)
