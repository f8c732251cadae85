"""`diff`'s use case: two runs, each read once, compared, and the --fail-on thresholds judged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


from ..diffing import calls
from ..diffing.align import PARTING
from ..diffing.profile import SECTIONS
from ..diffing.compare import diff_runs
from ..diffing.report import DiffReport
from ..diffing.thresholds import parse_threshold
from ..model.choices import DIFF_CONTEXT as CONTEXT
from ..store.sources import RunSource
from .cache import ResultCache, results_directory
from .diff_sides import Sides
from .environment import Environment
from .heap import TRIM_FROM_BYTES, give_back, size_on_disk
from .traces import TraceArgs, make_pricer, open_traces, price_data


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
    jobs: int = 1  # 2 or more: the two runs read at once, NEW in a worker process, or a big run read alone in
    # parts (`diff_sides.py`)


def diff_traces(request: DiffRequest, env: Environment) -> DiffReport:
    """NEW compared with BASE. Raises UsageError for a bad expression or an input of several runs,
    TraceError for one without events."""
    thresholds = [parse_threshold(expression) for expression in request.fail_on]
    runs = TraceArgs((request.base, request.new), False, request.strict, request.config_path)
    sources, resolved = open_traces(runs, env)
    pricer = make_pricer(env, None, resolved.settings.price_overrides)
    cache = ResultCache(results_directory(env.environ) if request.cache else None, env.warn)
    # a side kept with other report sections (before each side said its health) or an answer parted by another
    # rule (before a changed status was a divergence) is read again
    question = [resolved.settings.price_overrides, price_data(env.environ), request.strict, calls.FINGERPRINTS,
                calls.ORDER, list(SECTIONS), PARTING]
    # the answer itself, kept when both sides were read clean: a second diff of the same runs reads no side
    answer = cache.key("diff-report", sources, [*question, list(request.fail_on), request.context])
    kept = cache.get(answer, DiffReport)
    if kept is not None:
        return kept
    sides = Sides(cache, question, pricer, request.strict, request.cache, resolved.settings.price_overrides)
    report = _compared(sources, sides, thresholds, request.context, request.jobs, env)
    cache.put(answer, report, *sides.problems)
    return report


def _compared(sources: list[RunSource], sides: Sides, thresholds: list[Any], context: int, jobs: int,
              env: Environment) -> DiffReport:
    """The two runs (or the one, named twice) read at once (`--jobs`, `diff_sides.Sides.both`) or one after the
    other, each from the cache where an earlier read kept it, and compared: NEW first (its progress is the bar),
    then BASE, its warnings told after NEW's."""
    if len(sources) == 1:  # both name the same run: read once, it is both sides
        profile = sides.profile("BASE", sources[0], env, jobs)
        return diff_runs(profile, profile, thresholds, context=context)
    both = sides.both(sources[0], sources[1], env, jobs)
    if both is not None:
        return diff_runs(*both, thresholds, context=context)
    new_profile = sides.profile("NEW", sources[1], env, jobs)
    if size_on_disk(sources[1]) >= TRIM_FROM_BYTES:
        give_back()  # what reading NEW freed, before BASE is read
    base_profile = sides.profile("BASE", sources[0], env, jobs)
    return diff_runs(base_profile, new_profile, thresholds, context=context)
