"""`view`'s use case: the page of a run, read again whenever its files change (`view --follow`).

A `LiveRun` answers "the page now": it looks at the run's files (their sizes and modification times, and
any new segment the writer rotated to) and reads the run again when they changed, so spans written since
appear, running spans grow and the analysis (anomalies included) is the run's as it stands. Reading a run
again costs what `report` costs, so following suits the runs one watches being written (tens of MB), not
a finished 1 GB run (which `view` without `--follow` reads once).

Following a directory (no TRACE: trace_output_dir; or a directory named), it follows the directory's newest
run, and switches to a newer one as soon as its first file appears: `view --follow` started before the app
shows the app's run, not the one before it. A directory with no run yet is waited on (`NoRunYet`).

A followed run read before its `run_end` is being written: its verdict is `running` and its open spans are
`in flight` (`analysis/running.py`), not "never ended". A run followed once it has ended, read without
--follow, or whose writer is known to be gone (its `run_start` names this host and a process id no process has:
the app was killed before it could write `run_end`), is read as `report` reads it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..analysis.fields import micros
from ..analysis.running import as_running
from ..config import load_settings
from ..model.errors import Namel3ssDebugError, TraceError, UsageError
from ..store import remote
from ..store.sources import is_directory, resolve_sources
from .environment import Environment
from .report import ReportPage, ReportRequest, RunPicture, report_traces
from .traces import TraceArgs, open_traces


class NoRunYet(TraceError):
    """The followed directory holds no run yet (or does not exist yet): the first one is waited for."""


@dataclass(frozen=True)
class Snapshot:
    """The page as read at one moment; `version` goes up each time the run is read again."""

    page: ReportPage
    version: int
    ended: bool
    now_ms: float | None  # how far the run has got, for a run still being written
    running: bool = False  # followed, no `run_end` yet, and its writer not known to be gone
    in_flight: int = 0  # the followed run's spans started and not ended, while it is written
    switched_from: str | None = None  # the run followed before this one, when the newest run changed


class LiveRun:
    """The page of the runs `request` names; with `follow`, read again when their files change, and
    (following a directory) moved to the directory's newest run when a new one starts."""

    def __init__(self, request: ReportRequest, env: Environment, *, follow: bool = False,
                 clock: Callable[[], float] = time.time):
        if follow:
            local_follow(request.traces)
        self.follow, self._clock = follow, clock
        self.env = replace(env, warn=warn_once(env.warn))
        self.directory = _followed_directory(request, self.env) if follow else None
        if self.directory is not None:
            newest = _newest_in(self.directory)
            self.request = replace(request, traces=(newest,) if newest else ())
        else:
            self.request = request if request.traces else replace(request, traces=(_newest(request, self.env),))
        self._lock = threading.Lock()
        self._files: tuple[tuple[str, int, int], ...] = ()
        self._snapshot: Snapshot | None = None
        self._read: tuple[str, ...] = ()  # the traces the snapshot was read from
        self._switched_from: str | None = None

    @property
    def watching(self) -> str | None:
        """The directory whose newest run is followed (None: one run, named)."""
        return str(self.directory) if self.directory is not None else None

    def snapshot(self) -> Snapshot:
        """The page now (reads the run again if it changed since the last call). Raises what
        `report_traces` raises (`NoRunYet` for a followed directory with no run yet); a run that could be
        read once and then cannot keeps its last page."""
        with self._lock:
            self._follow_newest()
            current = self._snapshot if self._read == self.request.traces else None
            if current is not None and (not self.follow or current.ended):
                return self._now(current)
            files = self._stat()
            if current is not None and files == self._files and not self._stopped(current):
                return self._now(current)
            if self.follow and not any(size for _, size, _ in files):  # created, nothing flushed to it yet
                if self._snapshot is None:
                    raise TraceError(f"{self.request.traces[0]}: no events yet")
                return self._now(self._snapshot)
            try:
                page = report_traces(self.request, self.env)
            except (Namel3ssDebugError, OSError):
                if self._snapshot is None:
                    raise
                return self._now(self._snapshot)  # torn mid-write, or a segment rotating: the next poll reads it
            self._files, self._read = files, self.request.traces
            self._snapshot = self._snapshot_of(page)
            return self._now(self._snapshot)

    def _snapshot_of(self, page: ReportPage) -> Snapshot:
        version = self._snapshot.version + 1 if self._snapshot is not None else 1
        ended = all(run.ended for run in page.runs)
        running = self.follow and not ended and not any(_writer_gone(run) for run in page.runs)
        in_flight = 0
        if running:  # being written: running, its open calls in flight
            records = [as_running(run.report) for run in page.runs]
            page = replace(page, runs=[replace(run, report=record.report) for run, record in zip(page.runs, records)])
            in_flight = sum(record.in_flight for record in records)
        return Snapshot(page, version, ended, None, running, in_flight, self._switched_from)

    @staticmethod
    def _stopped(snapshot: Snapshot) -> bool:
        """Whether a run read as running has lost its writer since (killed: its files will not change again)."""
        return snapshot.running and any(_writer_gone(run) for run in snapshot.page.runs)

    def _follow_newest(self) -> None:
        """Following a directory: move to its newest run when a newer one has begun."""
        if self.directory is None:
            return
        newest = _newest_in(self.directory)
        if newest is None:
            if not self.request.traces:
                raise NoRunYet(f"no run in {self.directory} yet", hint="start the app: namel3ss-debug trace app.py")
            return
        if self.request.traces and newest == self.request.traces[0]:
            return
        if self._snapshot is not None:
            self._switched_from = _run_id(self._snapshot.page.runs[0])
        self.request = replace(self.request, traces=(newest,))
        self._files = ()

    def _now(self, snapshot: Snapshot) -> Snapshot:
        """A running run has got as far as the clock (on the run's own time axis)."""
        if not snapshot.running:
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


def experiment_forks(page: ReportPage) -> list[str]:
    """The run ids of the forks `diagnose --experiment` made of the page's runs (their records), in the order tried:
    `view DIR` links each one its index holds to its page."""
    return [fork for run in page.runs if run.experiment is not None for done in run.experiment.tried
            for fork in done.forks]


def warn_once(warn: Callable[[str], None]) -> Callable[[str], None]:
    """`warn`, saying each message once (a page polled twice a second meets the same problem at each poll)."""
    said: set[str] = set()

    def once(message: str) -> None:
        if message not in said:
            said.add(message)
            warn(message)
    return once


def local_follow(traces: Sequence[str]) -> None:
    """`--follow` watches local files grow; an object in a store is read as it is now (a UsageError says so)."""
    for trace in traces:
        if remote.is_url(trace):
            raise UsageError("view --follow watches local traces; a run in a store is shown as it is now",
                             hint="leave out --follow")


def _followed_directory(request: ReportRequest, env: Environment) -> Path | None:
    """The directory `view --follow` watches for new runs: trace_output_dir with no TRACE (it may not exist
    yet: the app's first run makes it), a directory named as TRACE; None for a run named."""
    if not request.traces:
        resolved = load_settings(env.environ, env.cwd, config_path=request.config_path)
        for message in resolved.warnings:
            env.warn(message)
        return resolved.output_dir()
    if len(request.traces) == 1 and is_directory(Path(request.traces[0])):
        return Path(request.traces[0])
    return None


def _newest_in(directory: Path) -> str | None:
    """The first file of the directory's newest run (run ids begin with their start time), None when it
    holds none or is not there yet."""
    if not is_directory(directory):
        return None
    try:
        sources = resolve_sources((str(directory),))
    except Namel3ssDebugError:
        return None
    return sources[0].files[0] if sources and sources[0].files else None


def _writer_gone(picture: RunPicture) -> bool:
    """Whether the process that writes the run is known to be gone: its `run_start` names this host and a
    process id no process has now (a process of another host, or one we may not signal, is not known gone)."""
    rows = picture.table.rows
    start = rows[0].node.start if rows else None
    if start is None or start.get("event_type") != "run_start":
        return False
    pid, attrs = start.get("pid"), start.get("attrs")
    if not isinstance(pid, int) or pid <= 0 or not isinstance(attrs, dict) or attrs.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _run_id(picture: RunPicture) -> str:
    return picture.run_id or picture.source.label


def _newest(request: ReportRequest, env: Environment) -> str:
    """The newest run in trace_output_dir, named by its first file (so later reads follow that run, not
    whichever run is newest then)."""
    sources, _ = open_traces(TraceArgs((), False, request.strict, request.config_path), env)
    return sources[0].files[0]
