"""`verify TRACE`'s use case: run the app's current code against a recorded run, and judge what it changed.

Read the recording once and judge its outcome (`judging/outcome.py`: how it ended, its errors, the workspace's
`checks` rules, `--expect`); find the app as `replay --rerun` does, and let it run once allowed; then run it
`repeat` times under verify's policy, `launch/verifying.verifying` (strict matching from the first call, the app's
tools run for real, LLM misses live at `--base-url`, at the app's own endpoints with `--live`, or reported). Each
try's new run is judged the same way, its calls set beside the recording's (`judging/call_compare.py`) and given a
verdict (`judging/verdict.py`); the tries add up to one verdict and pass^k.

    report = verify_trace(VerifyRequest(RerunRequest("failed.jsonl", LiveCalls(own=True))), env, announce=...)
    report.verdict, report.exit_code
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..launch.choosing import Choosing
from ..launch.recorded import Recorded
from ..launch.rerun import recorded_form, run_again
from ..launch.guard import GuardedRerun
from ..launch.verifying import verifying
from ..model.errors import UsageError
from ..judging.call_compare import compare_calls
from ..judging.verdict import judge, over_tries
from ..judging.verify_report import Try, VerifyReport
from ..recording.endpoints import live_origins
from ..rerun.answerer import Rerun
from ..store.sources import RunSource
from .environment import Environment
from .traces import TraceArgs, open_traces
from .judged import (GoingLive, JudgedRecording, JudgingRequest, judge_recording, judging_of, live_endpoints,
                     why_stopped)
from .rerun_request import RerunRequest

MAX_REPEAT = 100


@dataclass(frozen=True)
class VerifyRequest:
    """What `verify TRACE` was asked, as typed (see `verify --help`): the rerun's request (TRACE, what may go live:
    LLM misses with --base-url or --live, the tools' requests; where the app runs, its consent), --expect, --repeat."""

    rerun: RerunRequest
    expect: str | None = None  # --expect RULE, read here
    repeat: int = 1


def verify_trace(request: VerifyRequest, env: Environment, announce: Callable[[Recorded, str | None, str], None],
                 trying: Callable[[int, int], None] = lambda number, repeat: None,
                 going_live: GoingLive = lambda endpoints: None) -> VerifyReport:
    """Everything `verify TRACE` does: check the request, open its one run, and verify the app against it.
    UsageError (exit 2) for a bad --base-url or --expect, --live with --base-url, or a TRACE of several runs."""
    rerun = request.rerun
    rerun.live.check()
    judging = judging_of("verify", "the recording", "judges", rerun, request.expect, env)
    sources, _ = open_traces(TraceArgs(rerun.traces, False, False, rerun.config_path), env)
    if len(sources) != 1:
        raise UsageError("verify judges one run at a time", hint="name one trace file or run id")
    return verify_app(sources[0], request, judging, env, announce, trying, going_live)


def verify_app(source: RunSource, request: VerifyRequest, judging: JudgingRequest, env: Environment,
               announce: Callable[[Recorded, str | None, str], None],
               trying: Callable[[int, int], None] = lambda number, repeat: None,
               going_live: GoingLive = lambda endpoints: None) -> VerifyReport:
    """Everything `verify` does; `announce` hears which app is about to run (and may refuse it), `going_live`
    where `--live` sends what the recording cannot answer (before the first try), `trying` each try as it starts."""
    live = request.rerun.live
    with judge_recording(source, judging, env) as judged:
        choosing = request.rerun.consent.choosing(source.files, env.environ)  # asked once for all the tries
        announce(judged.recorded, judged.timeline.run_id, source.label)
        choosing.allow_rerun(source.label)  # a stranger's answers drive the app only when allowed
        endpoints = live_endpoints(judged.timeline, live, going_live)
        tries = []
        for number in range(1, request.repeat + 1):
            trying(number, request.repeat)
            tries.append(_try(number, judged, request, choosing))
        repeats = over_tries([attempt.verdict for attempt in tries],
                             [attempt.passed for attempt in tries])
        recorded = judged.recorded
        return VerifyReport(source.label, judged.timeline.run_id, tuple(recorded.target.argv), str(recorded.cwd),
                            live.base_url, live.requests, live.own, endpoints,
                            judged.expect.text if judged.expect else None,
                            tuple(rule.name for rule in judged.rules), judged.outcome, tuple(tries), repeats)


def _try(number: int, judged: JudgedRecording, request: VerifyRequest, choosing: Choosing) -> Try:
    """One run of the current code against the recording, judged."""
    session = Rerun(judged.recording(), verifying(request.rerun.live), inputs_of=recorded_form)
    ran, network = run_again(judged.recorded, judged.resolved, GuardedRerun(session, choosing), judged.replay_of([]),
                             app_stdout_to_stderr=request.rerun.app_stdout_to_stderr, last=request.repeat == 1)
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
    with judged.new_run(paths) as (new_timeline, new):  # a stopped run: what it did before the stop
        # a stopped run's calls end at the stop: the miss below says where and why, not a call comparison
        calls = compare_calls(judged.timeline, new_timeline) if stopped is None else None
        went = live_origins(new_timeline)
    return Try(number, run_id, paths, counts, tuple(tally.misses), new, calls, judge(old, new, stopped), network,
               stopped, went)
