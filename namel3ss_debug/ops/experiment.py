"""`diagnose TRACE --experiment`'s use case: find the decisive model call of a failed run by re-asking the model.

Read the run once and judge it as `verify` does (`ops/judged.py`: its end, errors, the workspace's `checks`,
`--expect`); refuse one that passed, one with no model call, and one with nowhere to send a re-ask (the recording
alone cannot answer one: `--live` or `--base-url` says where). Read the blame `diagnose` gives it (its candidates
are tried first), then let the search (`judging/experiment.py`) choose fork points. At each, `tries` forks run the
app: the calls before the point answered from the recording, the point and every model call after it sent live (a
`reask` fork, `rerun/fork.py`), each fork kept as a run whose lineage names the run and the point. Each new run
is judged as the recording was; the tries add up to the point's rescue rate.

Bounded: `--max-calls` is a `CallBudget` every live model call takes from before it is sent (the fork that finds
it spent is stopped there), and a try is not started when the recording says it would re-ask more calls than
are left, or cost more than `--max-cost` leaves (priced from the recording; a model with no price stops the
search rather than count as free). Ctrl-C stops it too. Either way the answer is the best so far, and the record
(`RUN_ID.experiment.json` beside the forks) keeps it for `report` and `view`.

    report = experiment_trace(ExperimentRequest(RerunRequest("failed.jsonl", LiveCalls(own=True))), env, announce=...)
    report.conclusion.verdict, report.exit_code
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import msgspec
import orjson

from .._version import __version__
from ..analysis.records.findings import Blame
from ..analysis.prices import Pricer
from ..judging.experiment import BUDGET, INTERRUPTED, Conclusion, ForkPoint, PointTried, Search
from ..judging.experiment_report import (
    DEFAULT_TRIES, EXPERIMENT_SCHEMA, MAX_TRIES, Budget, ExperimentReport, Spent, record_name,
)
from ..launch.choosing import Choosing
from ..launch.guard import GuardedRerun
from ..launch.recorded import Recorded
from ..launch.rerun import recorded_form, run_again
from ..launch.verifying import reasking
from ..model.errors import UsageError
from ..model.fs import replace_beside
from ..recording.endpoints import endpoints_of
from ..rerun.budget import BudgetSpent, Budgeted, CallBudget
from ..recording.calls import Recording
from ..store.sources import RunSource
from .analyze.analyze import read_prices
from .diagnose import DiagnoseRequest, diagnose_traces
from .environment import Environment
from .experiment_cost import TryCost, live_cost, recorded_costs
from .experiment_points import candidate_points, fork_points, read_call
from .judged import JudgedRecording, judge_recording, judging_of, why_stopped
from .rerun_request import RerunRequest
from .traces import TraceArgs, open_traces

TOOL = "tool"


@dataclass(frozen=True)
class ExperimentRequest:
    """What `diagnose TRACE --experiment` was asked, as typed (see `diagnose --help`): the rerun's request (TRACE,
    where a re-ask goes: --base-url, or --live, the app's own endpoints; where the app runs, its consent), and the
    experiment's own options."""

    rerun: RerunRequest
    expect: str | None = None
    tries: int = DEFAULT_TRIES  # at each fork point
    max_calls: int | None = None
    max_cost: float | None = None
    prices_path: Path | None = None  # --prices FILE: model prices before price_overrides and genai-prices


@dataclass(frozen=True)
class ExperimentPlan:
    """What the experiment says before its first try: how much it may do, where it sends, what runs for real."""

    run_id: str
    points: int  # the run's model calls
    candidates: tuple[str, ...]  # the calls the blame points at, tried first
    tries: int  # at each fork point
    most_rounds: int  # rounds of tries the search may make (its own bound)
    most_calls: int  # model calls it may send at most (the recording's count; --max-calls when lower)
    endpoints: tuple[str, ...]  # where the re-asks go
    given: bool  # the endpoints are --base-url's (else the app's own, --live)
    tools: tuple[str, ...]  # the tools after the first fork point: they run for real when asked anything new
    max_calls: int | None
    max_cost: float | None


@dataclass(frozen=True)
class Hearing:
    """What the command hears as the experiment goes: the plan before the first try, each try as it starts (the
    point, the try's number, the tries at a point), each point once tried."""

    plan: Callable[[ExperimentPlan], None] = lambda plan: None
    trying: Callable[[ForkPoint, int, int], None] = lambda point, number, tries: None
    tried: Callable[[PointTried], None] = lambda tried: None


def experiment_trace(request: ExperimentRequest, env: Environment,
                     announce: Callable[[Recorded, str | None, str], None], hearing: Hearing = Hearing()) \
        -> ExperimentReport:
    """Everything `diagnose --experiment` does. UsageError (exit 2) for a bad option, a run that passed, a run with
    no model call, nowhere to send a re-ask, or a TRACE of several runs."""
    rerun = request.rerun
    rerun.live.check()
    if not 1 <= request.tries <= MAX_TRIES:
        raise UsageError(f"--tries {request.tries}: give 1 to {MAX_TRIES} tries at each fork point")
    judging = judging_of("diagnose --experiment", "the run", "re-asks", rerun, request.expect, env)
    sources, _ = open_traces(TraceArgs(rerun.traces, False, False, rerun.config_path), env)
    if len(sources) != 1:
        raise UsageError("diagnose --experiment re-asks the model in one run at a time",
                         hint="name one trace file or run id")
    with judge_recording(sources[0], judging, env) as judged:
        return _experiment(sources[0], judged, request, env, announce, hearing)


def _experiment(source: RunSource, judged: JudgedRecording, request: ExperimentRequest, env: Environment,
                announce: Callable[[Recorded, str | None, str], None], hearing: Hearing) -> ExperimentReport:
    if judged.outcome.passed:
        raise UsageError(f"the run in {source.label} passed, so no call of it is decisive for a failure",
                         hint="give a failed run (one that exited non-zero, raised, broke a `checks` rule or --expect)")
    recording = judged.recording()
    points = fork_points(recording)
    if not points:
        raise UsageError(f"the run in {source.label} made no model call, so there is nothing to re-ask",
                         hint="diagnose --experiment forks a run at its LLM calls; read its blame with diagnose")
    live = request.rerun.live
    endpoints = (live.base_url,) if live.base_url else endpoints_of(judged.timeline)
    if not live.models:
        raise UsageError(f"diagnose --experiment re-asks the model at up to {len(points)} calls, and the recording "
                         "alone cannot answer a question asked again",
                         hint=f"add --live to send them where the app sent them ({_listed(endpoints)}), or "
                              "--base-url URL to send them to a model server of your own")
    blame = _blame(source, judged, request, env)
    points, candidates = candidate_points(blame, points)
    search = Search(points, candidates, request.tries)
    pricer = Pricer(read_prices(request.prices_path), judged.resolved.settings.price_overrides)
    costs = recorded_costs(recording, points, pricer)
    hearing.plan(_plan(judged.timeline.run_id or "?", search, request, endpoints, _tools_after(recording, points[0])))
    choosing = request.rerun.consent.choosing(source.files, env.environ)
    announce(judged.recorded, judged.timeline.run_id, source.label)
    choosing.allow_rerun(source.label)
    run = _Run(judged, request, choosing, CallBudget(request.max_calls), (pricer, costs), hearing)
    order, stopped = run.search(search)
    conclusion = search.conclude(run.tried, stopped, run.over)
    return _report(source, judged, request, blame, points, run, order, conclusion, endpoints)


def _plan(run_id: str, search: Search, request: ExperimentRequest, endpoints: tuple[str, ...],
          tools: tuple[str, ...]) -> ExperimentPlan:
    """What the experiment says before its first try: the search's bounds, `--max-calls` when lower."""
    most_rounds, most_calls = search.most_calls()
    return ExperimentPlan(run_id, len(search.points), tuple(search.points[index - 1].call
                                                             for index in search.candidates),
                          request.tries, most_rounds, min(most_calls, request.max_calls or most_calls), endpoints,
                          request.rerun.live.base_url is not None, tools, request.max_calls, request.max_cost)


def _listed(endpoints: tuple[str, ...]) -> str:
    return ", ".join(endpoints) if endpoints else "its endpoints"


def _blame(source: RunSource, judged: JudgedRecording, request: ExperimentRequest, env: Environment) -> Blame | None:
    """The blame `diagnose` reads from the run (with the same --expect), or None when it judged the run passed."""
    diagnosis = diagnose_traces(DiagnoseRequest(TraceArgs((source.label,), False, False, request.rerun.config_path),
                                                expect=request.expect, prices_path=request.prices_path), env)
    return next((blame for blame in diagnosis.blames if blame.run_id == judged.timeline.run_id), None)


def _tools_after(recording: Recording, first: ForkPoint) -> tuple[str, ...]:
    """The tools the run called after the first fork point, each once: a fork runs one for real when it is asked
    anything new."""
    timeline = recording.timeline
    names = {call.name: None for call in sorted(recording.calls, key=lambda call: call.start)
             if call.component == TOOL and (timeline.event(call.start).get("seq") or 0) > first.seq}
    return tuple(names)


class _Run:
    """The tries, as the search asks for them, within the budget."""

    def __init__(self, judged: JudgedRecording, request: ExperimentRequest, choosing: Choosing, budget: CallBudget,
                 prices: tuple[Pricer, list[float | None]], hearing: Hearing):
        self.judged = judged
        self.request = request
        self.choosing = choosing
        self.budget = budget
        # what prices a live call, and the recording's cost of each model call, by point (None: unpriced)
        self.pricer, self.costs = prices
        self.hearing = hearing
        self.tried: dict[int, PointTried] = {}
        self.tries = 0
        self.cost: float | None = 0.0
        self.folder: Path | None = None  # where the forks were written
        self.over: str | None = None  # what the budget stopped at

    def search(self, search: Search) -> tuple[list[int], str | None]:
        """Try the points the search asks for until it decides; the order tried, and BUDGET or INTERRUPTED when
        cut short."""
        order: list[int] = []
        cut: str | None = None
        try:
            while cut is None and (index := search.next(self.tried)) is not None:
                if index not in order:  # another round at a boundary adds to the point's tries
                    order.append(index)
                try:
                    cut = self._point(search.points[index - 1], len(search.points))
                finally:
                    if self.tried[index].tries:
                        self.hearing.tried(self.tried[index])
        except KeyboardInterrupt:  # wherever Ctrl-C lands: the forks made stay, and so does what they showed
            cut = INTERRUPTED
        for index in [index for index, done in self.tried.items() if done.tries == 0]:  # cut short before a try
            del self.tried[index]
            order.remove(index)
        return order, cut

    def _point(self, point: ForkPoint, n: int) -> str | None:
        """A round of tries at `point` (its first, or one more at a boundary), kept in `tried` as they end;
        BUDGET when the budget stopped them."""
        made = self.tried.setdefault(point.index, PointTried(point, 0, 0)).tries
        for number in range(made + 1, made + self.request.tries + 1):
            self.over = self._over_budget(point, n)
            if self.over is not None:
                return BUDGET
            self.hearing.trying(point, number, made + self.request.tries)
            result = self._try(point)
            self._add(point, result)
            if result.budget_spent:
                self.over = f"--max-calls {self.budget.most}: every call sent"
                return BUDGET
        return None

    def _over_budget(self, point: ForkPoint, n: int) -> str | None:
        """What a try at `point` would overrun, by the recording's count and cost of its calls from there; None
        when it fits."""
        left = self.budget.left
        needs = n - point.index + 1
        if left is not None and left < needs:
            return f"--max-calls {self.budget.most}: {left} left, a try from {point.call} re-asks {needs}"
        limit = self.request.max_cost
        if limit is None:
            return None
        expected = self.costs[point.index - 1:]
        if self.cost is None or any(cost is None for cost in expected):  # an unknown cost is no cost within a limit
            return f"--max-cost {limit:g}: a model's price is unknown, so what a try costs cannot be held to it"
        cost = sum(cost for cost in expected if cost is not None)
        if self.cost + cost > limit:
            return f"--max-cost {limit:g}: ${self.cost:.6f} spent, a try from {point.call} costs ${cost:.6f}"
        return None

    def _try(self, point: ForkPoint) -> TryCost:
        judged = self.judged
        live = self.request.rerun.live
        policy = reasking(live, point.call)
        session = Budgeted(judged.recording(), policy, self.budget, inputs_of=recorded_form)
        replay_of = {**judged.replay_of([]), **policy.lineage()}
        ran, _ = run_again(judged.recorded, judged.resolved, GuardedRerun(session, self.choosing), replay_of,
                           app_stdout_to_stderr=self.request.rerun.app_stdout_to_stderr, last=False)
        if isinstance(ran.exception, KeyboardInterrupt):
            raise KeyboardInterrupt
        self.tries += 1
        spent = isinstance(ran.exception, BudgetSpent)
        stopped = why_stopped(session.tally.misses, ran.exception)
        paths = tuple(str(path) for path in ran.run.paths)
        if not paths:
            return TryCost(None, None, stopped or "the fork wrote no trace", 0.0, spent)
        self.folder = Path(paths[0]).parent
        with judged.new_run(paths, judge=stopped is None) as (new_timeline, outcome):
            cost = live_cost(new_timeline, self.pricer)
        return TryCost(ran.run.run_id, outcome, stopped, cost, spent)

    def _add(self, point: ForkPoint, result: TryCost) -> None:
        was = self.tried[point.index]
        passed = result.outcome is not None and result.outcome.passed
        outcome = result.outcome.summary() if result.outcome is not None else f"stopped: {result.stopped}"
        self.tried[point.index] = PointTried(point, was.tries + 1, was.passes + passed,
                                             was.stopped + (result.outcome is None),
                                             [*was.forks, result.run_id or "?"], [*was.outcomes, outcome])
        self.cost = None if self.cost is None or result.cost is None else self.cost + result.cost


def _report(source: RunSource, judged: JudgedRecording, request: ExperimentRequest, blame: Blame | None,
            points: list[ForkPoint], run: _Run, order: list[int], conclusion: Conclusion,
            endpoints: tuple[str, ...]) -> ExperimentReport:
    step = blame.step if blame is not None else None
    report = ExperimentReport(
        EXPERIMENT_SCHEMA, f"namel3ss-debug {__version__}", judged.timeline.run_id or "?", source.label,
        judged.outcome.summary(), len(points), read_call(blame, points),
        (step.address or f"{step.ref.component}:{step.ref.name}") if step is not None else None,
        blame.confidence if blame is not None and step is not None else None,
        [run.tried[index] for index in order], conclusion,
        Spent(run.tries, run.budget.spent, run.cost), Budget(request.tries, request.max_calls, request.max_cost),
        "--base-url" if request.rerun.live.base_url else "--live", list(endpoints), request.expect)
    return _kept(report, run.folder)


def _kept(report: ExperimentReport, folder: Path | None) -> ExperimentReport:
    """The report, written beside the forks as the record `report` and `view` read back (when a fork was made)."""
    if folder is None:
        return report
    path = folder / record_name(report.run_id)
    kept = msgspec.structs.replace(report, record=str(path))
    replace_beside(path, lambda out: out.write(orjson.dumps(kept.document(), option=orjson.OPT_INDENT_2)))
    return kept
