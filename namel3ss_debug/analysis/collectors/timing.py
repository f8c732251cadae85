"""When spans ended and how long they took: each operation's timed spans (the components', operations' and tools'
latency), its spans without a duration, the slowest spans over the slow threshold, and the ended and failed spans
per time bucket of each run (the error bursts `analysis/anomalies.py` finds)."""

from __future__ import annotations

import heapq

from ...store.records import EventRecord
from ..run_state import RunState
from .figures import SEQ_BITS, Bucket, Op, OpTimes, SlowSeen, add_counts, largest

MAX_BUCKETS = 4096
BUCKET_SECONDS = {19: 1, 18: 10, 16: 60, 15: 600, 13: 3600, 10: 86400}  # timestamp prefix length -> seconds


class Timing:
    """Durations by operation, exact: every one kept (8 bytes a span) for exact percentiles."""

    def __init__(self, slow_ms: float, top: int, buckets: bool):
        self.ops: dict[Op, OpTimes] = {}
        self.untimed: dict[Op, int] = {}  # op -> its ended spans without a duration
        self.slow: list[SlowSeen] = []  # a heap of the `top` slowest spans at `slow_ms` or over
        self.slow_by_op: dict[Op, int] = {}
        self.slow_ms = slow_ms  # math.inf when no section reads the slow spans: one comparison an end
        self.top = top
        self.buckets = buckets  # whether each run's spans are counted per time bucket (`RunState.seconds`)

    def ended(self, run: RunState, event: EventRecord, op: Op, duration: float | None, failed: bool) -> None:
        """A counted span ended. One call an end, for every figure of time: half the events are ends."""
        if duration is not None:
            times = self.ops.get(op)
            if times is None:
                times = self.ops[op] = OpTimes()
            times.durations.append(duration)
            if duration > times.longest_ms:
                times.longest_ms, times.longest_ref, times.longest_span = \
                    duration, run.index << SEQ_BITS | event.seq, event.span_id
            if duration >= self.slow_ms:
                self._slow(run.index << SEQ_BITS | event.seq, event, op, duration)
        else:
            self.untimed[op] = self.untimed.get(op, 0) + 1
        if self.buckets:
            second = event.ts[:run.bucket_chars]
            bucket = run.seconds.get(second)
            if bucket is None:
                if len(run.seconds) >= MAX_BUCKETS:
                    coarsen(run)
                    second = event.ts[:run.bucket_chars]
                bucket = run.seconds.get(second)
                if bucket is None:
                    bucket = run.seconds[second] = Bucket()
            bucket.ended += 1
            if failed:
                bucket.failed += 1

    def _slow(self, ref: int, event: EventRecord, op: Op, duration: float) -> None:
        self.slow_by_op[op] = self.slow_by_op.get(op, 0) + 1
        slow = self.slow
        if len(slow) < self.top:
            heapq.heappush(slow, SlowSeen(duration, ref, event.span_id, op, event.status))
        elif duration >= slow[0].ms:  # made only when it may enter the heap: most slow spans do not
            item = SlowSeen(duration, ref, event.span_id, op, event.status)
            if item > slow[0]:
                heapq.heapreplace(slow, item)

    def merge(self, part: Timing, shift: int) -> None:
        """`part`'s times after these (its references moved past this tally's runs by `shift`), as one pass keeps
        them: each operation's durations joined, the first of the longest kept, the same top of the slowest."""
        for op, times in part.ops.items():
            mine = self.ops.get(op)
            if mine is None:
                self.ops[op] = OpTimes(times.durations, times.longest_ms, times.longest_ref + shift, times.longest_span)
                continue
            mine.durations.extend(times.durations)
            if times.longest_ms > mine.longest_ms:  # the first of the longest, as one pass keeps it
                mine.longest_ms, mine.longest_ref, mine.longest_span = \
                    times.longest_ms, times.longest_ref + shift, times.longest_span
        add_counts(self.untimed, part.untimed)
        self.slow = largest(self.slow, [item._replace(ref=item.ref + shift) for item in part.slow], self.top)
        add_counts(self.slow_by_op, part.slow_by_op)


def coarsen(run: RunState) -> None:
    """Ten times fewer buckets, or so: the next shorter timestamp prefix (10 s, 1 min, 10 min, 1 h, 1 day)."""
    lengths = sorted(BUCKET_SECONDS, reverse=True)
    if run.bucket_chars == lengths[-1]:
        return
    run.bucket_chars = lengths[lengths.index(run.bucket_chars) + 1]
    merged: dict[str, Bucket] = {}
    for second, bucket in run.seconds.items():
        into = merged.get(second[:run.bucket_chars])
        if into is None:
            into = merged[second[:run.bucket_chars]] = Bucket()
        into.ended += bucket.ended
        into.failed += bucket.failed
    run.seconds = merged
