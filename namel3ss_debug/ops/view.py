"""`view`'s use case: the page of a run, read again whenever its files change (`view --follow`).

A `LiveRun` answers "the page now": it looks at the run's files (their sizes and modification times, and
any new segment the writer rotated to) and reads the run again when they changed, so spans written since
appear, running spans grow and the analysis (anomalies included) is the run's as it stands. Reading a run
again costs what `report` costs, so following suits the runs one watches being written (tens of MB), not
a finished 1 GB run (which `view` without `--follow` reads once).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..analysis.fields import micros
from ..model.errors import Namel3ssDebugError
from ..store.sources import resolve_sources
from .environment import Environment
from .report import ReportPage, ReportRequest, report_traces
from .traces import TraceArgs, open_traces


@dataclass(frozen=True)
class Snapshot:
    """The page as read at one moment; `version` goes up each time the run is read again."""

    page: ReportPage
    version: int
    ended: bool
    now_ms: float | None  # how far the run has got, for a run still being written


class LiveRun:
    """The page of the runs `request` names; with `follow`, read again when their files change."""

    def __init__(self, request: ReportRequest, env: Environment, *, follow: bool = False,
                 clock: Callable[[], float] = time.time):
        self.follow, self._clock = follow, clock
        self._warned: set[str] = set()
        self.env = replace(env, warn=self._warn_once(env.warn))
        self.request = request if request.traces else replace(request, traces=(_newest(request, self.env),))
        self._lock = threading.Lock()
        self._files: tuple[tuple[str, int, int], ...] = ()
        self._snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        """The page now (reads the run again if it changed since the last call). Raises what
        `report_traces` raises; a run that could be read once and then cannot keeps its last page."""
        with self._lock:
            if self._snapshot is not None and (not self.follow or self._snapshot.ended):
                return self._now(self._snapshot)
            files = self._stat()
            if self._snapshot is not None and files == self._files:
                return self._now(self._snapshot)
            try:
                page = report_traces(self.request, self.env)
            except (Namel3ssDebugError, OSError):
                if self._snapshot is None:
                    raise
                return self._now(self._snapshot)  # torn mid-write, or a segment rotating: the next poll reads it
            self._files = files
            version = self._snapshot.version + 1 if self._snapshot is not None else 1
            ended = all(run.ended for run in page.runs)
            self._snapshot = Snapshot(page, version, ended, None)
            return self._now(self._snapshot)

    def _now(self, snapshot: Snapshot) -> Snapshot:
        """A running run has got as far as the clock (on the run's own time axis)."""
        if snapshot.ended or not self.follow:
            return snapshot
        started = micros(snapshot.page.runs[0].table.started)
        if started is None:
            return snapshot
        return replace(snapshot, now_ms=max(0.0, self._clock() * 1000 - started / 1000))

    def _stat(self) -> tuple[tuple[str, int, int], ...]:
        """Each file of the runs named, with its size and modification time (new segments show up here)."""
        found = []
        try:
            sources = resolve_sources(self.request.traces)
        except (Namel3ssDebugError, OSError):
            sources = []
        for source in sources:
            for path in source.files:
                try:
                    status = os.stat(path)
                except OSError:
                    continue
                found.append((path, status.st_size, status.st_mtime_ns))
        return tuple(found)

    def _warn_once(self, warn: Callable[[str], None]) -> Callable[[str], None]:
        def once(message: str) -> None:
            if message not in self._warned:
                self._warned.add(message)
                warn(message)
        return once


def _newest(request: ReportRequest, env: Environment) -> str:
    """The newest run in trace_output_dir, named by its first file (so later reads follow that run, not
    whichever run is newest then)."""
    sources, _ = open_traces(TraceArgs((), False, request.strict, request.config_path), env)
    return sources[0].files[0]
