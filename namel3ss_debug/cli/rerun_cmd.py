"""`replay TRACE --rerun`: run the recorded app again, its calls answered from the trace, and report.

The shell around `rerun/`: read the recorded run, check the mocks against it, find the app and its
directory in `run_start`, run it under the tracer with the rerun answering its calls (and a stepper
with --step or --commands), then set the new run beside the old and print the comparison.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

from ..config import load_settings
from ..model.errors import UsageError
from ..replay.mocks import Mock, MockTable
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn
from .trace_checks import prepare_output_dir


def rerun(source: RunSource, options: dict[str, Any]) -> int:
    """Everything `replay --rerun` does; returns the exit code."""
    from ..replay.load import load_timeline  # noqa: PLC0415 - loaded only when a rerun runs
    from ..rerun.compare import compare
    from ..rerun.execute import recorded_form, run_again
    from ..rerun.paths import PathTable
    from ..rerun.recording import Recording
    from ..rerun.session import Rerun
    from ..rerun.target import recorded_target
    from .replay_setup import load

    timeline = load(source, options["reader"], options["progress"], options["run_id"])
    recording = Recording(timeline, PathTable())
    mocks = _mocks(timeline, options["mocks"], options["mock_files"])
    start = recording.start_event()
    recorded = recorded_target(start, options["cwd"])
    _check_recording(start, options["match"])
    if recorded.redacted_args:
        warn(f"{recorded.redacted_args} of the app's recorded arguments were redacted: the app gets "
             "[REDACTED] in their place")
    resolved = _settings(options)
    report_out = _report_stream(options["format"])
    stepper = options["make_stepper"](recording, report_out) if options["make_stepper"] else None
    session = Rerun(recording, match=options["match"], on_miss=options["on_miss"],
                    mocks=mocks, stepper=stepper, inputs_of=recorded_form)
    _announce(recorded, timeline.run_id, options["format"])
    outcome = run_again(recorded, resolved, session,
                        {"run_id": timeline.run_id, "trace": source.label, "match": options["match"],
                         "mocks": sorted(mocks)},
                        app_stdout_to_stderr=options["format"] == "json")
    _show_app_error(outcome)
    new_paths = tuple(str(path) for path in outcome.run.paths)
    new_timeline = load_timeline(RunSource(new_paths[0], new_paths), TraceReader(ReadProblems())) \
        if new_paths else None
    comparison = compare(timeline, new_timeline) if new_timeline is not None else None
    report = _report(source, recording, recorded, options, session, outcome, new_paths, new_timeline, comparison)
    _render(report, options["format"], report_out)
    errors = getattr(stepper, "errors", 0) if stepper is not None else 0
    return 1 if errors else report.exit_code


def _mocks(timeline: Any, texts: tuple[str, ...], files: tuple[Path, ...]) -> dict[str, Mock]:
    """The mocks by key (files first, then --mock: a later one for the same key wins). A key no recorded
    call has is kept, with a warning: the changed app may make that call."""
    from ..replay.mock_specs import load_mock_file, parse_mock  # noqa: PLC0415

    found: dict[str, Mock] = {}
    for path in files:
        for mock in load_mock_file(path):
            found.pop(mock.key.text, None)
            found[mock.key.text] = mock
    for text in texts:
        mock = parse_mock(text, "--mock")
        found.pop(mock.key.text, None)
        found[mock.key.text] = mock
    table = MockTable(timeline)
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


def _settings(options: dict[str, Any]) -> Any:
    """The new run's settings: this workspace's, tracing on, the trace directory made absolute (the app
    runs in its own directory)."""
    overrides = {"enabled": True, "trace_output_dir": options["output"]}
    resolved = load_settings(os.environ, Path.cwd(), config_path=options["config_path"], overrides=overrides,
                             override_source={"enabled": "--rerun", "trace_output_dir": "--output"})
    for message in resolved.warnings:
        warn(message)
    directory = resolved.output_dir().resolve()
    resolved = load_settings(os.environ, Path.cwd(), config_path=options["config_path"],
                             overrides={**overrides, "trace_output_dir": str(directory)},
                             override_source={"enabled": "--rerun", "trace_output_dir": "--output"})
    prepare_output_dir(directory)
    return resolved


def _report_stream(fmt: str) -> IO[bytes] | None:
    """Where JSON goes: the real stdout, kept open while the app's own output is sent to stderr."""
    if fmt != "json":
        return None
    sys.stdout.flush()
    return os.fdopen(os.dup(1), "wb")


def _announce(recorded: Any, run_id: str | None, fmt: str) -> None:
    from ..render.console import make_console  # noqa: PLC0415
    from ..render.rerun_text import announce

    make_console(stderr=True).print(announce(recorded, run_id), soft_wrap=True)


def _show_app_error(outcome: Any) -> None:
    from ..rerun.errors import RerunStop  # noqa: PLC0415
    from ..tracer.launch import app_traceback

    error = outcome.exception
    if error is not None and not isinstance(error, (KeyboardInterrupt, RerunStop)):
        sys.stderr.write(app_traceback(error))


def _report(source: RunSource, recording: Any, recorded: Any, options: dict[str, Any], session: Any,
            outcome: Any, new_paths: tuple[str, ...], new_timeline: Any, comparison: Any) -> Any:
    from ..rerun.report import Ending, RerunReport  # noqa: PLC0415

    tally = session.tally
    unused = [key for key in session_mock_keys(session) if key not in tally.used_mocks]
    notes = [*tally.notes, *(f"--mock {key} answered no call of the rerun" for key in unused)]
    counts = {name: tally.counts.get(name, 0) for name in ("recorded", "mocked", "replaced", "live")}
    counts["missed"] = len(tally.misses)
    new_end = _run_end(new_timeline)
    exit_code = 1 if tally.misses or outcome.exit_code != 0 else 0
    return RerunReport(
        source_run=recording.timeline.run_id, source=source.label,
        new_run=new_timeline.run_id if new_timeline is not None else None, new_trace=new_paths,
        command=tuple(recorded.target.argv), cwd=str(recorded.cwd), match=options["match"],
        on_miss=options["on_miss"], counts=counts, mocked=tuple(tally.mocked), misses=tuple(tally.misses),
        notes=tuple(notes), comparison=comparison, old_ending=Ending.of(recording.end_event()),
        new_ending=Ending.of(new_end), exit_code=exit_code)


def session_mock_keys(session: Any) -> list[str]:
    return [mock.key.text for mock in session.mocks]


def _run_end(timeline: Any) -> dict[str, Any] | None:
    if timeline is None:
        return None
    for index in range(len(timeline) - 1, -1, -1):
        if timeline.event_type(index) == "run_end":
            return timeline.event(index)
    return None


def _render(report: Any, fmt: str, out: IO[bytes] | None) -> None:
    if fmt == "json" and out is not None:
        from ..render.rerun_json import report_json  # noqa: PLC0415

        out.write(report_json(report))
        out.flush()
        return
    from ..render.console import make_console  # noqa: PLC0415
    from ..render.rerun_text import render_report

    make_console().print(render_report(report), soft_wrap=True)


def check_rerun_options(rerun_on: bool, given: dict[str, Any]) -> None:
    """--match, --on-miss, --cwd and --output belong to --rerun: without it they would be ignored."""
    if rerun_on:
        return
    named = [name for name, value in given.items() if value]
    if named:
        raise UsageError(f"{named[0]} works only with --rerun", hint=f"add --rerun, or drop {named[0]}")
