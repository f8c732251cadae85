"""`replay TRACE --rerun`'s use case: run the recorded app again, its calls answered from the trace.

Read the recorded run, check the mocks against it, find the app and its directory in `run_start`, run
it under the tracer with the rerun answering its calls (and a stepper with --step or --commands), then
set the new run beside the old: the record the command renders.

    done = rerun_trace(ReplayRerun(RerunRequest("run.jsonl"), fork="llm:chat#2", answer="..."), env, announce=...)
    done.report, done.app_error, done.stepper_errors
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..config import ResolvedSettings, load_settings
from ..config.rules import HTTP_CAPTURE
from ..launch.guard import GuardedRerun
from ..launch.recorded import Recorded, recorded_target
from ..launch.rerun import recorded_form, run_again
from ..model.errors import UsageError
from ..model.rerun_protocol import RerunStop
from ..recording.load import load_timeline
from ..replay.mock_specs import ordered_mocks
from ..recording.mocks import Mock, MockTable
from ..rerun.answerer import Rerun, Stepper
from ..recording.call_paths import PathTable
from ..rerun.fork_policy import rerun_policy
from ..rerun.policy import GoingLive, Policy
from .rerun_fork import make_fork
from .rerun_pick import Picked, newest_recording
from ..recording.calls import Recording
from ..judging.report import RerunReport, build_report
from ..store import remote
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import STDIN, RunSource
from .environment import Environment
from .rerun_request import RerunRequest
from .replay import load_run
from .traces import TraceArgs, make_reader, open_traces
from .trace.checks import prepare_output_dir

@dataclass(frozen=True)
class ReplayRerun:
    """What `replay --rerun` was asked, as typed (see `replay --help`): every rerun's request (`rerun`: its TRACE,
    None for the newest recording of trace_output_dir that is no rerun), how the run is read, the mocks, the
    policy's options and the fork's. `make_stepper` makes the rerun's console from the recording and the settings
    the trace was found with (None: the rerun runs straight through)."""

    rerun: RerunRequest = RerunRequest()
    strict: bool = False
    cache: bool = True  # the recorded run's timeline may come from the result cache (--no-cache: not)
    run_id: str | None = None
    mocks: tuple[str, ...] = ()
    mock_files: tuple[Path, ...] = ()
    match: str = "call"
    on_miss: str = "error"
    live_tools: bool = False  # tool bodies run for real; LLM calls are still answered
    fork: str | None = None  # --fork CALL, and its one change: --answer, --ask or --model
    answer: str | None = None
    ask: str | None = None
    model: str | None = None
    offline: bool = False
    make_stepper: Callable[[Recording, ResolvedSettings], Stepper] | None = None
    forking_live: GoingLive = lambda call, endpoints, given: None


def rerun_trace(request: ReplayRerun, env: Environment, announce: Callable[[Recorded, str | None, str], None],
                picked: Callable[[Picked], None] = lambda picked: None) -> RerunDone:
    """Everything `replay --rerun` does: check the fork, open the run (`picked` hears the one chosen when no
    TRACE was given), then run the app again. UsageError (exit 2) for a fork that cannot be made."""
    if request.fork is not None and (request.mocks or request.mock_files):
        raise UsageError("--fork and --mock: a fork makes one change, at its call",
                         hint="give the call's answer with --answer, or drop --fork")
    if request.offline and request.on_miss == "live":
        raise UsageError("--offline and --on-miss live: an offline fork runs nothing live", hint="drop one of them")
    fork = make_fork(request.fork, request.answer, request.ask, request.model, request.offline,
                     request.rerun.live.base_url)
    policy = rerun_policy(request.match, request.on_miss, request.live_tools, fork)
    args = TraceArgs(request.rerun.traces, False, False, request.rerun.config_path)
    if request.rerun.trace is None:
        chosen, resolved = newest_recording(args, env)
        picked(chosen)
        source = chosen.source
    else:
        sources, resolved = open_traces(args, env)
        source = sources[0]
    make_stepper = request.make_stepper
    stepping = (lambda recording: make_stepper(recording, resolved)) if make_stepper else None
    return rerun_app(source, request, policy, stepping, env, announce)


@dataclass(frozen=True)
class RerunDone:
    """The comparison of the two runs, the app's own error (None, or a quit or miss: nothing to show),
    and the mistakes among the stepper's commands."""

    report: RerunReport
    app_error: BaseException | None
    stepper_errors: int

    @property
    def exit_code(self) -> int:
        return 1 if self.stepper_errors else self.report.exit_code


def rerun_app(source: RunSource, request: ReplayRerun, policy: Policy,
              stepping: Callable[[Recording], Stepper] | None, env: Environment,
              announce: Callable[[Recorded, str | None, str], None]) -> RerunDone:
    """Everything `replay --rerun` does once the run is found: `policy` is the plain rerun's or its `--fork`'s,
    asked what its change means around the run; `stepping` makes its console; `announce` hears which app is about
    to run."""
    asked = request.rerun
    reader = make_reader(request.strict, env, write_index=request.cache)
    timeline = load_run(source, reader, env, request.run_id, request.cache)
    new_timeline = None
    try:
        recording = Recording(timeline, PathTable())
        mocks = _mocks(timeline, request.mocks, request.mock_files, env)
        start = recording.start_event()
        recorded = recorded_target(start, asked.cwd, trace_file(source))
        _check_recording(start, request.match, env)
        policy.check(recording)
        if recorded.redacted_args:
            env.warn(f"{recorded.redacted_args} of the app's recorded arguments were redacted: the app gets "
                     "[REDACTED] in their place")
        resolved = rerun_settings(env, start, config_path=asked.config_path, output=asked.output,
                                  network_closed=request.on_miss == "error")
        stepper = stepping(recording) if stepping else None
        session = Rerun(recording, policy, mocks=mocks, stepper=stepper, inputs_of=recorded_form)
        guarded = GuardedRerun(session, asked.consent.choosing(source.files, env.environ))
        announce(recorded, timeline.run_id, source.label)
        assert guarded.choosing is not None
        guarded.choosing.allow_rerun(source.label)  # a stranger's answers drive the app only when allowed
        policy.going_live(timeline, request.forking_live)
        replay_of: dict[str, Any] = {"run_id": timeline.run_id, "trace": source.label, "match": request.match,
                                     "mocks": sorted(mocks), **policy.lineage()}
        outcome, network = run_again(recorded, resolved, guarded, replay_of,
                                     app_stdout_to_stderr=asked.app_stdout_to_stderr)
        new_paths = tuple(str(path) for path in outcome.run.paths)
        if new_paths:
            new_timeline = load_timeline(RunSource(new_paths[0], new_paths), TraceReader(ReadProblems()))
        stopped = isinstance(outcome.exception, (RerunStop, KeyboardInterrupt))  # a miss, a quit
        report = build_report(source.label, recording, session, outcome.exit_code, new_timeline, new_paths,
                              tuple(recorded.target.argv), str(recorded.cwd), network, stopped)
        report = replace(report, exit_code=policy.exit_code(report, outcome.exit_code), fork=replay_of.get("fork"))
        error = outcome.exception
        shown = error if error is not None and not isinstance(error, (KeyboardInterrupt, RerunStop)) else None
        return RerunDone(report, shown, stepper.errors if stepper is not None else 0)
    finally:
        timeline.close()
        if new_timeline is not None:
            new_timeline.close()


def trace_file(source: RunSource) -> Path | None:
    """The run's first file, whose project the recording's relative paths are resolved in; None for
    standard input and for an object in a store (no project beside it: the working directory's)."""
    if not source.files or source.files[0] == STDIN or remote.is_url(source.files[0]):
        return None
    return Path(source.files[0])


def _mocks(timeline: Any, texts: tuple[str, ...], files: tuple[Path, ...], env: Environment) -> dict[str, Mock]:
    """The mocks by key. A key no recorded call has is kept, with a warning: the changed app may make
    that call."""
    table = MockTable(timeline)
    found = {mock.key.text: mock for mock in ordered_mocks(texts, files)}
    for key, mock in found.items():
        if not table.matches(mock.key):
            env.warn(f"--mock {key} names no recorded call; it answers the rerun's call of that name if one is made")
    return found


def _check_recording(start: dict[str, Any], match: str, env: Environment) -> None:
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
        env.warn(f"the run was recorded with {', '.join(dropping)} set, so some spans are missing from it and "
                 "calls under them may not be found by place; --match inputs does not need them")


def _recorded_capture(start: dict[str, Any]) -> str | None:
    """What the recording's `capture_http` recorded, or None when it does not say (a run recorded
    before the key existed): the new run records the same, so the two compare event for event."""
    config = (start.get("attrs") or {}).get("config") if isinstance(start.get("attrs"), dict) else None
    mode = config.get("capture_http") if isinstance(config, dict) else None
    return mode if mode in HTTP_CAPTURE else None


def rerun_settings(env: Environment, start: dict[str, Any], *, config_path: Path | None, output: str | None,
                   network_closed: bool) -> ResolvedSettings:
    """The settings of a new run of the recording whose run_start is `start`: this workspace's (`--config`),
    with tracing on, `--output` as the trace directory and the recording's `capture_http` (every request is
    answered or refused by the rerun whatever it is: the network stays closed), and no live export while the
    network is closed (`--on-miss error`, verify, bisect): the receiver could not be reached.
    The trace directory is absolute (the app runs in its own directory): a relative one is joined to
    the working directory or the workspace root, both absolute once --config is."""
    config_path = config_path.resolve() if config_path is not None else None
    overrides: dict[str, Any] = {"enabled": True, "trace_output_dir": output,
                                 "capture_http": _recorded_capture(start)}
    sources = {"enabled": "--rerun", "trace_output_dir": "--output", "capture_http": "the recording",
               "exporters": "--rerun (the network is closed)"}
    resolved = load_settings(env.environ, env.cwd, config_path=config_path, overrides=overrides,
                             override_source=sources)
    exporters = resolved.settings.exporters
    if network_closed and "otlp" in exporters:
        env.warn("live export (exporters: otlp) is off for this rerun: the network is closed while the app "
                 "runs, open only to a call run live (a fork's, --live-tools), while it runs; send the new run "
                 "afterwards with namel3ss-debug export TRACE --to otlp")
        overrides["exporters"] = [name for name in exporters if name != "otlp"]
        resolved = load_settings(env.environ, env.cwd, config_path=config_path, overrides=overrides,
                                 override_source=sources)
    for message in resolved.warnings:
        env.warn(message)
    prepare_output_dir(resolved.output_dir())
    return resolved
