"""Diagnosis rules through real traces: an app made of the library's decorators traced into a file (as
`capture_events` records it), then read by the one pass (`analyze` with the `findings` section)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from namel3ss_debug.analysis.analyze import analyze
from namel3ss_debug.analysis.records.findings import Finding
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer


def traced(path: Path, app: Callable[[], object], exit_code: int | None = 0) -> Path:
    """`app` run traced into `path`; an exception that escapes it ends the run failed (exit code 1), as
    `namel3ss-debug trace` ends it; else the run ends completed with `exit_code`."""
    with capture_events() as run:
        tracer = get_tracer()
        try:
            app()
        except Exception as exc:  # the app's failure is the run's: recorded, as `trace` records it
            tracer.record_error(exc, unhandled=True)
            tracer.end_run("failed", exit_code=1, error=exc)
        else:
            tracer.end_run("completed", exit_code=exit_code)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in run.events))
    return path


def findings_of(path: Path, kind: str | None = None, components: tuple[str, ...] | None = None) -> list[Finding]:
    """The findings `analyze` reports of the trace at `path` (of `kind` when given; of the events of `components`
    only, as `--component` keeps them, when given)."""
    reader = TraceReader(ReadProblems())
    sources = resolve_sources([str(path)])
    options = Options(counted=lambda event: event.component in components) if components is not None else None
    report = analyze([(source, reader.records(source)) for source in sources], options=options,
                     sections=["overview", "findings"])
    assert report.findings is not None
    return [finding for finding in report.findings.findings if kind is None or finding.kind == kind]
