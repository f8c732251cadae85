"""A run's spans as rows for a picture: the waterfall's rows with who, what and how each one went.

One row per span and per instant event, in tree order (depth first, children by start), so a row's
subtree is the `size` rows after it. Each row says where it sits on the time axis (`timeline.py`), its
track (thread, or thread and task), the agent it works for (the nearest agent span at or above it; in a
conversation recorded at the wire only, the speaker its LLM call's messages name: `row_speakers.py`), its
model, tokens and cost (recorded, else priced as `analyze` prices), its error category, and flags: slow,
on the critical path, pointed at by an anomaly, carrying an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..model.error_category import categorize
from ..model.events import kind as event_kind
from ..model.json_types import JsonEvent, JsonValue
from .critical_spans import critical_nodes
from .fields import number, text_of
from .prices import Pricer
from .row_speakers import spoken
from .spans import SpanNode, build_tree
from .timeline import timeline

SLOW, CRITICAL, ANOMALY, ERROR = 1, 2, 4, 8  # the bits of `SpanRow.flags`
MAIN_THREAD = "MainThread"  # threading's name for the interpreter's first thread


@dataclass(frozen=True)
class SpanRow:
    node: SpanNode
    parent: int  # the row of the parent, -1 for a root
    depth: int
    size: int  # rows in the subtree below this one
    start_ms: float | None  # after the run's start; None when the event has no usable ts
    duration_ms: float | None  # None for a span that never ended; 0 for an instant
    track: str
    agent: str | None
    model: str | None
    cost_usd: float | None
    category: str | None
    flags: int

    @property
    def kind(self) -> str:
        return event_kind(text_of(self.node.first.get("event_type")))

    @property
    def status(self) -> str:
        return "unclosed" if self.node.unclosed else self.node.status


@dataclass(frozen=True)
class SpanTable:
    rows: list[SpanRow]
    started: str | None  # the ts every `start_ms` counts from
    total_ms: float  # from the start to the latest moment seen


def span_table(events: Iterable[JsonEvent], *, pricer: Pricer | None = None, slow_ms: float = 1000.0,
               anomalous: frozenset[str] = frozenset()) -> SpanTable:
    """The rows of one run's events; `anomalous` holds the span ids an anomaly points at."""
    tree = build_tree(events)
    waterfall = timeline(tree)
    critical = critical_nodes(tree.roots)
    pricer = pricer or Pricer()
    rows: list[SpanRow] = []
    parents: list[int] = []  # the open ancestors' rows, by depth
    agents: list[str | None] = []
    turns: list[bool] = []  # whether the row's agent is an agent turn's (not an agent execution's)
    in_turn: list[bool] = []
    for bar in waterfall.bars:
        node, depth = bar.node, bar.depth
        del parents[depth:], agents[depth:], turns[depth:]
        parent = parents[-1] if parents else -1
        own = node.component == "agent" and node.kind == "span"
        agent = node.name if own else (agents[-1] if agents else None)
        turn = node.first.get("event_type") == "agent_turn_start" if own else (turns[-1] if turns else False)
        flags = _flags(node, slow_ms, id(node) in critical, node.span_id in anomalous)
        rows.append(SpanRow(
            node=node, parent=parent, depth=depth, size=0, start_ms=bar.offset_ms,
            duration_ms=None if bar.open_ended or node.unclosed else (bar.length_ms if node.kind == "span" else 0.0),
            track=_track(node.first) or "", agent=agent, model=_model(node), cost_usd=_cost(node, pricer),
            category=_category(node), flags=flags))
        parents.append(len(rows) - 1)
        agents.append(agent)
        turns.append(turn)
        in_turn.append(turn)
    return SpanTable(_tracked(spoken(_sized(rows), in_turn)), waterfall.start_ts, waterfall.total_ms)


def _sized(rows: list[SpanRow]) -> list[SpanRow]:
    """Each row with the number of rows in its subtree."""
    sizes = [0] * len(rows)
    for index in range(len(rows) - 1, -1, -1):
        parent = rows[index].parent
        if parent >= 0:
            sizes[parent] += sizes[index] + 1
    return [row if size == 0 else replace(row, size=size) for row, size in zip(rows, sizes)]


def _tracked(rows: list[SpanRow]) -> list[SpanRow]:
    """Rows recorded without a thread on their parent's track; a root without one (the run span) on the main
    thread's track if a span below it was recorded there, else on the first track below it, else on `main`."""
    tracks: list[str] = []
    for index, row in enumerate(rows):
        track = row.track
        if not track and row.parent >= 0:
            track = tracks[row.parent]
        elif not track:
            below = [other.track for other in rows[index + 1:index + 1 + row.size] if other.track]
            track = next((name for name in below if name.startswith(MAIN_THREAD)), below[0] if below else "main")
        tracks.append(track)
    return [row if row.track == track else replace(row, track=track) for row, track in zip(rows, tracks)]


def _flags(node: SpanNode, slow_ms: float, critical: bool, anomalous: bool) -> int:
    flags = SLOW if node.duration_ms is not None and node.duration_ms >= slow_ms else 0
    flags |= CRITICAL if critical else 0
    flags |= ANOMALY if anomalous else 0
    return flags | (ERROR if node.failed else 0)


def _track(event: JsonEvent) -> str | None:
    """`thread / task`, or the thread; None when the event names neither."""
    thread, task = event.get("thread"), event.get("task")
    if thread is None and task is None:
        return None
    thread_text = text_of(thread) if thread is not None else "main"
    return f"{thread_text} / {text_of(task)}" if task is not None else thread_text


def _model(node: SpanNode) -> str | None:
    for event in (node.end, node.start):
        if event is not None and isinstance(model := event.get("model"), str) and model:
            return model
    return None


def _cost(node: SpanNode, pricer: Pricer) -> float | None:
    """The cost recorded on the span, else its tokens priced (LLM spans), else None."""
    for event in (node.end, node.start):
        if event is not None:
            recorded = number(event.get("cost_usd"))
            if recorded is not None:
                return recorded
    model = _model(node)
    if node.component != "llm" or model is None or node.end is None:
        return None
    return priced_call(model, node.end.get("usage"), pricer)[0]


def priced_call(model: str, usage: JsonValue, pricer: Pricer) -> tuple[float | None, str | None]:
    """One LLM call's tokens priced, and by which source: `(None, None)` without usage or a price."""
    if not isinstance(usage, dict):
        return None, None
    tokens_in, tokens_out = number(usage.get("input_tokens")), number(usage.get("output_tokens"))
    return pricer.price(model, int(tokens_in or 0), int(tokens_out or 0))


def _category(node: SpanNode) -> str | None:
    """The error's recorded category, else the one `analyze` would give it; None for a span without an error."""
    for event in (node.end, node.start):
        error = event.get("error") if event is not None else None
        if isinstance(error, dict) and error.get("category") is not None:
            return text_of(error["category"])
        if isinstance(error, dict):
            return categorize(text_of(error.get("type") or "Error"), text_of(error.get("message") or ""))
        if error:
            return categorize("Error", text_of(error))
    return "unknown" if node.status == "failed" else None
