"""One run's write path: filter -> seq -> pipeline -> writer, thread-safe, never raising.

The run's end is a cut, made in one hold of the recorder's lock (`emit_last`): every event that reached the
recorder before it is written, then `run_end`, and the files are closed. An event that arrives after it is
never written, so nothing follows `run_end`; it is counted in `after_end`. When the process ends with the
run (`end_with_process`), a thread other than the one that ended the run waits where such an event
arrives, until the process is gone or `END_HOLD_SECONDS` have passed: the app's threads stop at the end,
and what each of them did before it is in the trace. Where nothing of the app runs after the end (`trace`,
once the app's own atexit callbacks have run), a thread waits until the process is gone, however long
`trace` then takes to print its summary: none goes on untraced.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable, Protocol

from ..model.events import SCHEMA_VERSION
from .clock import iso_now
from .filter import CaptureFilter
from .pipeline import Pipeline
from .serialize import safe_repr

# How long, at most, a thread that traces after the run ended with its process waits for the process to be
# gone, unless it is held for good (see end_with_process). Longer only when something keeps the process alive
# after the run's end (an atexit callback registered before the run, which may join a daemon thread); the
# thread then goes on, untraced, counted in `after_end`.
END_HOLD_SECONDS = 1.0


class Writer(Protocol):
    path: Any

    def should_rotate(self, line_length: int) -> bool: ...
    def rotate(self) -> Any: ...
    def append(self, line: bytes) -> None: ...
    def flush(self) -> None: ...
    def settle(self) -> None: ...
    def close(self, last: Callable[[], bytes] | None = None) -> None: ...


class Recorder:
    """Assigns `seq` after filtering (so filtered events leave no gap) and starts each segment."""

    def __init__(self, *, run_id: str, root_id: str, pipeline: Pipeline, writer: Writer,
                 event_filter: CaptureFilter | None, segment_span_id: Any):
        self.run_id = run_id
        self.root_id = root_id
        self.pipeline = pipeline
        self.serialize = pipeline.serialize  # bound once: the hot path
        self.writer = writer
        self.filter = event_filter if event_filter is not None and event_filter.is_active else None
        self.lock = threading.RLock()  # re-entrant: a signal handler may flush while the main thread writes
        self.seq = 0
        self.errors = 0  # our own failures, reported in run_end rather than raised
        self.closed = False
        self.after_end = 0  # events that arrived after run_end: never written
        self.ends_with_process = False  # see end_with_process
        self._ender: int | None = None  # the thread that made the cut, which is never held
        self._held_until = 0.0
        self._hold_all_for_good = False
        self._never = threading.Event()  # never set: what a thread held for good waits on
        self._segment_span_id = segment_span_id
        self._segment_attrs: dict[str, Any] = {}
        self._deferred: Callable[[], None] | None = None
        self._writing = False  # inside _write: serializing may run app code (a __repr__) that traces
        self._queued: list[dict[str, Any]] = []

    def set_segment_attrs(self, **attrs: Any) -> None:
        """What every `segment_start` repeats about the run (entry, start time), so a segment stands alone."""
        self._segment_attrs.update(attrs)

    def emit(self, event: dict[str, Any]) -> None:
        # The hot path: kept flat, as it runs for every event of every traced call.
        with self.lock:
            if self._writing:  # an event from app code run by our own serialization: after this one
                self._queued.append(event)
            elif not self.closed:
                try:
                    if self.filter is None:
                        self._write(event)
                    else:
                        for item in self.filter(event):
                            self._write(item)
                    if self._queued:
                        self._write_queued()
                except Exception as exc:  # the app must never see our failure
                    self.note_failure(exc)
            else:
                self._after_end()
        if self._deferred is not None:
            self._run_deferred()

    def end_with_process(self, *, hold_all: bool = False) -> None:
        """The run's end will be the process's end: from the cut on, a thread other than the one that makes it
        waits where its next event arrives (see the module's docstring). With `hold_all`, nothing of the app
        runs after the cut and Python waits for none of its threads (they were waited for, within a bound or
        until a second Ctrl-C), so every thread waits until the process is gone: none goes on untraced."""
        self.ends_with_process = True
        self._hold_all_for_good = self._hold_all_for_good or hold_all

    def emit_last(self, build: Callable[[], dict[str, Any]]) -> None:
        """The cut: write what is still held (events kept back by the filter, queued ones), then the run's last
        event, and close the writer, in one hold of the lock, so that no event can come after it. `build` runs
        after the buffered lines were tried (a full disk may drop some, which it then counts) and again if
        the event opens a new segment, so what it reports about segments includes the rotation it caused."""
        self._locked(self._emit_last, build)

    def flush(self) -> None:
        self._locked(self.writer.flush)

    def close(self) -> None:
        self._locked(self._close)

    def run_or_defer(self, action: Callable[[], None]) -> None:
        """For signal handlers: run `action` now or, if the signal interrupted this recorder's own work
        in this thread, as soon as that work is done (a handler must not re-enter a write)."""
        if self.lock._is_owned():  # type: ignore[attr-defined]
            self._deferred = action
        else:
            action()

    def _run_deferred(self) -> None:
        # Signal handlers run in the main thread, which deferred the action: it runs it, once its
        # outermost write is done (never the flush thread, where a KeyboardInterrupt would be lost).
        if threading.current_thread() is threading.main_thread() and not self.lock._is_owned():  # type: ignore[attr-defined]
            action, self._deferred = self._deferred, None
            if action is not None:
                action()

    def _locked(self, work: Callable[..., None], *args: Any) -> None:
        with self.lock:
            try:
                work(*args)
            except Exception as exc:  # the app must never see our failure
                self.note_failure(exc)
        if self._deferred is not None:
            self._run_deferred()

    def _emit_last(self, build: Callable[[], dict[str, Any]]) -> None:
        if self.closed:
            return
        last: Callable[[], bytes] | None = None
        try:
            self._drain()
            self._settle_before_the_end()
            self._write(build(), rebuild=build)
            seq = self.seq - 1
            last = lambda: self.serialize({**build(), "seq": seq})  # noqa: E731 - built again with the counts then
        finally:
            self._close(last)

    def _settle_before_the_end(self) -> None:
        """What waits is written (or, on a disk still full or a file at its size limit, dropped and counted)
        before `run_end` is built: the count it reports is then final, unless `run_end` itself must make room
        (the writer's `close`, which builds it again)."""
        try:
            self.writer.settle()
        except OSError as exc:
            self.note_failure(exc)

    def _drain(self) -> None:
        if self.filter is not None and not self.closed:
            for item in self.filter.drain():
                self._write(item)
        if self._queued and not self.closed:
            self._write_queued()

    def _close(self, last: Callable[[], bytes] | None = None) -> None:
        if self.closed:
            return
        self._drain()
        self.closed = True
        self._ender = threading.get_ident()
        try:
            self.writer.close(last)
        except Exception as exc:
            self.errors += 1
            if os.path.isfile(str(getattr(self.writer, "path", ""))):  # a trace on disk, without its end now:
                print(f"namel3ss-debug: tracing error: the end of the trace could not be written ({exc!r}); "
                      f"it has no run_end", file=sys.stderr)  # said even when an earlier failure was
        finally:
            self._held_until = time.monotonic() + END_HOLD_SECONDS

    def _after_end(self) -> None:
        """An event after the cut, under the lock: counted, never written. At the process's end, a thread other
        than the ender waits here, the lock let go meanwhile, so that it stops where the run ended."""
        self.after_end += 1
        if not self.ends_with_process or threading.get_ident() == self._ender:
            return
        remaining = None if self._hold_all_for_good else self._held_until - time.monotonic()
        if remaining is None or remaining > 0:
            self.lock.release()
            try:
                self._never.wait(remaining)
            finally:
                self.lock.acquire()

    def _write_queued(self) -> None:
        while self._queued:
            event = self._queued.pop(0)
            for item in self.filter(event) if self.filter is not None else (event,):
                self._write(item)

    def _write(self, event: dict[str, Any], rebuild: Callable[[], dict[str, Any]] | None = None) -> None:
        self._writing = True
        try:
            event["seq"] = self.seq
            line = self.serialize(event)
            writer = self.writer
            if writer.should_rotate(len(line)) and self._start_segment():
                event = rebuild() if rebuild is not None else event
                event["seq"] = self.seq
                line = self.serialize(event)
            self.seq += 1  # before the append: seq numbers are never handed out twice
            writer.append(line)  # the line is buffered even if the flush it triggers fails
        finally:
            self._writing = False

    def _start_segment(self) -> bool:
        """Open the next segment with its `segment_start`; False when the writer could not (a full disk): the
        event then goes on in the current segment, with the lines that wait for it."""
        previous = self.writer.path
        try:
            path = self.writer.rotate()
        except OSError as exc:
            self.note_failure(exc)
            return False
        event = {
            "v": SCHEMA_VERSION, "run_id": self.run_id, "seq": self.seq, "ts": iso_now(),
            "event_type": "segment_start", "component": "app", "name": getattr(path, "name", "memory"),
            "span_id": self._segment_span_id(), "parent_id": self.root_id, "status": "completed",
            "pid": os.getpid(),
            "attrs": {**self._segment_attrs, "segment": getattr(self.writer, "index", 0), "first_seq": self.seq,
                      "previous_segment": getattr(previous, "name", None)},
        }
        self.seq += 1
        self.writer.append(self.pipeline.serialize(event))
        return True

    def note_failure(self, exc: BaseException) -> None:
        self.errors += 1
        if self.errors == 1 and sys.stderr is not None:  # the exception may be the app's: its repr may fail too
            print(f"namel3ss-debug: tracing error (the app continues): {safe_repr(exc)}", file=sys.stderr)
