"""`diff`'s use case: two runs, each read once, compared, and the --fail-on thresholds judged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..analysis.prices import Pricer
from ..diffing.compare import CONTEXT, diff_runs
from ..diffing.profile import RunProfile, profile_lines
from ..diffing.report import DiffReport
from ..diffing.thresholds import parse_threshold
from ..model.errors import Namel3ssDebugError, TraceError, UsageError
from ..store.formats import rereadable
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .environment import Environment, count_bytes
from .forked import Forked
from .traces import TraceArgs, make_pricer, make_reader, open_traces


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


def diff_traces(request: DiffRequest, env: Environment) -> DiffReport:
    """NEW compared with BASE. Raises UsageError for a bad expression or an input of several runs,
    TraceError for one without events."""
    thresholds = [parse_threshold(expression) for expression in request.fail_on]
    runs = TraceArgs((request.base, request.new), False, request.strict, request.config_path)
    sources, resolved = open_traces(runs, env)
    pricer = make_pricer(env, None, resolved.settings.price_overrides)
    if len(sources) == 1:  # both name the same run: read once, it is both sides
        profile = _profile("BASE", sources[0], make_reader(request.strict, env), pricer, env)
        return diff_runs(profile, profile, thresholds, context=request.context)
    # BASE is read by a fork while NEW is read here (its progress is the bar shown)
    base = Forked(lambda: _quiet_profile("BASE", sources[0], request.strict, pricer, env))
    try:
        new_profile = _profile("NEW", sources[1], make_reader(request.strict, env), pricer, env)
        base_profile, warnings = base.result()
    finally:
        base.cancel()
    for warning in warnings:  # BASE's, told here: a fork's own stderr may not be this process's
        env.warn(warning)
    if isinstance(base_profile, Namel3ssDebugError):
        raise base_profile
    return diff_runs(base_profile, new_profile, thresholds, context=request.context)


def _quiet_profile(side: str, source: RunSource, strict: bool, pricer: Pricer,
                   env: Environment) -> tuple[RunProfile | Namel3ssDebugError, list[str]]:
    """A profile (or the error that stopped it) and the warnings said on the way, kept to be told later."""
    said: list[str] = []
    quiet = replace(env, warn=said.append, progress=count_bytes)
    try:
        return _profile(side, source, make_reader(strict, quiet), pricer, quiet), said
    except Namel3ssDebugError as error:
        return error, said


def _profile(side: str, source: RunSource, reader: TraceReader, pricer: Pricer, env: Environment) -> RunProfile:
    """One run read once; an input without events or with several runs cannot be diffed."""
    progress = env.progress([source])
    with progress:
        reader.progress = progress.advance
        profile = profile_lines(source, reader.line_blocks(source), pricer=pricer, problems=reader.problems,
                                rereadable=rereadable(source))
    if not profile.calls.events:
        raise TraceError(f"{side} {source.label}: no events", hint="the trace is empty: was the run traced?")
    others = profile.calls.other_runs
    if others:
        runs = ", ".join([profile.calls.run_id or "?", *sorted(others)][:4])
        raise UsageError(f"{side} {source.label} holds {len(others) + 1} runs ({runs}): diff compares one run "
                         "with one run", hint="name one run's segment file or run id, or split the file by run_id")
    return profile
