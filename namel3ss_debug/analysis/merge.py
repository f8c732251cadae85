"""Joining two halves of one run read side by side: the first half's Tally absorbs the second's.

The run is cut where only its root span is open and no child of the root is (a "quiet point", such as
between two requests of a server). The second half was tallied from there with the root as a ghost
(`run_state.Boundary`): everything it did not need the first half for is exact, and what it did is
either kept for here (the root's children, calls that may repeat first-half calls) or makes `merge`
refuse. Refusal is not an error: the caller reads the second half again, continuing the first half's
Tally, and gets the one-pass result. Either way the report is the one a single pass would give.
"""

from __future__ import annotations

import heapq
from typing import Any

from . import critical
from .call_columns import columns_of, join
from .idset import SpanIds
from .run_state import MAX_KEPT, Boundary, Op, OpenSpan, RunState, coarsen
from .findings import MAX_EXAMPLES
from .tally import Tally


class NotMergeable(Exception):
    """The cut was not a quiet point after all, or the second half met what it could not judge alone."""


def merge(first: Tally, second: Tally) -> None:
    """Fold `second` (a boundary pass over the rest of the run) into `first`; raises NotMergeable."""
    boundary = second.boundary
    if boundary is None or len(first.runs) != 1 or len(second.runs) != 1:
        raise NotMergeable("each half must hold the one run")
    a, b = first.runs[0], second.runs[0]
    sendable(second)
    _check(a, b, boundary)
    _merge_run(first, a, b, boundary)
    _merge_figures(first, second)
    _merge_patterns(first, second, boundary)


def sendable(second: Tally) -> None:
    """A boundary pass made ready to go to the other core: its call identities in columns (`call_columns`),
    its dicts of them emptied. It is not fed again."""
    boundary = second.boundary
    if boundary is None or boundary.calls is not None:
        return
    boundary.calls = columns_of(second.repeats, second.repeated, boundary.first_seen)
    if boundary.calls is None:
        boundary.refuse("the second half's calls could not be put in columns")
    second.repeats, second.repeated, boundary.first_seen = {}, {}, {}


def _check(a: RunState, b: RunState, boundary: Boundary) -> None:
    if boundary.issue is not None:
        raise NotMergeable(boundary.issue)
    if b.events and a.run_id != b.run_id:
        raise NotMergeable("the halves hold different runs")
    root = a.open.get(boundary.root_id)
    if root is None or len(a.open) != 1 or root.open_kids != 0 or root.kids:
        raise NotMergeable("more than the root span was open at the cut")
    if boundary.first_error_report is not None and a.reportable and a.last_error == boundary.first_error_report:
        raise NotMergeable("an error reported after the cut may report one before it")
    if boundary.first_root_call is not None and root.last == (boundary.first_root_call, True):
        raise NotMergeable("a call after the cut may retry one before it")


def _merge_run(first: Tally, a: RunState, b: RunState, boundary: Boundary) -> None:
    if boundary.first_seq is not None and a.next_seq is not None and boundary.first_seq != a.next_seq:
        first.integrity.gaps += 1
        first.integrity.note(f"run {a.run_id}: seq jumps from {a.next_seq - 1} to {boundary.first_seq}")
    a.events += b.events
    a.next_seq = b.next_seq if b.next_seq is not None else a.next_seq
    a.last_ts = b.last_ts or a.last_ts
    if b.end is not None:
        a.end, a.end_attrs = b.end, b.end_attrs
    _merge_memory(a, b)
    _merge_seconds(a, b)
    a.watches.update(b.watches)
    if b.last_error is not None:
        a.last_error, a.reportable, a.error_chain = b.last_error, b.reportable, b.error_chain
    first.integrity.duplicates += _merge_ids(a.seen, b.seen)
    _merge_root(a, b, boundary)


def _merge_memory(a: RunState, b: RunState) -> None:
    if not b.memory:
        return
    if not a.memory:
        a.memory = b.memory
        return
    a.memory = [a.memory[0], b.memory[1], max(a.memory[2], b.memory[2], key=lambda sample: sample[0])]


def _merge_seconds(a: RunState, b: RunState) -> None:
    while a.bucket_chars > b.bucket_chars:
        coarsen(a)
    while b.bucket_chars > a.bucket_chars:
        coarsen(b)
    for second, (ended, failed) in b.seconds.items():
        bucket = a.seconds.setdefault(second, [0, 0])
        bucket[0] += ended
        bucket[1] += failed


def _merge_ids(mine: SpanIds, theirs: SpanIds) -> int:
    """Add `theirs` to `mine`; how many ids both held (duplicates across the cut)."""
    both = len(mine.others & theirs.others)
    mine.others |= theirs.others
    for start, end in zip(theirs.starts, theirs.ends):
        both += mine.overlap(start, end)
        mine.add_range(start, end)
    return both


def _merge_root(a: RunState, b: RunState, boundary: Boundary) -> None:
    """The root as both halves saw it: children's time and outcome, the critical path, then its end."""
    root = a.open[boundary.root_id]
    ghost = b.open.pop(boundary.root_id, None) or boundary.ghost
    assert ghost is not None  # the second half began with it open (`ghost_root`), and keeps it once ended
    root.child_ms += ghost.child_ms
    root.open_kids += ghost.open_kids
    if ghost.last is not None:
        root.last = ghost.last
    if ghost.failed_error is not None:
        root.failed_error = ghost.failed_error
    _join_paths(root, ghost)
    a.open.update(b.open)
    if boundary.root_end is not None:
        _close_root(a, boundary.root_id, boundary.root_end)


def _join_paths(root: OpenSpan, ghost: OpenSpan) -> None:
    """Every child of the second half started after every child of the first ended: their paths follow it."""
    before, direct = critical.best_chain(root)
    if ghost.kids:
        for kid in ghost.kids:
            kid[critical.CHAIN] = _joined(before, kid[critical.CHAIN])
            kid[critical.DIRECT] += direct
        root.kids, root.chain = ghost.kids, None
    elif ghost.chain is not None:
        root.chain = _joined(before, ghost.chain)
        root.chain_end = ghost.chain_end
        root.chain_direct = direct + ghost.chain_direct


def _joined(before: critical.Chain | None, after: critical.Chain) -> critical.Chain:
    joined = {op: list(value) for op, value in (before or {}).items()}
    critical.merge(joined, after)
    return joined


def _close_root(a: RunState, root_id: str, root_end: tuple[float, Op]) -> None:
    """What `Tally._end` does for the root's end, now that both halves of it are known."""
    duration, op = root_end
    a.chain = critical.own_chain(a.open.pop(root_id), op, duration)


def _merge_figures(first: Tally, second: Tally) -> None:
    """Counts, durations and examples: sums, concatenations and the first or largest of both."""
    _add_counts(first.type_counts, second.type_counts)
    first.analyzed += second.analyzed
    for op, durations in second.durations.items():
        mine = first.durations.get(op)
        if mine is None:
            first.durations[op], first.slowest[op] = durations, second.slowest[op]
            continue
        mine.extend(durations)
        slowest = first.slowest[op]
        if second.slowest[op][0] > slowest[0]:
            slowest[:3] = second.slowest[op][:3]
    for name in ("errors_by_op", "untimed", "instants", "slow_by_op", "categories", "tool_errors", "unhandled_types",
                 "unhandled_categories", "unhandled_tools"):
        _add_counts(getattr(first, name), getattr(second, name))
    first.failed_spans += second.failed_spans
    first.error_events += second.error_events
    first.slow = _top(first.slow + second.slow, first.options.top)
    first.blocking = _top(first.blocking + second.blocking, MAX_KEPT)
    first.blocking_count += second.blocking_count
    first.near_limit = (first.near_limit + second.near_limit)[:MAX_KEPT]
    first.near_limit_count += second.near_limit_count
    _merge_models(first.models, second.models)
    _merge_errors(first.error_types, second.error_types)
    first.integrity.unclosed += second.integrity.unclosed
    first.integrity.gaps += second.integrity.gaps
    first.integrity.duplicates += second.integrity.duplicates
    first.integrity.problems = (first.integrity.problems + second.integrity.problems)[:MAX_KEPT]


def _add_counts(mine: dict[Any, int], theirs: dict[Any, int]) -> None:
    for key, count in theirs.items():
        mine[key] = mine.get(key, 0) + count


def _top(items: list[Any], count: int) -> list[Any]:
    kept = heapq.nlargest(count, items)
    heapq.heapify(kept)
    return kept


def _merge_models(mine: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> None:
    for model, entry in theirs.items():
        own = mine.get(model)
        if own is None:
            mine[model] = entry
            continue
        for index in range(9):
            own[index] += entry[index]
        own[9] = max(own[9], entry[9])
        own[10] += entry[10]


def _merge_errors(mine: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> None:
    for kind, (count, category, examples) in theirs.items():
        own = mine.get(kind)
        if own is None:
            mine[kind] = [count, category, examples]
            continue
        own[0] += count
        own[2] = sorted(own[2] + examples)[:MAX_EXAMPLES]


def _merge_patterns(first: Tally, second: Tally, boundary: Boundary) -> None:
    for op, (count, recovered, ref, span_id) in second.retries.items():
        own = first.retries.get(op)
        if own is None:
            first.retries[op] = [count, recovered, ref, span_id]
        else:
            own[0] += count
            own[1] += recovered
    # a call first seen in the second half repeats one of the first half's when the first half has its key
    assert boundary.calls is not None  # sent in columns (`sendable`); without them the merge was refused
    join(first.repeats, first.repeated, boundary.calls)
    first.loops.extend(second.loops)
