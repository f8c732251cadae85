"""`verify TRACE`'s use case: run the app's current code against a recorded run, and judge what it changed.

Read the recording once and judge its outcome (`judging/outcome.py`: how it ended, its errors, the workspace's
`checks` rules, `--expect`); find the app as `replay --rerun` does, and let it run once allowed; then run it
`repeat` times under verify's policy, `launch/verifying.verifying` (strict matching from the first call, the app's
tools run for real, LLM misses live at `--base-url`, at the app's own endpoints with `--live`, or reported). Each
try's new run is judged the same way, its calls set beside the recording's (`judging/call_compare.py`) and given a
verdict (`judging/verdict.py`); the tries add up to one verdict and pass^k.

    report = verify_trace(VerifyRequest("failed.jsonl", LiveCalls(own=True)), env, announce=..., trying=...)
    report.verdict, report.exit_code
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..launch.choosing import Choosing, Consent
from ..launch.recorded import Recorded
from ..launch.rerun import recorded_form, run_again
from ..launch.guard import GuardedRerun
from ..launch.verifying import verifying
from ..rerun.policy import LiveCalls
from ..model.errors import UsageError
from ..judging.call_compare import compare_calls
from ..judging.expect import Expectation
from ..judging.verdict import judge, over_tries
from ..judging.verify_report import Try, VerifyReport
from ..recording.endpoints import live_origins
from ..rerun.answerer import Rerun
from ..store.sources import RunSource
from .environment import Environment
from .traces import TraceArgs, make_reader, open_traces
from .judged import GoingLive, JudgedRecording, JudgingRequest, judge_recording, live_endpoints, opened_run, why_stopped

MAX_REPEAT = 100


@dataclass(frozen=True)
class VerifyRequest:
    """What `verify TRACE` was asked, as typed (see `verify --help`)."""

    trace: str
    live: LiveCalls = LiveCalls()  # what may go live: LLM misses (--base-url, --live), the tools' requests
    expect: str | None = None  # --expect RULE, read here
    repeat: int = 1
    cwd: Path | None = None
    output: str | None = None
    config_path: Path | None = None
    app_stdout_to_stderr: bool = False  # --format json: stdout is the report's
    consent: Consent = Consent()  # before a tool runs with arguments a recording from elsewhere chose


def verify_trace(request: VerifyRequest, env: Environment, announce: Callable[[Recorded, str | None, str], None],
                 trying: Callable[[int, int], None] = lambda number, repeat: None,
                 going_live: GoingLive = lambda endpoints: None) -> VerifyReport:
    """Everything `verify TRACE` does: check the request, open its one run, and verify the app against it.
    UsageError (exit 2) for a bad --base-url or --expect, --live with --base-url, or a TRACE of several runs."""
    request.live.check()
    expectation = Expectation.parse(request.expect) if request.expect is not None else None
    sources, _ = open_traces(TraceArgs((request.trace,), False, False, request.config_path), env)
    if len(sources) != 1:
        raise UsageError("verify judges one run at a time", hint="name one trace file or run id")
    judging = JudgingRequest("verify", "the recording", "judges", make_reader(False, env), expectation, request.cwd,
                             request.output, request.config_path, request.app_stdout_to_stderr)
    options = VerifyOptions(judging, request.live, request.repeat, request.consent)
    return verify_app(sources[0], options, env, announce, trying, going_live)


@dataclass(frozen=True)
class VerifyOptions:
    """What `verify` was asked to do (see `verify --help`): how the recording and each try are judged, and how
    the tries run."""

    judging: JudgingRequest
    live: LiveCalls
    repeat: int
    consent: Consent = Consent()  # before a tool runs with arguments a recording from elsewhere chose


def verify_app(source: RunSource, options: VerifyOptions, env: Environment,
               announce: Callable[[Recorded, str | None, str], None],
               trying: Callable[[int, int], None] = lambda number, repeat: None,
               going_live: GoingLive = lambda endpoints: None) -> VerifyReport:
    """Everything `verify` does; `announce` hears which app is about to run (and may refuse it), `going_live`
    where `--live` sends what the recording cannot answer (before the first try), `trying` each try as it starts."""
    with judge_recording(source, options.judging, env) as judged:
        choosing = options.consent.choosing(source.files, env.environ)  # asked once for all the tries
        announce(judged.recorded, judged.timeline.run_id, source.label)
        choosing.allow_rerun(source.label)  # a stranger's answers drive the app only when allowed
        endpoints = live_endpoints(judged.timeline, options.live, going_live)
        tries = []
        for number in range(1, options.repeat + 1):
            trying(number, options.repeat)
            tries.append(_try(number, judged, options, choosing))
        repeats = over_tries([attempt.verdict for attempt in tries],
                             [attempt.passed for attempt in tries])
        recorded = judged.recorded
        return VerifyReport(source.label, judged.timeline.run_id, tuple(recorded.target.argv), str(recorded.cwd),
                            options.live.base_url, options.live.requests, options.live.own, endpoints,
                            judged.expect.text if judged.expect else None,
                            tuple(rule.name for rule in judged.rules), judged.outcome, tuple(tries), repeats)


def _try(number: int, judged: JudgedRecording, options: VerifyOptions, choosing: Choosing) -> Try:
    """One run of the current code against the recording, judged."""
    session = Rerun(judged.recording(), verifying(options.live), inputs_of=recorded_form)
    ran, network = run_again(judged.recorded, judged.resolved, GuardedRerun(session, choosing), judged.replay_of([]),
                             app_stdout_to_stderr=options.judging.app_stdout_to_stderr, last=options.repeat == 1)
    paths = tuple(str(path) for path in ran.run.paths)
    tally = session.tally
    counts = {name: tally.counts.get(name, 0) for name in ("recorded", "reran", "live")}
    counts["missed"] = len(tally.misses)
    stopped = why_stopped(tally.misses, ran.exception)
    run_id = ran.run.run_id if paths else None
    old = judged.outcome
    if not paths:
        return Try(number, run_id, paths, counts, tuple(tally.misses), None, None, judge(old, None, stopped), network,
                   stopped)
    with opened_run(paths) as (new_source, new_timeline):  # a stopped run: what it did before the stop
        new = judged.judge(new_source, new_timeline)
        # a stopped run's calls end at the stop: the miss below says where and why, not a call comparison
        calls = compare_calls(judged.timeline, new_timeline) if stopped is None else None
        went = live_origins(new_timeline)
    return Try(number, run_id, paths, counts, tuple(tally.misses), new, calls, judge(old, new, stopped), network,
               stopped, went)
