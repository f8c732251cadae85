"""A part of one big run (`part_tally.py`) added to the tally of the records before its cut, as one pass over both
would have tallied them, or refused.

The part was tallied with only its roots open and no error known. That is what one pass knew at the cut when the
state there is settled (`settled`):
- the same roots open, none of them with a child open, a path of overlapping children, a failed last child (a retry
  of it would be decided on it) or a path that ends at or after a seq the part read (a broken file's seq going back:
  its child would not follow that path);
- no loop watch open, and no child of a root overlapping another in the part (its path is then not the one before
  the cut, continued);
- no span id of the part seen before the cut;
- no error report the part counted that one pass would have taken for the one that had just failed a span. (An
  error the part saw escape is one it counted: the first error a part meets makes its own chain, and the run's end,
  which asks the chain before the cut, is where a part stops.)
- with the diagnosis's sections, the state its collector needs (`diagnosis/parts/join.py`'s `settled`).

Then every figure adds up (`_add_part`): counts summed, durations joined in order, the first few kept in order and
the most kept as the top of both (as `merge.py` merges runs), each root's time and path continued, and the part's
first calls of an identity called before the cut made repeats, and the diagnosis's clues continued
(`diagnosis/parts/join.py`'s `add`). Refused, nothing is changed: the asking process tallies the part's records itself.
"""
from __future__ import annotations

from typing import Optional

from . import critical
from .collectors.figures import Bucket, Repeat
from .collectors.patterns import PatternsCollector
from .collectors.timing import MAX_BUCKETS, coarsen
from .diagnosis.parts import join as join_clues  # `join` is this module's own name
from .idset import SpanIds
from .part_tally import SEQ_MASK, PartPatterns, Tallied
from .run_state import OpenSpan, RunState
from .tally import Tally


def join(tally: Tally, part: Tallied) -> bool:
    """`part`'s records tallied into `tally`, whose current run holds every record before the part's cut; False,
    `tally` untouched, when the part's figures are not those one pass would make (then tally its records)."""
    run = tally.run
    if part.run.events == 0:
        return True  # a part of no record adds nothing
    if run is None:
        return False
    if not settled(tally, run, part):
        return False
    _add_part(tally, run, part)
    return True


def settled(tally: Tally, run: RunState, part: Tallied) -> bool:
    """Whether the state at the cut is the one the part was tallied from, as far as the part's figures read it."""
    mine = part.run
    if (run.run_id, run.files) != (mine.run_id, mine.files) or list(run.open) != list(part.seeded):
        return False
    if run.watches or run.turn_watches or part.overlapped:
        return False
    for span_id in part.seeded:
        own = run.open[span_id]
        if own.open_kids or own.kids is not None or own.watch is not None or (own.last is not None and own.last[1]):
            return False
        if own.chain_end >= part.least_seq:  # a child in the part would not follow the path so far
            return False
    fresh = part.errors.fresh
    if fresh is not None and run.reportable and run.last_error == fresh:
        return False
    if tally.clues is not None and (part.clues is None
                                    or not join_clues.settled(tally.clues, run, part.clues, part.least_seq)):
        return False
    return not (tally._ids and _overlap(run.seen, mine.seen))


def _overlap(before: SpanIds, part: SpanIds) -> bool:
    if not before.others.isdisjoint(part.others):
        return True
    return any(before.overlap(start, end) for start, end in zip(part.starts, part.ends))


def _add_part(tally: Tally, run: RunState, part: Tallied) -> None:
    mine = part.run
    assert part.first_seq is not None  # a part of records has a first
    if run.next_seq is not None and part.first_seq != run.next_seq:
        tally.integrity.seq_jump(run, part.first_seq, run.next_seq)
    _run(run, mine, part)
    tally.overview.merge(part.overview)
    tally.timing.merge(part.timing, 0)
    tally.errors.merge(part.errors, 0)
    tally.integrity.merge(part.integrity)
    if tally.anomalies is not None and part.anomalies is not None:
        tally.anomalies.merge(part.anomalies, 0)
    tally.usage.merge(part.usage)
    if tally.patterns is not None and part.patterns is not None:
        _patterns(tally.patterns, part.patterns, part.calls, part.run.open)
    if tally.clues is not None and part.clues is not None:
        join_clues.add(tally.clues, run, part.clues)


def _run(run: RunState, mine: RunState, part: Tallied) -> None:
    run.events += mine.events
    if part.overview.types.get("run_start"):  # the run's start is in the part: its time and attributes
        run.first_ts, run.start_attrs = mine.first_ts, mine.start_attrs
    run.next_seq = mine.next_seq
    run.last_ts = mine.last_ts if mine.last_ts is not None else run.last_ts
    if run.question is None:
        run.question = mine.question
    if mine.startup_ms is not None:
        run.startup_ms = mine.startup_ms
    run.frameworks |= mine.frameworks
    run.llm_calls += mine.llm_calls
    _memory(run, mine)
    _buckets(run, mine)
    run.watches, run.turn_watches = mine.watches, mine.turn_watches
    if run.chain is None:
        run.chain = mine.chain
    if mine.last_error is not None:  # the part counted an error: the run's error state is its own
        run.last_error, run.reportable, run.error_chain = mine.last_error, mine.reportable, mine.error_chain
    roots = {span_id: _root(run.open[span_id], mine.open.get(span_id)) for span_id in part.seeded}
    run.open = {**roots, **{span_id: own for span_id, own in mine.open.items() if span_id not in roots}}
    for start, end in zip(mine.seen.starts, mine.seen.ends):
        run.seen.add_range(start, end)
    run.seen.others |= mine.seen.others


def _root(own: OpenSpan, theirs: Optional[OpenSpan]) -> OpenSpan:
    """A root open at the cut, its time and path continued by the part's children of it."""
    if theirs is None:
        return own
    own.child_ms += theirs.child_ms
    own.open_kids = theirs.open_kids
    own.last = theirs.last if theirs.last is not None else own.last
    own.failed_error = theirs.failed_error if theirs.failed_error is not None else own.failed_error
    if theirs.chain is not None:  # children one after another, on both sides of the cut: one path
        if own.chain is None:
            own.chain = theirs.chain
        else:
            critical.merge(own.chain, theirs.chain)
        own.chain_end = theirs.chain_end
    own.chain_direct += theirs.chain_direct
    return own


def _memory(run: RunState, mine: RunState) -> None:
    if mine.memory is None:
        return
    if run.memory is None:
        run.memory = mine.memory
        return
    run.memory.last = mine.memory.last
    if mine.memory.peak[0] > run.memory.peak[0]:
        run.memory.peak = mine.memory.peak


def _buckets(run: RunState, mine: RunState) -> None:
    """Both sides' time buckets at the coarser of their widths, made coarser again while there are too many (one
    pass ends at the finest width that holds the whole run's buckets)."""
    if not mine.seconds:
        return
    while run.bucket_chars > mine.bucket_chars:
        coarsen(run)
    chars = run.bucket_chars
    for second, bucket in mine.seconds.items():
        into = run.seconds.get(second[:chars])
        if into is None:
            into = run.seconds[second[:chars]] = Bucket()
        into.ended += bucket.ended
        into.failed += bucket.failed
    while len(run.seconds) > MAX_BUCKETS:
        chars = run.bucket_chars
        coarsen(run)
        if run.bucket_chars == chars:  # a day a bucket: the coarsest
            return


def _patterns(into: PatternsCollector, part: PartPatterns, calls: dict[int, int],
              open_spans: dict[str, OpenSpan]) -> None:
    """The part's repeats, retries and loops; a first call in it of an identity called before the cut is a repeat
    (still open, it is marked one, and its time counts when it ends)."""
    made: list[tuple[int, int, Repeat]] = []
    for key, count in calls.items():
        before = into.calls.get(key, 0)
        into.calls[key] = before + count
        mine = part.repeated.get(key)
        if before == 0:
            if mine is not None:
                made.append((mine.ref, key, mine))
            continue
        first = part.firsts[key]
        ms = first.ms + (mine.ms if mine is not None else 0.0)
        still = open_spans.get(first.span_id)
        if still is not None and still.start_seq == first.ref & SEQ_MASK:
            still.key = key
        known = into.repeated.get(key)
        if known is not None:
            known.calls += count
            known.ms += ms
        else:  # one call before the cut: the part's first is its first repeat
            made.append((first.ref, key, Repeat(first.component, first.name, before + count, ms, first.ref,
                                                first.span_id)))
    for _, made_key, repeat in sorted(made, key=lambda item: item[0]):
        into.repeated[made_key] = repeat
    for op, retry in part.retries.items():
        mine_retry = into.retries.get(op)
        if mine_retry is None:
            into.retries[op] = retry
        else:
            mine_retry.retries += retry.retries
            mine_retry.recovered += retry.recovered
    into.loops += part.loops
