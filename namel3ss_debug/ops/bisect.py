"""`bisect TRACE`'s use case: the earliest call of a failed run whose replacement answer makes the failure go.

The replacements come from `--answers FILE` (a JSON object, `component:name#N` -> the answer, as `--mock` takes
it: a neutral LLM answer too) or from `--good RUN` (a good run of the same app: each of the bad run's LLM and tool
calls whose twin of the same key there completed with another result). The candidates are those calls, in the
bad run's order; the search (`judging/bisect.py`) reruns the app offline with some of them substituted (each as a
`--mock` of its key).

After a substituted call the app's later calls may ask something else (the conversation now holds the new
answer), and the rerun, parted from its recording, answers a call from the bad run only if it asks what was
recorded. A call that does not is answered from the replacements: with `--good`, by the good run's call of the
same key if it asks what that one asked; with `--answers`, by the file's answer for its key whatever it asks.
A tool neither answers runs for real, as after a fork's call (`rerun/fork.past_a_change`): the tool a corrected
answer asks for. Anything else is a miss, which stops that rerun (no outcome: the search stops and says so).

Each rerun is judged as `verify` judges a run (`judging/outcome.py`, `judging/verdict.py`: the workspace's `checks`
and `--expect` too, the bad run's outcome as well): it **flips** when it passes (a rerun that fails another way
has not fixed the run).

    report = bisect_trace(BisectRequest(RerunRequest("bad.jsonl"), good="good.jsonl"), env, announce=...)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..launch.choosing import Choosing
from ..launch.guard import GuardedRerun
from ..launch.recorded import Recorded
from ..launch.rerun import recorded_form, run_again
from ..model.errors import UsageError
from ..model.json_types import Foreign, JsonValue
from ..model.rerun_protocol import MOCKED
from ..recording.endpoints import live_origins
from ..recording.mocks import Mock, parse_key
from ..replay.mock_specs import load_mock_file
from ..rerun.answerer import Rerun
from ..rerun.answers import Answer, from_value
from ..judging.bisect import BisectSearch, search
from ..judging.bisect_report import BisectCandidate, BisectReport, BisectRerun
from ..recording.call_paths import PathTable
from ..rerun.candidates import LiveCall
from ..launch.verifying import bisecting
from ..rerun.policy import LiveCalls
from ..recording.calls import RecordedCall, Recording
from ..judging.verdict import judge
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .environment import Environment
from .traces import TraceArgs, open_traces
from .judged import (GoingLive, JudgedRecording, JudgingRequest, judge_recording, judging_of, live_endpoints,
                     why_stopped)
from .rerun_request import RerunRequest
from .replay import load_run

ANSWERED = ("llm", "tool")  # the calls a good run's answers replace


@dataclass(frozen=True)
class BisectRequest:
    """What `bisect TRACE` was asked, as typed (see `bisect --help`): the rerun's request (the bad run's TRACE,
    what may go live, where the app runs, its consent), one of `answers_path` and `good`, and --expect."""

    rerun: RerunRequest
    answers_path: Path | None = None
    good: str | None = None
    expect: str | None = None  # --expect RULE, read here


def bisect_trace(request: BisectRequest, env: Environment, announce: Callable[[Recorded, str | None, str], None],
                 probing: Callable[[int, tuple[str, ...]], None] = lambda number, keys: None,
                 going_live: GoingLive = lambda endpoints: None) -> BisectReport:
    """Everything `bisect TRACE` does: check the request, read the answers, open the runs, and bisect.
    UsageError (exit 2) for neither or both of --answers and --good, a bad answers file or --expect rule, a bad
    --base-url or one with --live, or an input of several runs."""
    rerun = request.rerun
    rerun.live.check()
    if (request.answers_path is None) == (request.good is None):
        raise UsageError("bisect needs the replacement answers: give one of --answers FILE and --good RUN",
                         hint="e.g. namel3ss-debug bisect bad.jsonl --good good.jsonl")
    answers = _answers(request.answers_path) if request.answers_path is not None else None
    judging = judging_of("bisect", "the bad run", "reruns", rerun, request.expect, env)
    sources, _ = open_traces(TraceArgs(rerun.traces, False, False, rerun.config_path), env)
    goods: list[RunSource | None] = [None]
    if request.good is not None:
        goods = list(open_traces(TraceArgs((request.good,), False, False, rerun.config_path), env)[0])
    if len(sources) != 1 or len(goods) != 1:
        raise UsageError("bisect compares one bad run with one set of answers", hint="name one trace file or run id")
    return bisect_app(sources[0], BisectOptions(judging, answers, goods[0]), env, announce, probing, going_live)


def _answers(path: Path) -> dict[str, JsonValue]:
    """The --answers file, by each call's key; a key that names no one call is a usage error."""
    found: dict[str, JsonValue] = {}
    for mock in load_mock_file(path):
        key = mock.key
        if key.event_type is not None or key.number is None:
            raise UsageError(f"{path}: {key.text!r} does not name one call",
                             hint='name each call as component:name#N, e.g. "llm:chat#3"')
        found[f"{key.component}:{key.name}#{key.number}"] = mock.value
    if not found:
        raise UsageError(f"{path}: no answers in it", hint='e.g. {"llm:chat#3": "the answer"}')
    return found


@dataclass(frozen=True)
class BisectOptions:
    """What `bisect` was asked to do (see `bisect --help`): how the bad run and each rerun are judged (its
    --expect too: a run whose final output breaks it failed; the rerun's request, `judging.rerun`), and `answers`
    (a parsed --answers file) or `good` (the good run's source)."""

    judging: JudgingRequest
    answers: dict[str, JsonValue] | None
    good: RunSource | None

    @property
    def live(self) -> LiveCalls:
        return self.judging.rerun.live


def bisect_app(source: RunSource, options: BisectOptions, env: Environment,
               announce: Callable[[Recorded, str | None, str], None],
               probing: Callable[[int, tuple[str, ...]], None] = lambda number, keys: None,
               going_live: GoingLive = lambda endpoints: None) -> BisectReport:
    """Everything `bisect` does; `announce` hears which app is about to run (and may refuse it), `going_live`
    where `--live` sends what the recording cannot answer (before the first rerun), `probing` each rerun as it
    starts (its number and the keys it substitutes)."""
    with judge_recording(source, options.judging, env) as judged:
        if judged.outcome.passed:
            raise UsageError(f"the run in {source.label} passed, so it has no failure to bisect",
                             hint="give a failed run (one that exited non-zero, raised, broke a `checks` rule or "
                                  "--expect)")
        good = _good_recording(options.good, options.judging.reader, env)
        # both runs answer the probes: the rerun is a stranger's unless both were written here
        answering = [*source.files, *(options.good.files if options.good is not None else ())]
        choosing = options.judging.rerun.consent.choosing(answering, env.environ)
        try:
            return _bisect(judged, good, options, choosing, announce, probing, going_live)
        finally:
            if good is not None:
                good.timeline.close()


def _bisect(judged: JudgedRecording, good: Recording | None, options: BisectOptions, choosing: Choosing,
            announce: Callable[[Recorded, str | None, str], None],
            probing: Callable[[int, tuple[str, ...]], None],
            going_live: GoingLive) -> BisectReport:
    """The search over the candidates, each probe a rerun judged against the bad run."""
    candidates = _candidates(judged.recording(), options.answers, good, judged.label)
    values = {candidate.key: candidate.value for candidate in candidates}
    fallback = _fallback(options.answers, good)
    announce(judged.recorded, judged.timeline.run_id, judged.label)
    choosing.allow_rerun(judged.label)  # a stranger's answers drive the app only when allowed
    endpoints = live_endpoints(judged.timeline, options.live, going_live)
    reruns: list[BisectRerun] = []

    def flips(keys: tuple[str, ...]) -> bool | None:
        probing(len(reruns) + 1, keys)
        mocks = {key: Mock(parse_key(key), values[key], "bisect") for key in keys}
        session = Rerun(judged.recording(), bisecting(options.live, fallback), mocks=mocks, inputs_of=recorded_form)
        done = _probe(len(reruns) + 1, keys, judged, GuardedRerun(session, choosing),
                      options.judging.rerun.app_stdout_to_stderr)
        reruns.append(done)
        return done.flipped

    found: BisectSearch[str] = search([candidate.key for candidate in candidates], flips)
    recorded = judged.recorded
    return BisectReport(judged.label, judged.timeline.run_id, _origin(options), tuple(recorded.target.argv),
                        str(recorded.cwd), judged.outcome, tuple(candidates), found.status, found.call, found.alone,
                        tuple(reruns), options.live, endpoints)


def _origin(options: BisectOptions) -> str:
    return f"the good run {options.good.label}" if options.good is not None else "the --answers file"


def _good_recording(good: RunSource | None, reader: TraceReader, env: Environment) -> Recording | None:
    if good is None:
        return None
    return Recording(load_run(good, reader, env, None), PathTable())


def _candidates(recording: Recording, answers: dict[str, JsonValue] | None, good: Recording | None,
                label: str) -> list[BisectCandidate]:
    """The calls with a replacement answer, in the bad run's order."""
    by_key = {call.key: call for call in recording.calls}
    if answers is not None:
        unknown = [key for key in answers if key not in by_key]
        if unknown:
            raise UsageError(f"--answers names {unknown[0]}, and the run in {label} has no such call",
                             hint="name calls as component:name#N, as `inspect` shows them")
        chosen = sorted((by_key[key] for key in answers), key=lambda call: call.start)
        return [BisectCandidate(call.key, answers[call.key]) for call in chosen]
    assert good is not None
    found = [_replacement(recording, call, good) for call in recording.calls if call.component in ANSWERED]
    candidates = [candidate for candidate in found if candidate is not None]
    if not candidates:
        raise UsageError(f"every LLM and tool call of the run in {label} got the good run's answer",
                         hint="give a good run whose calls answered differently, or an --answers file")
    return candidates


def _replacement(recording: Recording, call: RecordedCall, good: Recording) -> BisectCandidate | None:
    """The good run's answer for `call`: its twin of the same key's return value (or items) when it completed
    with another result than the bad run's; None else."""
    twin = next((other for other in good.by_operation.get((call.component, call.name), ())
                 if other.number == call.number), None)
    value = _returned(good, twin) if twin is not None else None
    if value is None or value == _returned(recording, call):
        return None
    return BisectCandidate(call.key, value[0])


def _returned(recording: Recording, call: RecordedCall) -> tuple[JsonValue] | None:
    """What a completed call returned (a generator: the items it yielded), as a one-tuple; None else."""
    end = recording.result(call)
    outputs = end.get("outputs") if end is not None and end.get("status") == "completed" else None
    if not isinstance(outputs, dict):
        return None
    if "yielded" in outputs:
        return (outputs["yielded"],)
    return (outputs["return"],) if "return" in outputs else None


def _fallback(answers: dict[str, JsonValue] | None,
              good: Recording | None) -> Callable[[LiveCall, Foreign, bool], Answer | None]:
    """What answers a call the bad run cannot: the file's answer for its key, or the good run's twin's when
    the call asks what that one asked."""

    def from_answers(live: LiveCall, codec: Foreign, generator: bool) -> Answer | None:
        if answers is None or live.key not in answers:
            return None
        return from_value(MOCKED, answers[live.key], codec, None, generator)

    def from_good(live: LiveCall, codec: Foreign, generator: bool) -> Answer | None:
        assert good is not None
        twin = next((call for call in good.by_operation.get((live.component, live.name), ())
                     if call.number == live.number), None)
        value = _returned(good, twin) if twin is not None and good.fingerprint(twin) == live.fingerprint else None
        return from_value(MOCKED, value[0], codec, None, generator) if value is not None else None

    return from_answers if answers is not None else from_good


def _probe(number: int, keys: tuple[str, ...], judged: JudgedRecording, guarded: GuardedRerun,
           app_stdout_to_stderr: bool) -> BisectRerun:
    """One rerun with `keys` substituted, judged against the bad run (its tools on the wire asked about as
    `guarded`'s choosing says)."""
    ran, network = run_again(judged.recorded, judged.resolved, guarded, judged.replay_of(sorted(keys)),
                             app_stdout_to_stderr=app_stdout_to_stderr, last=False)  # the search may rerun it
    session = guarded.rerun
    paths = tuple(str(path) for path in ran.run.paths)
    tally = session.tally
    counts = {name: tally.counts.get(name, 0) for name in ("recorded", "mocked", "live")}
    stopped = why_stopped(tally.misses, ran.exception)
    old = judged.outcome
    if not paths:
        return BisectRerun(number, keys, paths, counts, stopped, None, judge(old, None, stopped), None, network,
                           tuple(tally.misses))
    with judged.new_run(paths, judge=stopped is None) as (new_timeline, new):
        went = live_origins(new_timeline)
    if new is None:  # a stopped rerun has no outcome to judge: the search stops at it
        return BisectRerun(number, keys, paths, counts, stopped, None, judge(old, None, stopped), None, network,
                           tuple(tally.misses), went)
    flipped = new.passed  # a rerun that breaks another way has not fixed the run
    return BisectRerun(number, keys, paths, counts, None, new, judge(old, new), flipped, network, (), went)
