"""Tallies of different runs made one, as one pass over all of them makes it: `analyze` of many runs read in
worker processes (`ops/reading/batches.py`), each worker's runs tallied and finished on their own.

A worker gives back `part_of(tally)`, what a finished tally keeps that the report reads, in a form that pickles
(no callable, nothing a run's pass alone needed); `absorb(into, part)` adds its runs after `into`'s. Each run is
finished where it was read (`Tally.finish` at the end of each source), and what one pass keeps across runs is
merged the way it is kept: counts summed, each operation's durations joined in run order (the report sorts them
and sums them exactly), what is kept of the first few (error examples, integrity problems, calls near a context
window) taken in run order up to the same cap, what is kept of the most (the slowest spans, the longest blocking)
the same top of the two, and every dict in the order one pass would have met its keys. A reference to an event
packs its run's place in the report (`run << SEQ_BITS | seq`): `part`'s are moved past `into`'s runs first. The
calls' identities (`figures.call_key`, a hash of this process) are each run's own and are not kept past its end; the
repeated calls are kept in their order, keyed by their part's first run's place and identity.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from typing import Any, Optional, TypeVar

from .collectors.anomalies import AnomaliesCollector
from .collectors.errors import MAX_EXAMPLES, ErrorsCollector
from .collectors.figures import SEQ_BITS, ErrorKind, ModelUse, OpTimes, Retries
from .collectors.integrity import IntegrityCollector
from .collectors.patterns import PatternsCollector
from .collectors.timing import Timing
from .collectors.usage import UsageCollector
from .diagnosis.collector.clues import Clues
from .collectors.overview import OverviewCollector
from .records.findings import Finding
from .diagnosis.notes.steps import RunClues
from .run_state import MAX_KEPT, RunState
from .tally import Tally

K = TypeVar("K")
T = TypeVar("T", bound=tuple[Any, ...])  # a kept item: a named tuple, compared as a tuple


@dataclass
class Part:
    """A finished tally's runs and figures, as a worker gives them back."""

    runs: list[RunState]
    overview: OverviewCollector
    timing: Timing
    errors: ErrorsCollector
    integrity: IntegrityCollector
    anomalies: Optional[AnomaliesCollector]
    usage: UsageCollector
    patterns: Optional[PatternsCollector]
    clues: Optional[tuple[list[RunClues], list[Finding]]]


def part_of(tally: Tally) -> Part:
    """What `tally` (every run finished) gives to `absorb`; `tally` is spent."""
    if tally.anomalies is not None:
        tally.anomalies.context_window = no_window
    tally.usage.anomalies = None
    if tally.patterns is not None:
        tally.patterns.calls = {}  # each run's calls' identities: its repeats were counted by its end
    clues = (tally.clues.runs, tally.clues.findings) if tally.clues is not None else None
    return Part(tally.runs, tally.overview, tally.timing, tally.errors, tally.integrity, tally.anomalies,
                tally.usage, tally.patterns, clues)


def no_window(model: str) -> Optional[int]:
    """No context window: what a tally given back holds instead of the pricer's lookup (which cannot be pickled)."""
    return None


def absorb(into: Tally, part: Part) -> None:
    """`part`'s runs after `into`'s (each finished), and every figure of theirs in `into`'s. `part` is spent."""
    shift = len(into.runs) << SEQ_BITS
    offset = len(into.runs)
    for run in part.runs:
        run.index += offset
    into.adopt(part.runs)
    add_counts(into.overview.types, part.overview.types)
    add_counts(into.overview.instants, part.overview.instants)
    into.overview.analyzed += part.overview.analyzed
    add_timing(into.timing, part.timing, shift)
    add_errors(into.errors, part.errors, shift)
    add_integrity(into.integrity, part.integrity)
    if into.anomalies is not None and part.anomalies is not None:
        add_anomalies(into.anomalies, part.anomalies, shift)
    add_usage(into.usage, part.usage)
    if into.patterns is not None and part.patterns is not None:
        _patterns(into.patterns, part.patterns, shift, offset)
    if into.clues is not None and part.clues is not None:
        _clues(into.clues, *part.clues, offset)


def add_counts(into: dict[K, int], part: dict[K, int]) -> None:
    for key, count in part.items():
        into[key] = into.get(key, 0) + count


def add_timing(into: Timing, part: Timing, shift: int) -> None:
    for op, times in part.ops.items():
        mine = into.ops.get(op)
        if mine is None:
            into.ops[op] = OpTimes(times.durations, times.longest_ms, times.longest_ref + shift, times.longest_span)
            continue
        mine.durations.extend(times.durations)
        if times.longest_ms > mine.longest_ms:  # the first of the longest, as one pass keeps it
            mine.longest_ms, mine.longest_ref, mine.longest_span = \
                times.longest_ms, times.longest_ref + shift, times.longest_span
    add_counts(into.untimed, part.untimed)
    into.slow = _top(into.slow, [item._replace(ref=item.ref + shift) for item in part.slow], into.top)
    add_counts(into.slow_by_op, part.slow_by_op)


def _top(heap: list[T], more: list[T], size: int) -> list[T]:
    """The `size` largest of both, as a heap (each item is distinct: its reference is one event's)."""
    kept = heapq.nlargest(size, [*heap, *more])
    heapq.heapify(kept)
    return kept


def add_errors(into: ErrorsCollector, part: ErrorsCollector, shift: int) -> None:
    into.failed_spans += part.failed_spans
    into.error_events += part.error_events
    add_counts(into.by_op, part.by_op)
    for kind, seen in part.types.items():
        mine = into.types.get(kind)
        if mine is None:
            mine = into.types[kind] = ErrorKind(seen.category)
        mine.count += seen.count
        room = MAX_EXAMPLES - len(mine.examples)
        mine.examples += [example._replace(ref=example.ref + shift) for example in seen.examples[:max(0, room)]]
    add_counts(into.categories, part.categories)
    add_counts(into.tool_errors, part.tool_errors)
    add_counts(into.unhandled_types, part.unhandled_types)
    add_counts(into.unhandled_categories, part.unhandled_categories)
    add_counts(into.unhandled_tools, part.unhandled_tools)


def add_integrity(into: IntegrityCollector, part: IntegrityCollector) -> None:
    into.unclosed += part.unclosed
    into.ends_without_start += part.ends_without_start
    into.orphans += part.orphans
    into.duplicates += part.duplicates
    into.gaps += part.gaps
    for problem in part.problems:
        into.note(problem)


def add_anomalies(into: AnomaliesCollector, part: AnomaliesCollector, shift: int) -> None:
    into.windows.update(part.windows)
    into.blocking = _top(into.blocking, [item._replace(ref=item.ref + shift) for item in part.blocking], MAX_KEPT)
    into.blocking_count += part.blocking_count
    room = MAX_KEPT - len(into.near_limit)
    into.near_limit += [item._replace(ref=item.ref + shift) for item in part.near_limit[:max(0, room)]]
    into.near_limit_count += part.near_limit_count


def add_usage(into: UsageCollector, part: UsageCollector) -> None:
    for model, use in part.models.items():
        mine = into.models.get(model)
        if mine is None:
            into.models[model] = use
            continue
        _use(mine, use)


def _use(into: ModelUse, part: ModelUse) -> None:
    into.calls += part.calls
    into.input_tokens += part.input_tokens
    into.output_tokens += part.output_tokens
    into.total_tokens += part.total_tokens
    into.event_costs.extend(part.event_costs)
    into.event_priced += part.event_priced
    into.open_input += part.open_input
    into.open_output += part.open_output
    into.open_calls += part.open_calls
    into.max_input = max(into.max_input, part.max_input)
    into.no_usage += part.no_usage
    into.no_answer += part.no_answer


def _patterns(into: PatternsCollector, part: PatternsCollector, shift: int, offset: int) -> None:
    for key, repeat in part.repeated.items():  # keyed apart from `into`'s: the identities are each process's hashes
        into.repeated[(offset, key)] = replace(repeat, ref=repeat.ref + shift)
    for op, retry in part.retries.items():
        mine = into.retries.get(op)
        if mine is None:
            into.retries[op] = Retries(retry.ref + shift, retry.span_id, retry.retries, retry.recovered)
        else:
            mine.retries += retry.retries
            mine.recovered += retry.recovered
    into.loops += [replace(loop, run=loop.run + offset) for loop in part.loops]


def _clues(into: Clues, runs: list[RunClues], findings: list[Finding], offset: int) -> None:
    for clues in runs:
        clues.index += offset
        into.runs.append(clues)
    into.findings += findings
