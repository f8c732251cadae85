"""What the anomalies section reads besides the time figures (`timing.py`: the operations' durations, the spans
per time bucket): spans blocking outside any traced child, LLM calls near their context window, memory samples.
`analysis/anomalies.py` judges them."""

from __future__ import annotations

import heapq
from typing import Callable

from ...store.records import EventRecord
from ..run_state import MAX_KEPT, RunState
from ..thresholds import CONTEXT_SHARE
from .figures import SEQ_BITS, BlockingSeen, Memory, NearLimit, Op, largest


class AnomaliesCollector:
    """Made only for a pass whose report reads anomalies (or health)."""

    def __init__(self, context_window: Callable[[str], int | None]):
        self.context_window = context_window
        self.windows: dict[str, int | None] = {}  # model -> its context window, None when unknown
        self.blocking: list[BlockingSeen] = []  # a heap of the MAX_KEPT longest
        self.blocking_count = 0
        self.near_limit: list[NearLimit] = []  # the first MAX_KEPT
        self.near_limit_count = 0

    def blocked(self, run: RunState, event: EventRecord, op: Op, own_ms: float) -> None:
        """A span ran `own_ms` outside any traced child, over the blocking threshold."""
        if event.event_type == "run_end":
            return
        self.blocking_count += 1
        ref = run.index << SEQ_BITS | event.seq
        blocking = self.blocking
        if len(blocking) < MAX_KEPT:
            heapq.heappush(blocking, BlockingSeen(own_ms, ref, event.span_id, op))
        else:
            item = BlockingSeen(own_ms, ref, event.span_id, op)
            if item > blocking[0]:
                heapq.heapreplace(blocking, item)

    def prompt(self, event: EventRecord, model: str, tokens_in: int, ref: int) -> None:
        """An LLM call's prompt of `tokens_in` tokens: kept when it reaches its model's window share."""
        window = self.windows.get(model, -1)
        if window == -1:
            window = self.windows[model] = self.context_window(model)
        if window and tokens_in >= CONTEXT_SHARE * window:
            self.near_limit_count += 1
            if len(self.near_limit) < MAX_KEPT:
                self.near_limit.append(NearLimit(tokens_in, ref, model, event.name, event.span_id, window))

    def merge(self, part: AnomaliesCollector, shift: int) -> None:
        """`part`'s anomalies after these (its references moved by `shift`): the same top of the longest blocking,
        the first calls near a context window up to the same cap."""
        self.windows.update(part.windows)
        self.blocking = largest(self.blocking, [item._replace(ref=item.ref + shift) for item in part.blocking],
                                MAX_KEPT)
        self.blocking_count += part.blocking_count
        room = MAX_KEPT - len(self.near_limit)
        self.near_limit += [item._replace(ref=item.ref + shift) for item in part.near_limit[:max(0, room)]]
        self.near_limit_count += part.near_limit_count


def sampled(run: RunState, event: EventRecord, memory_mb: float) -> None:
    """A memory sample (any event may carry one): the run's first, last and peak."""
    sample = (memory_mb, event.seq)
    memory = run.memory
    if memory is None:
        run.memory = Memory(sample, sample, sample)
        return
    memory.last = sample
    if memory_mb > memory.peak[0]:
        memory.peak = sample

