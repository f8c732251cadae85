"""`redact`'s use case: trace files already written, rewritten with the tracer's redaction (or only counted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..config import Settings
from ..model.errors import UsageError
from ..scrub.run import FileRedaction, redact_run
from ..store.sources import STDIN, RunSource
from .environment import Environment
from .traces import TraceArgs, open_traces


@dataclass(frozen=True)
class RedactRequest:
    runs: TraceArgs = field(default_factory=TraceArgs)
    dry_run: bool = False  # count the events that would change; write nothing


def redact_traces(request: RedactRequest, env: Environment) -> Iterator[FileRedaction]:
    """Each file of each run, as it is done: the runs are checked and named now, and each is rewritten when
    the iteration reaches it (a run that cannot be read whole raises TraceError there, its files untouched)."""
    if STDIN in request.runs.traces:
        raise UsageError("standard input (-) cannot be rewritten", hint="save it to a file and redact that")
    sources, resolved = open_traces(request.runs, env)
    return _redacted(sources, resolved.settings, write=not request.dry_run)


def _redacted(sources: list[RunSource], settings: Settings, write: bool) -> Iterator[FileRedaction]:
    for source in sources:
        yield from redact_run(source, settings.redact_keys, settings.redact_patterns, write=write)
