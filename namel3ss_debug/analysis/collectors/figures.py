"""The records the pass keeps its figures in, one per figure, each field named.

Two kinds. A record made once per operation, model, error type or repeated call and then changed in place for
each event is a slotted dataclass: an attribute of a slotted instance is read and written as fast as an item of
a list. A record made once per span (a step of a critical path, a closed child) is a msgspec Struct, as
`OpenSpan` is: built in C, which a dataclass's `__init__` is not. Items of a heap are named tuples, so they
compare as tuples (the slow spans' heap makes one only when the span may enter it).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
import heapq
from typing import Any, NamedTuple, TypeVar

import msgspec

from ..loops import Label

Op = tuple[str, str, str]  # (component, name, span kind): what the figures are kept by
K = TypeVar("K")
T = TypeVar("T", bound=tuple[Any, ...])  # a kept item: a named tuple, compared as a tuple

SEQ_BITS = 44  # a reference packs (run index, seq) into one int: run << 44 | seq
CALLS = frozenset({"llm", "tool"})  # the components whose calls can repeat, be retried or loop


def call_key(run_index: int, component: str, name: str, inputs: bytes | memoryview) -> int | None:
    """A call's identity: its run, component, name and inputs' JSON text hashed; None for a call with no inputs
    (no identity: not counted as a repeat)."""
    return hash((run_index, component, name, bytes(inputs))) if len(inputs) else None


def floats() -> array[float]:
    return array("d")


@dataclass(slots=True)
class OpTimes:
    """An operation's timed spans: every duration (8 bytes a span, for exact percentiles) and its longest span."""

    durations: array[float] = field(default_factory=floats)
    longest_ms: float = -1.0
    longest_ref: int = 0
    longest_span: str = ""


@dataclass(slots=True)
class ModelUse:
    """One model's LLM calls: tokens, the costs recorded on the events, the tokens still to be priced, and the calls
    nothing can price (no recorded cost and no usage), whose cost is unknown, not 0."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    # each event's cost, summed exactly once at the end (`floats.total`): a running sum depends on the order
    event_costs: array[float] = field(default_factory=floats)
    event_priced: int = 0  # calls whose event recorded a cost
    open_input: int = 0  # tokens of the calls left to the pricer
    open_output: int = 0
    open_calls: int = 0
    max_input: int = 0  # the largest prompt, in tokens
    no_usage: int = 0  # calls without usage or cost
    no_answer: int = 0  # of those, calls that ended failed or stopped: no answer came, so no usage


class ErrorSeen(NamedTuple):
    """Where an error type was met, as its report example shows it."""

    ref: int
    span_id: str
    component: str
    name: str
    message: str


@dataclass(slots=True)
class ErrorKind:
    """An error type: its distinct errors, its category and the first few where it began."""

    category: str
    count: int = 0
    examples: list[ErrorSeen] = field(default_factory=list)


@dataclass(slots=True)
class Repeat:
    """A call made again with the same inputs: how often, the time of the repeats, and where it first repeated."""

    component: str
    name: str
    calls: int
    ms: float
    ref: int
    span_id: str


@dataclass(slots=True)
class Retries:
    """An operation's retries (a call right after a failed one under one parent), the recovered, the first."""

    ref: int
    span_id: str
    retries: int = 1
    recovered: int = 0


class SlowSeen(NamedTuple):
    """A span over the slow threshold, in a heap of the slowest."""

    ms: float
    ref: int
    span_id: str
    op: Op
    status: str


class BlockingSeen(NamedTuple):
    """A span whose own time (its duration less its children's) is over the blocking threshold, in a heap."""

    own_ms: float
    ref: int
    span_id: str
    op: Op


class NearLimit(NamedTuple):
    """An LLM call whose prompt reaches its model's context window share (`thresholds.CONTEXT_SHARE`)."""

    tokens: int
    ref: int
    model: str
    name: str
    span_id: str
    window: int


@dataclass(frozen=True, slots=True)
class LoopSeen:
    """A cycle of calls an agent repeated (`loops.LoopWatch`): an agent execution, or a turn agent in one."""

    run: int  # the run's index
    agent: str  # the span id of the agent execution, or of the turn agent's first turn in it
    start_seq: int
    name: str
    cycle: tuple[Label, ...]
    repeats: int
    first: int
    kind: str = "agent_execution"  # the span kind of `agent`: agent_execution | agent_turn


@dataclass(slots=True)
class Bucket:
    """The ended and failed spans of one time bucket of a run (for error bursts)."""

    ended: int = 0
    failed: int = 0


@dataclass(slots=True)
class Memory:
    """A run's memory samples as (mb, seq): its first, its last and its peak."""

    first: tuple[float, int]
    last: tuple[float, int]
    peak: tuple[float, int]


class PathTime(msgspec.Struct, gc=False):
    """An operation's time on a critical path, and its spans there."""

    ms: float
    spans: int


Chain = dict[Op, PathTime]  # a critical path: each operation's time on it


class Kid(msgspec.Struct, gc=False):
    """A closed child kept on its parent while the parent's children overlap (`critical.py`): the best critical
    path that ends with it, as the path it followed (`prev`) and what it adds (`chain`), so kids that follow one
    path share it rather than each copying it. With no `prev`, `chain` is the whole path. No cycle can form
    (`prev` ended earlier), hence no GC tracking."""

    end_seq: int
    start_seq: int
    chain: Chain
    direct_ms: float  # time of the parent's children on the whole path
    prev: Kid | None = None
    depth: int = 0  # links from here to the kid holding the whole path (`critical.LINKS`)


def add_counts(into: dict[K, int], part: dict[K, int]) -> None:
    """`part`'s counts added to `into`'s, each key where one pass meets it first (`merge`)."""
    for key, count in part.items():
        into[key] = into.get(key, 0) + count


def largest(heap: list[T], more: list[T], size: int) -> list[T]:
    """The `size` largest of both, as a heap (each item is distinct: its reference is one event's)."""
    kept = heapq.nlargest(size, [*heap, *more])
    heapq.heapify(kept)
    return kept
