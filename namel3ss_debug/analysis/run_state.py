"""What the one pass keeps per run and per open span, and the options it runs with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import msgspec

from ..model.choices import ANALYZE_SECTIONS as SECTIONS
from ..model.json_types import JsonEvent, JsonObject, JsonValue
from ..store.records import EventRecord
from .collectors.figures import Bucket, Chain, Kid, Memory, Op
from .handling import ErrorChain
from .idset import SpanIds
from .loops import LoopWatch
from .thresholds import Judging

TOP_SLOW = 10
MAX_KEPT = 50  # blocking spans, context-limit calls and problems kept as examples; counts stay exact


# What the pass keeps only for some report sections, and those sections: a pass for fewer sections (`check`'s,
# `diff`'s) skips what none of them reads.
# `findings` reads the patterns, the critical path and the slow spans of each run (`rules.RunFigures`)
PATTERN_SECTIONS = frozenset({"patterns", "tools", "health", "findings"})  # repeated calls, retries, loops
PATH_SECTIONS = frozenset({"critical_path", "findings", "health"})  # each span's critical path
SLOW_SECTIONS = frozenset({"slow", "findings", "health"})  # the slowest spans over the threshold
FINDING_SECTIONS = frozenset({"findings", "health"})  # the diagnosis's steps (`diagnosis/collector/clues.py`)
ANOMALY_SECTIONS = frozenset({"anomalies", "health"})  # blocking spans, calls near their context limit, bursts
INTEGRITY_SECTIONS = frozenset({"integrity", "health"})  # the span ids seen: duplicates, orphans, unmatched ends


@dataclass
class Options:
    slow_threshold_ms: float = 1000.0
    block_threshold_ms: float = 10_000.0
    top: int = TOP_SLOW
    context_window: Callable[[str], int | None] = lambda model: None
    # a call's cost from its model and tokens (the pricer's, as the report prices), None when unknown
    price: Callable[[str, int, int], float | None] = lambda model, tokens_in, tokens_out: None
    counted: Callable[[EventRecord], bool] | None = None  # --since/--until/--component; None: every event
    # the report sections the pass is for: what only other sections read is not kept (see `Tally.__init__`)
    sections: frozenset[str] = frozenset(SECTIONS)
    judging: Judging = field(default_factory=Judging)  # the diagnosis's thresholds and context windows


class OpenSpan(msgspec.Struct):
    """What the pass keeps of a span between its start and its end.

    One is built per span, so it is a msgspec Struct: built in C, which a slotted class's `__init__` is not.
    The critical path so far is `chain`, `chain_end` and `chain_direct` while the children run one after
    another, and `kids`, the general form (see critical.py), only while they overlap.
    """

    component: str
    name: str
    parent_id: str | None
    start_seq: int
    key: int | None  # the call's identity, set only on a repeat: the first call of its kind is not one
    agent: str | None  # span id of the agent execution it is (or runs in)
    retry: bool | None  # a call right after a failed one of the same operation, under one parent
    model: str | None  # a model named at the start counts for the end
    # the loop watch its calls count in: `agent`, or in an agent turn under it, its turn agent's (`Patterns.turn`)
    watch: str | None = None
    child_ms: float = 0.0  # time of the ended children
    open_kids: int = 0
    last: tuple[Op, bool] | None = None  # (op, failed) of the child that ended last
    failed_error: tuple[str, str] | None = None  # (type, message) of an error that may fail it
    chain: Chain | None = None
    chain_end: int = -1  # seq of the end of the chain's last child
    chain_direct: float = 0.0  # time of the children on the chain
    kids: list[Kid] | None = None


@dataclass
class RunState:
    """What is known of one run while its events go by."""

    index: int
    run_id: str
    source: str
    files: tuple[str, ...]
    events: int = 0
    next_seq: int | None = None
    first_ts: str | None = None
    last_ts: str | None = None
    open: dict[str, OpenSpan] = field(default_factory=dict)
    seen: SpanIds = field(default_factory=SpanIds)
    start_attrs: JsonObject | None = None
    # the first user message of its first LLM call (`run_texts.question_in`); None before that call, "" when it
    # holds none
    question: str | None = None
    end: JsonEvent | None = None
    end_attrs: JsonObject = field(default_factory=dict)
    startup_ms: float | None = None  # the run's start-up span's (model/events.py), when it has one
    frameworks: set[str] = field(default_factory=set)  # the `attrs.framework` its span starts name (integrations)
    llm_calls: int = 0  # its ended LLM spans (`traffic.py` reads a trace of 0.1.0's unrecorded count by it)
    memory: Memory | None = None  # its memory samples, once it has one
    # ended and failed spans per time bucket: "YYYY-MM-DDTHH:MM:SS" (a second) at first, coarser prefixes
    # of the timestamp (10 s, a minute, ...) once there are too many buckets, so memory stays bounded
    # (`collectors/timing.py`)
    seconds: dict[str, Bucket] = field(default_factory=dict)
    bucket_chars: int = 19
    watches: dict[str, LoopWatch] = field(default_factory=dict)
    # an agent execution's span id -> its turn agents' watches: (watch key, first turn's span id, its seq, its name)
    turn_watches: dict[str, list[tuple[str, str, int, str]]] = field(default_factory=dict)
    chain: Chain | None = None  # its critical path (`critical.py`)
    last_error: tuple[str, str] | None = None  # (type, message) of the error seen last
    reportable: bool = False  # the last error failed a span, and no error_occurred has reported it yet
    error_chain: ErrorChain | None = None  # the error counted last, on its way out: handled until it escapes


def recorded_event_types(run: RunState) -> list[JsonValue]:
    """The event types a run was recorded with (`default_event_types` in run_start's config), if limited."""
    config = (run.start_attrs or {}).get("config")
    types = config.get("default_event_types") if isinstance(config, dict) else None
    return types if isinstance(types, list) else []
