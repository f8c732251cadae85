"""`diff`'s use case: two runs, each read once, compared, and the --fail-on thresholds judged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import msgspec

from ..analysis.prices import Pricer
from ..analysis.report import Report
from ..diffing import calls
from ..diffing.call_table import KeptCalls, kept, restored
from ..diffing.calls import CallSequence
from ..diffing.compare import diff_runs
from ..diffing.profile import RunProfile, profile_lines
from ..diffing.report import DiffReport
from ..diffing.thresholds import parse_threshold
from ..model.choices import DIFF_CONTEXT as CONTEXT
from ..model.errors import TraceError, UsageError
from ..store.formats import rereadable
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .cache import ResultCache, results_directory
from .environment import Environment
from .heap import TRIM_FROM_BYTES, give_back, size_on_disk
from .traces import TraceArgs, make_pricer, make_reader, open_traces, price_data


@dataclass(frozen=True)
class DiffRequest:
    """BASE and NEW (each one run, named as a TRACE), the --fail-on expressions and the calls shown around
    the first divergence."""

    base: str
    new: str
    fail_on: tuple[str, ...] = ()
    context: int = CONTEXT
    strict: bool = False
    config_path: Path | None = None
    cache: bool = True  # a side read before (the same run, prices and options) is taken from the cache; False:
    # nothing kept, no index sidecar


def diff_traces(request: DiffRequest, env: Environment) -> DiffReport:
    """NEW compared with BASE. Raises UsageError for a bad expression or an input of several runs,
    TraceError for one without events."""
    thresholds = [parse_threshold(expression) for expression in request.fail_on]
    runs = TraceArgs((request.base, request.new), False, request.strict, request.config_path)
    sources, resolved = open_traces(runs, env)
    pricer = make_pricer(env, None, resolved.settings.price_overrides)
    cache = ResultCache(results_directory(env.environ) if request.cache else None)
    question = [resolved.settings.price_overrides, price_data(env.environ), request.strict, calls.FINGERPRINTS,
                calls.ORDER]
    # the answer itself, kept when both sides were read clean: a second diff of the same runs reads no side
    answer = cache.key("diff-report", sources, [*question, list(request.fail_on), request.context])
    kept = cache.get(answer, DiffReport)
    if kept is not None:
        return kept
    sides = _Sides(cache, question, pricer, request.strict, request.cache)
    report = _compared(sources, sides, thresholds, request.context, env)
    cache.put(answer, report, *sides.problems)
    return report


def _compared(sources: list[RunSource], sides: _Sides, thresholds: list[Any], context: int,
              env: Environment) -> DiffReport:
    """The two runs (or the one, named twice) read one after the other, each from the cache where an earlier read
    kept it, and compared: NEW first (its progress is the bar), then BASE, its warnings told after NEW's."""
    if len(sources) == 1:  # both name the same run: read once, it is both sides
        profile = sides.profile("BASE", sources[0], env)
        return diff_runs(profile, profile, thresholds, context=context)
    new_profile = sides.profile("NEW", sources[1], env)
    if size_on_disk(sources[1]) >= TRIM_FROM_BYTES:
        give_back()  # what reading NEW freed, before BASE is read
    base_profile = sides.profile("BASE", sources[0], env)
    return diff_runs(base_profile, new_profile, thresholds, context=context)


class Side(msgspec.Struct, frozen=True):
    """What a diff keeps of one run read (`RunProfile` without its source), as the cache holds it."""

    report: Report
    run_id: Optional[str]
    calls: KeptCalls
    other_runs: dict[str, int]
    events: int

    @classmethod
    def of(cls, profile: RunProfile) -> Side:
        sequence = profile.calls
        return cls(profile.report, sequence.run_id, kept(sequence.calls), sequence.other_runs, sequence.events)

    def profile(self, source: RunSource) -> RunProfile | None:
        """The run's profile again; None when the calls kept are not whole."""
        table = restored(self.calls)
        if table is None:
            return None
        return RunProfile(source, self.report, CallSequence(self.run_id, table, self.other_runs, self.events))


class _Sides:
    """Reading one side of a diff: from the cache if an earlier read of the same run kept it, else from
    its files (and then kept, if the read was clean). `index` False: no index sidecar beside a file."""

    def __init__(self, cache: ResultCache, question: list[Any], pricer: Pricer, strict: bool, index: bool = True):
        self.cache, self.question, self.pricer, self.strict, self.index = cache, question, pricer, strict, index
        self.problems: list[ReadProblems] = []  # what each read from the files met

    def kept(self, source: RunSource) -> RunProfile | None:
        side = self.cache.get(self._key(source), Side)
        return side.profile(source) if side is not None else None

    def profile(self, side: str, source: RunSource, env: Environment) -> RunProfile:
        kept = self.kept(source)
        if kept is not None:
            return kept
        # the recorder and the tally keep no record
        reader = make_reader(self.strict, env, reuse_buffers=True, write_index=self.index)
        self.problems.append(reader.problems)
        profile = _profile(side, source, reader, self.pricer, env)
        self.cache.put(self._key(source), Side.of(profile), reader.problems)
        return profile

    def _key(self, source: RunSource) -> str | None:
        return self.cache.key("diff", [source], [*self.question, rereadable(source)])


def _profile(side: str, source: RunSource, reader: TraceReader, pricer: Pricer, env: Environment) -> RunProfile:
    """One run read once; an input without events or with several runs cannot be diffed."""
    progress = env.progress([source])
    with progress:
        reader.progress = progress.advance
        profile = profile_lines(source, reader.line_blocks(source), pricer=pricer,
                                problems=reader.problems, rereadable=rereadable(source))
    if not profile.calls.events:
        raise TraceError(f"{side} {source.label}: no events", hint="the trace is empty: was the run traced?")
    others = profile.calls.other_runs
    if others:
        runs = ", ".join([profile.calls.run_id or "?", *sorted(others)][:4])
        raise UsageError(f"{side} {source.label} holds {len(others) + 1} runs ({runs}): diff compares one run "
                         "with one run", hint="name one run's segment file or run id, or split the file by run_id")
    return profile
