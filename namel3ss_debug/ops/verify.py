"""`verify TRACE`'s use case: run the app's current code against a recorded run, and judge what it changed.

Read the recording once and judge its outcome (`rerun/outcome.py`: how it ended, its errors, the workspace's
`checks` rules, `--expect`); find the app as `replay --rerun` does, and let it run once allowed; then run it
`repeat` times under a `launch/verifying.VerifyingRerun` (strict matching from the first call, the app's tools
run for real, LLM misses live at `--base-url` or reported). Each try's new run is judged the same way, its calls
set beside the recording's (`rerun/call_compare.py`) and given a verdict (`rerun/verdict.py`); the tries add up
to one verdict and pass^k.

    report = verify_app(source, VerifyOptions(...), env, announce=..., trying=...)
    report.verdict, report.exit_code
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..checks.rules import Rule
from ..config import ResolvedSettings
from ..checks.rules_file import read_workspace_checks
from ..checks.run import judge_run
from ..launch.recorded import Recorded, recorded_target
from ..launch.rerun import recorded_form, run_again
from ..launch.verifying import VerifyingRerun
from ..model.errors import UsageError
from ..model.rerun_protocol import RerunMiss, RerunStop
from ..replay.load import load_timeline
from ..replay.timeline import Timeline
from ..rerun.call_compare import compare_calls
from ..rerun.call_paths import PathTable
from ..rerun.candidates import Miss
from ..rerun.expect import Expectation
from ..rerun.outcome import Outcome, outcome_of
from ..rerun.recording import Recording
from ..rerun.verdict import judge, over_tries
from ..rerun.verify_report import Try, VerifyReport
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import STDIN, RunSource
from .environment import Environment
from .replay import load_run
from .rerun import RerunOptions, _recorded_capture, _settings, trace_file  # the rerun's own settings, shared

MAX_REPEAT = 100


@dataclass(frozen=True)
class VerifyOptions:
    """What `verify` was asked to do (see `verify --help`)."""

    reader: TraceReader
    base_url: str | None
    live_tools: bool
    expect: Expectation | None
    repeat: int
    cwd: Path | None
    output: str | None
    config_path: Path | None
    app_stdout_to_stderr: bool  # --format json: stdout is the report's


def verify_app(source: RunSource, options: VerifyOptions, env: Environment,
               announce: Callable[[Recorded, str | None], None],
               trying: Callable[[int, int], None] = lambda number, repeat: None) -> VerifyReport:
    """Everything `verify` does; `announce` hears which app is about to run (and may refuse it), `trying` each
    try as it starts."""
    if STDIN in source.files:
        raise UsageError("verify reads the recording twice (its events, then its outcome), and standard input "
                         "only once", hint="give the trace file")
    timeline = load_run(source, options.reader, env, None)
    try:
        if timeline.other_runs:  # the outcome is read from the whole file: it must hold this run alone
            raise UsageError(f"{source.label} holds {len(timeline.other_runs) + 1} runs, and verify judges one",
                             hint="give the file of one run (a trace directory keeps each run in its own files)")
        recording = Recording(timeline, PathTable())
        start = recording.start_event()
        recorded = recorded_target(start, options.cwd, trace_file(source))
        resolved = _settings(_as_rerun(options), _recorded_capture(start), env)
        rules = read_workspace_checks(resolved.workspace)
        old = _outcome(source, options.reader, rules, timeline, options.expect)
        announce(recorded, timeline.run_id)
        replay_of: dict[str, Any] = {"run_id": timeline.run_id, "trace": source.label, "match": "call", "mocks": []}
        tries = []
        for number in range(1, options.repeat + 1):
            trying(number, options.repeat)
            tries.append(_try(number, recorded, resolved, Recording(timeline, PathTable()), replay_of, rules, old,
                              options))
        repeats = over_tries([attempt.verdict for attempt in tries],
                             [attempt.outcome is not None and attempt.outcome.passed for attempt in tries])
        return VerifyReport(source.label, timeline.run_id, tuple(recorded.target.argv), str(recorded.cwd),
                            options.base_url, options.live_tools, options.expect.text if options.expect else None,
                            tuple(rule.name for rule in rules), old, tuple(tries), repeats)
    finally:
        timeline.close()


def _as_rerun(options: VerifyOptions) -> RerunOptions:
    """The rerun's options verify's settings are resolved from (the trace directory, the workspace)."""
    return RerunOptions(reader=options.reader, run_id=None, mocks=(), mock_files=(), cwd=options.cwd,
                        match="call", on_miss="error", live_tools=True,
                        app_stdout_to_stderr=options.app_stdout_to_stderr, output=options.output,
                        config_path=options.config_path, make_stepper=None)


def _try(number: int, recorded: Recorded, resolved: ResolvedSettings, recording: Recording,
         replay_of: dict[str, Any], rules: list[Rule], old: Outcome, options: VerifyOptions) -> Try:
    """One run of the current code against the recording, judged."""
    session = VerifyingRerun(recording, base_url=options.base_url, live_requests=options.live_tools,
                             inputs_of=recorded_form)
    ran, network = run_again(recorded, resolved, session, replay_of,
                             app_stdout_to_stderr=options.app_stdout_to_stderr)
    paths = tuple(str(path) for path in ran.run.paths)
    tally = session.tally
    counts = {name: tally.counts.get(name, 0) for name in ("recorded", "reran", "live")}
    counts["missed"] = len(tally.misses)
    stopped = _stopped(tally.misses, ran.exception)
    run_id = ran.run.run_id if paths else None
    if not paths or stopped is not None:  # the app did not end on its own: no outcome of its own to judge
        return Try(number, run_id, paths, counts, tuple(tally.misses), None, None, judge(old, None, stopped), network)
    new_source = RunSource(paths[0], paths)
    new_timeline = load_timeline(new_source, TraceReader(ReadProblems()))
    try:
        new = _outcome(new_source, TraceReader(ReadProblems()), rules, new_timeline, options.expect)
        calls = compare_calls(recording.timeline, new_timeline)
    finally:
        new_timeline.close()
    return Try(number, run_id, paths, counts, tuple(tally.misses), new, calls, judge(old, new, stopped), network)


def _stopped(misses: list[Miss], error: BaseException | None) -> str | None:
    """Why the app was stopped before it could end on its own: the first miss, or our own failure."""
    if misses:
        return f"{misses[0].call} had no recorded answer (the miss is shown below)"
    if isinstance(error, (RerunMiss, RerunStop)):
        return str(error)
    return None


def _outcome(source: RunSource, reader: TraceReader, rules: list[Rule], timeline: Timeline,
             expect: Expectation | None) -> Outcome:
    check, report, _ = judge_run(source, reader, rules)
    return outcome_of(report, check if rules else None, timeline, expect)
