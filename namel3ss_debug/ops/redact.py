"""`redact`'s use case: trace files already written, rewritten with the tracer's redaction (or only counted).

A run still being written is left alone: its writer holds a lock on the file it has open (`model/writing`),
and a rename would leave it writing to the replaced file, every line after lost. Before any file of a run
is read, each is locked: the newest two (the most its writer can have open) are held until the run is
done, the others let go at once (a writer never opens a closed segment again); then the run's files are
listed again: a segment begun meanwhile is locked too (or the run refused). With `wait`, a run being
written is waited for instead. After each run, the result cache forgets every result read from its files.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Iterator

from ..config import Settings
from ..model.errors import Namel3ssDebugError, UsageError
from ..model.writing import HeldFiles, StillWriting
from ..scrub.run import FileRedaction, redact_run
from ..store import remote
from ..store.sources import STDIN, RunSource, resolve_sources
from .cache import ResultCache, file_marks, results_directory
from .environment import Environment
from .traces import TraceArgs, open_traces

WAIT_HINT = "wait for the app to end, or use --wait to wait for it"
OPEN_AT_MOST = 2  # segments of a run its writer may have open at once: the last, and at a rotation the next
# Where no file is locked (see model/writing), Windows still refuses to replace a file another process has open.
REPLACE_HINT = ("a file its app still has open cannot be replaced on Windows: wait for the app to end"
                if os.name == "nt"
                else "redact writes each new file beside the old one: the directory must be writable")


@dataclass(frozen=True)
class RedactRequest:
    runs: TraceArgs = field(default_factory=TraceArgs)
    dry_run: bool = False  # count the events that would change; write nothing
    wait: bool = False  # a run still being written: wait for its writer to be done, rather than leave it


def redact_traces(request: RedactRequest, env: Environment) -> Iterator[FileRedaction]:
    """Each file of each run, as it is done: the runs are checked and named now, and each is rewritten when
    the iteration reaches it (a run that cannot be read whole raises TraceError there, its files untouched).
    A run still being written is passed over; once the others are done, `StillWriting` names it."""
    if STDIN in request.runs.traces:
        raise UsageError("standard input (-) cannot be rewritten", hint="save it to a file and redact that")
    for name in request.runs.traces:
        if remote.is_url(name):
            raise UsageError("a trace in a store is not rewritten in place", where=name,
                             hint="copy it here (aws s3 cp), redact the copy, and put it back")
    for name in request.runs.traces:
        _check_rewritable(name)
    sources, resolved = open_traces(request.runs, env)
    cache = ResultCache(results_directory(env.environ), env.warn)
    return _redacted(sources, resolved.settings, cache, request)


def _check_rewritable(name: str) -> None:
    """A named pipe, a device or a socket is refused before anything reads it: it cannot be rewritten in place,
    and opening a pipe again to write it would wait for ever for a reader."""
    try:
        mode = os.stat(name).st_mode
    except OSError:
        return  # a missing path: open_traces says so, as every command does
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UsageError("not a regular file: a pipe or a device cannot be rewritten", where=name,
                         hint="save it to a file and redact that")


def _redacted(sources: list[RunSource], settings: Settings, cache: ResultCache,
              request: RedactRequest) -> Iterator[FileRedaction]:
    writing: list[StillWriting] = []
    for source in sources:
        if request.dry_run:  # nothing is written: a count of what is there now
            yield from redact_run(source, settings.redact_keys, settings.redact_patterns, write=False)
            continue
        with HeldFiles() as held:
            try:
                source = _held_whole(source, held, request.wait)
            except StillWriting as error:
                writing.append(error)
                continue
            marks = file_marks(source.files)
            try:
                yield from _rewritten(source, settings)
            finally:
                cache.purge(marks)
    if writing:
        raise _left_alone(writing)


def _rewritten(source: RunSource, settings: Settings) -> list[FileRedaction]:
    try:
        return redact_run(source, settings.redact_keys, settings.redact_patterns)
    except OSError as error:  # the files are as they were: a rewrite replaces a file whole or not at all
        raise Namel3ssDebugError(f"cannot rewrite the run's files: {error.strerror or error}",
                                 where=error.filename or source.label, hint=REPLACE_HINT) from None


def _held_whole(source: RunSource, held: HeldFiles, wait: bool) -> RunSource:
    """The run with its newest two files held and the others found not held by a writer (one never opens a
    segment again once it has closed it), listed again until no file of it is new: a writer locks a new
    segment before it lets go of the last, so a run being written always shows a held file."""
    seen: set[str] = set()
    while True:
        held.check([path for path in source.files[:-OPEN_AT_MOST] if path not in seen], wait=wait)
        held.hold(source.files[-OPEN_AT_MOST:], wait=wait)
        seen.update(source.files)
        now = _files_now(source)
        if seen.issuperset(now.files):
            return now
        source = now


def _files_now(source: RunSource) -> RunSource:
    """The run's files as they are now: its segments, newest included (a file that is not a segment is a
    run of its own, and stays one)."""
    try:
        found = resolve_sources([source.files[-1]])
    except UsageError:  # the newest file went away: what was listed is what there is
        return source
    return found[0] if found and found[0].run_id == source.run_id else source


def _left_alone(writing: list[StillWriting]) -> StillWriting:
    first = writing[0]
    if len(writing) == 1:
        return StillWriting("the run is still being written (a file of it is open in its app): left as it is",
                            where=first.where, hint=WAIT_HINT)
    return StillWriting(f"{len(writing)} runs are still being written: left as they are", where=first.where,
                        hint=WAIT_HINT)
