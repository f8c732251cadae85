"""`replay TRACE --rerun`: run the recorded app again, its calls answered from the trace, and report.

The shell around `rerun/`: read the recorded run, check the mocks against it, find the app and its
directory in `run_start`, run it under the tracer with the rerun answering its calls (and a stepper
with --step or --commands), then set the new run beside the old and print the comparison.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable

from ..config import load_settings
from ..config_rules import HTTP_CAPTURE
from ..model.errors import UsageError
from ..replay.mocks import Mock, MockTable
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn
from .trace_checks import prepare_output_dir


@dataclass(frozen=True)
class RerunOptions:
    """What `replay --rerun` was asked to do (see `replay --help`)."""

    reader: TraceReader
    progress: bool
    run_id: str | None
    mocks: tuple[str, ...]
    mock_files: tuple[Path, ...]
    cwd: Path | None
    match: str
    on_miss: str
    format: str
    output: str | None
    config_path: Path | None
    make_stepper: Callable[[Any, IO[bytes] | None], Any] | None


def rerun(source: RunSource, options: RerunOptions) -> int:
    """Everything `replay --rerun` does; returns the exit code."""
    from ..launch.recorded import recorded_target
    from ..launch.rerun import recorded_form, run_again
    from ..replay.load import load_timeline  # noqa: PLC0415 - loaded only when a rerun runs
    from ..rerun.paths import PathTable
    from ..rerun.recording import Recording
    from ..rerun.report import build_report
    from ..rerun.session import Rerun
    from .replay_setup import load

    timeline = load(source, options.reader, options.progress, options.run_id)
    new_timeline = None
    try:
        recording = Recording(timeline, PathTable())
        mocks = _mocks(timeline, options.mocks, options.mock_files)
        start = recording.start_event()
        recorded = recorded_target(start, options.cwd)
        _check_recording(start, options.match)
        if recorded.redacted_args:
            warn(f"{recorded.redacted_args} of the app's recorded arguments were redacted: the app gets "
                 "[REDACTED] in their place")
        resolved = _settings(options, _recorded_capture(start))
        report_out = _report_stream(options.format)
        stepper = options.make_stepper(recording, report_out) if options.make_stepper else None
        session = Rerun(recording, match=options.match, on_miss=options.on_miss, mocks=mocks, stepper=stepper,
                        inputs_of=recorded_form)
        _announce(recorded, timeline.run_id)
        outcome = run_again(recorded, resolved, session,
                            {"run_id": timeline.run_id, "trace": source.label, "match": options.match,
                             "mocks": sorted(mocks)},
                            app_stdout_to_stderr=options.format == "json")
        _show_app_error(outcome)
        new_paths = tuple(str(path) for path in outcome.run.paths)
        if new_paths:
            new_timeline = load_timeline(RunSource(new_paths[0], new_paths), TraceReader(ReadProblems()))
        report = build_report(source.label, recording, session, outcome.exit_code, new_timeline, new_paths,
                              tuple(recorded.target.argv), str(recorded.cwd))
        _render(report, options.format, report_out)
        return 1 if getattr(stepper, "errors", 0) else report.exit_code
    finally:
        timeline.close()
        if new_timeline is not None:
            new_timeline.close()


def _mocks(timeline: Any, texts: tuple[str, ...], files: tuple[Path, ...]) -> dict[str, Mock]:
    """The mocks by key. A key no recorded call has is kept, with a warning: the changed app may make
    that call."""
    from ..replay.mock_specs import ordered_mocks  # noqa: PLC0415

    table = MockTable(timeline)
    found = {mock.key.text: mock for mock in ordered_mocks(texts, files)}
    for key, mock in found.items():
        if not table.matches(mock.key):
            warn(f"--mock {key} names no recorded call; it answers the rerun's call of that name if one is made")
    return found


def _check_recording(start: dict[str, Any], match: str) -> None:
    config = (start.get("attrs") or {}).get("config") if isinstance(start.get("attrs"), dict) else None
    if not isinstance(config, dict):
        return
    if match == "inputs" and config.get("capture_inputs") is False:
        raise UsageError("--match inputs needs the calls' inputs, and this run was recorded with capture_inputs off",
                         hint="match by place (--match call, the default), or record with capture_inputs on")
    dropping = [key for key in ("default_components", "default_event_types") if config.get(key)]
    if config.get("sample_rate", 1) != 1:
        dropping.append("sample_rate")
    if config.get("min_duration_ms"):
        dropping.append("min_duration_ms")
    if dropping and match == "call":
        warn(f"the run was recorded with {', '.join(dropping)} set, so some spans are missing from it and "
             "calls under them may not be found by place; --match inputs does not need them")


def _recorded_capture(start: dict[str, Any]) -> str | None:
    """What the recording's `capture_http` recorded, or None when it does not say (a run recorded
    before the key existed): the new run records the same, so the two compare event for event."""
    config = (start.get("attrs") or {}).get("config") if isinstance(start.get("attrs"), dict) else None
    mode = config.get("capture_http") if isinstance(config, dict) else None
    return mode if mode in HTTP_CAPTURE else None


def _settings(options: RerunOptions, capture: str | None) -> Any:
    """The new run's settings: this workspace's, with tracing on and the recording's `capture_http`
    (every request is answered or refused by the rerun whatever it is: the network stays closed).
    The trace directory is absolute (the app runs in its own directory): a relative one is joined to
    the working directory or the workspace root, both absolute once --config is."""
    config_path = options.config_path.resolve() if options.config_path is not None else None
    resolved = load_settings(os.environ, Path.cwd(), config_path=config_path,
                             overrides={"enabled": True, "trace_output_dir": options.output,
                                        "capture_http": capture},
                             override_source={"enabled": "--rerun", "trace_output_dir": "--output",
                                              "capture_http": "the recording"})
    for message in resolved.warnings:
        warn(message)
    prepare_output_dir(resolved.output_dir())
    return resolved


def _report_stream(fmt: str) -> IO[bytes] | None:
    """Where JSON goes: the real stdout, kept open while the app's own output is sent to stderr."""
    if fmt != "json":
        return None
    sys.stdout.flush()
    return os.fdopen(os.dup(1), "wb")


def _announce(recorded: Any, run_id: str | None) -> None:
    from ..render.console import make_console  # noqa: PLC0415
    from ..render.rerun.text import announce

    make_console(stderr=True).print(announce(recorded, run_id), soft_wrap=True)


def _show_app_error(outcome: Any) -> None:
    from ..launch.app import app_traceback
    from ..model.replay import RerunStop  # noqa: PLC0415

    error = outcome.exception
    if error is not None and not isinstance(error, (KeyboardInterrupt, RerunStop)):
        sys.stderr.write(app_traceback(error))


def _render(report: Any, fmt: str, out: IO[bytes] | None) -> None:
    if fmt == "json" and out is not None:
        from ..render.rerun.to_json import report_json  # noqa: PLC0415

        out.write(report_json(report))
        out.flush()
        return
    from ..render.console import make_console  # noqa: PLC0415
    from ..render.rerun.text import render_report

    make_console().print(render_report(report), soft_wrap=True)


def check_rerun_options(rerun_on: bool, given: dict[str, Any], no_pager: bool) -> None:
    """--match, --on-miss, --cwd and --output belong to --rerun: without it they would be ignored; and
    --no-pager would be ignored with it (a rerun's output, the app's among it, is never paged)."""
    if rerun_on and no_pager:
        raise UsageError("--no-pager does not apply to --rerun: a rerun's output is never paged",
                         hint="drop --no-pager")
    named = [name for name, value in given.items() if value] if not rerun_on else []
    if named:
        raise UsageError(f"{named[0]} works only with --rerun", hint=f"add --rerun, or drop {named[0]}")
