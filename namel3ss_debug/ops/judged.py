"""The recorded run `verify`, `bisect` and `diagnose --experiment` start from, read and judged once, and the judge
of each run made from it.

`judge_recording` reads the workspace's `checks` rules, then the recording once (`read_recording`: its timeline
built from the blocks its outcome is judged from, so each warning is said once). It refuses what cannot be judged
(standard input; a file of several runs: the outcome is read from the whole file), finds the app as
`replay --rerun` does (`launch/recorded.py`), resolves the new runs' settings (`ops/rerun.rerun_settings`) and
judges the recording's outcome with the rules and `--expect` (`judging/outcome.py`). A new run is read once too,
and judged by the same rules and expectation (`JudgedRecording.new_run`), so the two outcomes compare.

    with judge_recording(source, JudgingRequest("verify", "the recording", "judges", ...), env) as judged:
        judged.outcome.passed
        with judged.new_run(paths) as (new_timeline, new_outcome):
            ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Callable

from ..analysis.prices import Pricer
from ..analysis.records.report import Report
from ..analysis.thresholds import Judging, thresholds_from
from ..analysis.run_state import Options
from ..checks.rules import Rule
from ..checks.rules_file import read_workspace_checks
from ..checks.evaluate import sections_read
from ..checks.results import RunCheck
from ..checks.run import judged, new_scan
from ..config import ResolvedSettings, Settings, load_settings
from ..launch.recorded import Recorded, recorded_target
from ..model.errors import UsageError
from ..model.rerun_protocol import RerunMiss, RerunStop
from ..recording.load import FileReading, checked, load_timeline, timeline_reading
from ..recording.endpoints import endpoints_of
from ..recording.timeline import Timeline
from ..recording.call_paths import PathTable
from ..rerun.candidates import Miss
from ..rerun.policy import LiveCalls
from ..judging.expect import Expectation
from ..judging.outcome import Outcome, outcome_of
from ..recording.calls import Recording
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import STDIN, RunSource
from .environment import Environment
from .reading.given import GivenReader
from .reading.plan import ReadPlan
from .reading.read import read
from .reading.settings import pass_settings
from .reading.watching import Watching
from .rerun import rerun_settings, trace_file
from .rerun_request import RerunRequest
from .traces import make_reader

GoingLive = Callable[[tuple[str, ...]], None]  # hears where `--live` sends the calls the recording cannot answer


@dataclass(frozen=True)
class JudgingRequest:
    """What a command asks of its recording: its name and its words for the run and what it does with it (for
    its messages), the reader, the `--expect` rule, and the rerun's request (`rerun`: where the new runs run and
    are written, what may go live, and, with `app_stdout_to_stderr`, the app's output: stdout is the JSON
    report's)."""

    command: str  # verify, bisect
    the_run: str  # the recording, the bad run
    does: str  # judges, reruns
    reader: TraceReader
    expect: Expectation | None
    rerun: RerunRequest


def judging_of(command: str, the_run: str, does: str, rerun: RerunRequest, expect: str | None,
               env: Environment) -> JudgingRequest:
    """How `command` judges its recording and each new run: `--expect` read here (UsageError for a bad rule)."""
    expectation = Expectation.parse(expect) if expect is not None else None
    return JudgingRequest(command, the_run, does, make_reader(False, env), expectation, rerun)


@dataclass(frozen=True)
class JudgedRecording:
    """The recorded run (open until closed: `with`), its app, the new runs' settings, the workspace's rules, the
    expectation and the recording's outcome."""

    label: str
    timeline: Timeline
    recorded: Recorded
    resolved: ResolvedSettings
    rules: list[Rule]
    expect: Expectation | None
    outcome: Outcome

    def recording(self) -> Recording:
        """A view of the recording of its own, for one rerun."""
        return Recording(self.timeline, PathTable())

    def replay_of(self, mocks: list[str]) -> dict[str, Any]:
        """What a new run's `run_start.attrs.replay_of` says of the recording (its calls matched by place)."""
        return {"run_id": self.timeline.run_id, "trace": self.label, "match": "call", "mocks": mocks}

    @contextmanager
    def new_run(self, paths: tuple[str, ...], judge: bool = True) -> Iterator[tuple[Timeline, Outcome | None]]:
        """A new run's trace files (the first names it), read once, and closed after: its timeline, and its outcome
        by the recording's rules and expectation (None when not `judge`: a run stopped before its end)."""
        source, reader = RunSource(paths[0], paths), TraceReader(ReadProblems())
        if judge:
            timeline, check, report = read_recording(source, reader, self.rules, _options(self.resolved.settings),
                                                     Environment())
            outcome: Outcome | None = outcome_of(report, check if self.rules else None, timeline, self.expect)
        else:
            timeline, outcome = load_timeline(source, reader), None
        try:
            yield timeline, outcome
        finally:
            timeline.close()

    def close(self) -> None:
        self.timeline.close()

    def __enter__(self) -> JudgedRecording:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def judge_recording(source: RunSource, judging: JudgingRequest, env: Environment) -> JudgedRecording:
    """The recording in `source` read once (`read_recording`), its app found, the new runs' settings resolved and
    its outcome judged; UsageError (exit 2) for standard input or a file of several runs."""
    if STDIN in source.files:
        raise UsageError(f"{judging.command} reads {judging.the_run} from a file, not from standard input",
                         hint="give the trace file")
    rules, options = _workspace_rules(env, judging.rerun.config_path)
    timeline, check, report = read_recording(source, judging.reader, rules, options, env)
    try:
        if timeline.other_runs:  # the outcome is read from the whole file: it must hold this run alone
            raise UsageError(f"{source.label} holds {len(timeline.other_runs) + 1} runs, and {judging.command} "
                             f"{judging.does} one",
                             hint="give the file of one run (a trace directory keeps each run in its own files)")
        start = timeline.run_start() or {}
        recorded = recorded_target(start, judging.rerun.cwd, trace_file(source))
        resolved = rerun_settings(env, start, config_path=judging.rerun.config_path, output=judging.rerun.output,
                                  network_closed=True)
        outcome = outcome_of(report, check if rules else None, timeline, judging.expect)
    except BaseException:
        timeline.close()
        raise
    return JudgedRecording(source.label, timeline, recorded, resolved, rules, judging.expect, outcome)


def _workspace_rules(env: Environment, config_path: Path | None) -> tuple[list[Rule], Options]:
    """The workspace's `checks` rules and the pass's options (the settings' `diagnose_*` thresholds, which a
    `fail_on_finding` rule judges with), known before the recording is read: its one read judges it. Nothing
    of them comes from the recording; the settings' warnings are said once, by `rerun_settings`."""
    workspace = load_settings(env.environ, env.cwd, config_path=config_path.resolve() if config_path else None)
    return read_workspace_checks(workspace.workspace), _options(workspace.settings)


def _options(settings: Settings) -> Options:
    return Options(judging=Judging(thresholds_from(settings)))


def read_recording(source: RunSource, reader: TraceReader, rules: list[Rule], options: Options, env: Environment,
                   ) -> tuple[Timeline, RunCheck, Report]:
    """The run's timeline, and its rules judged with the report beside (`judge_run`), from one read: the timeline
    is built from the blocks the pass reads (`Watching.timeline`, `recording/load.timeline_reading`), so each
    warning of the reading is said once and the bar, `env.progress`, goes once over the file."""
    progress = env.progress([source])
    with progress:
        reader.progress = progress.advance
        reading = timeline_reading(source)
        try:
            check, report = judge_run(source, reader, rules, options, reading)
            return checked(reading.done(), source, None), check, report
        except BaseException:
            reading.timeline.close()
            raise


def judge_run(source: RunSource, reader: TraceReader, rules: list[Rule], options: Options | None = None,
              timeline: FileReading | None = None) -> tuple[RunCheck, Report]:
    """The rules judged against one run read by `reader` (the types this version does not know are not said, as
    `verify` never said them, and nothing of the environment is read), with the report
    beside: the sections the rules read, and the findings and health `analysis/failed_run.py` reads, as `check`
    would judge it. `timeline`, when given, is built from the same blocks."""
    scan = new_scan(rules)
    sections = tuple(dict.fromkeys((*sections_read(rules), "findings", "health")))
    settings = pass_settings(options or Options(), sections, strict=reader.problems.strict)
    done = read(ReadPlan((source,), settings, GivenReader(reader, quiet_types=True)), Pricer(), Environment(),
                Watching(scan=scan, count_bytes=False, timeline=timeline))
    return judged(source, rules, done.report, scan), done.report


def why_stopped(misses: list[Miss], error: BaseException | None) -> str | None:
    """Why a rerun's app was stopped before it could end on its own: the first miss, or our own failure; None
    when it was not."""
    if misses:
        return f"{misses[0].call} had no recorded answer (the miss is shown below)"
    if isinstance(error, (RerunMiss, RerunStop)):
        return str(error)
    return None


def live_endpoints(timeline: Timeline, live: LiveCalls, going_live: GoingLive) -> tuple[str, ...]:
    """Under `--live` (`live.own`): the recorded run's endpoints (`endpoints_of`), told to `going_live` before the
    first rerun; () and nothing told otherwise."""
    if not live.own:
        return ()
    endpoints = endpoints_of(timeline)
    going_live(endpoints)
    return endpoints
