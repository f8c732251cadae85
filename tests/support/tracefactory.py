"""Synthetic v1 traces built in code, for tests of the readers and the analysis.

`TraceBuilder` writes events the way the tracer does (seq from 0, ids in hex, timestamps advancing
with the spans' durations) without using the tracer, so a test knows every figure in advance.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

from namel3ss_debug.model.events import span_prefix

Event = dict[str, Any]
RUN_ID = "20261122-100000-abcdef"


class TraceBuilder:
    def __init__(self, run_id: str = RUN_ID, start: str = "2026-11-22T10:00:00+00:00"):
        self.run_id = run_id
        self.events: list[Event] = []
        self.clock = datetime.fromisoformat(start)
        self._ids = 0
        self.root: str | None = None

    def new_id(self) -> str:
        self._ids += 1
        return f"{self._ids:016x}"

    def advance(self, ms: float) -> None:
        self.clock += timedelta(milliseconds=ms)

    def event(self, event_type: str, component: str, name: str, span_id: str, parent_id: str | None,
              status: str, **fields: Any) -> Event:
        ts = self.clock.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        event = {"v": 1, "run_id": self.run_id, "seq": len(self.events), "ts": ts, "event_type": event_type,
                 "component": component, "name": name, "span_id": span_id, "parent_id": parent_id,
                 "status": status}
        event.update({key: value for key, value in fields.items() if value is not None})
        self.events.append(event)
        return event

    def run_start(self, name: str = "app.py", **attrs: Any) -> str:
        self.root = self.new_id()
        self.event("run_start", "app", name, self.root, None, "started",
                   attrs={"entry": {"kind": "script", "name": name}, **attrs})
        return self.root

    def startup(self, duration_ms: float) -> str:
        """The run's start-up span, as the tracer writes it right after run_start (`model/events.py`)."""
        return self.span("app", "start-up", duration_ms, kind="app_load")

    def run_end(self, status: str = "completed", duration_ms: float | None = None, **attrs: Any) -> None:
        start = datetime.fromisoformat(self.events[0]["ts"].replace("Z", "+00:00"))
        duration = duration_ms if duration_ms is not None else (self.clock - start).total_seconds() * 1000
        self.event("run_end", "app", "app.py", self.root or "0", None, status, duration_ms=round(duration, 3),
                   attrs=attrs or None)

    def start(self, component: str, name: str, parent: str | None = None, *, kind: str | None = None,
              inputs: Any = None) -> str:
        span_id = self.new_id()
        prefix = kind or span_prefix(component)
        self.event(f"{prefix}_start", component, name, span_id, parent or self.root, "started", inputs=inputs)
        return span_id

    def end(self, span_id: str, duration_ms: float, *, status: str = "completed", kind: str | None = None,
            advance: bool = True, **fields: Any) -> Event:
        start = next(e for e in self.events if e["span_id"] == span_id and e["event_type"].endswith("_start"))
        if advance:
            self.advance(duration_ms)
        prefix = kind or start["event_type"][: -len("_start")]
        return self.event(f"{prefix}_end", start["component"], start["name"], span_id, start["parent_id"], status,
                          duration_ms=duration_ms, **fields)

    def span(self, component: str, name: str, duration_ms: float, parent: str | None = None, *,
             status: str = "completed", inputs: Any = None, kind: str | None = None, **fields: Any) -> str:
        span_id = self.start(component, name, parent, kind=kind, inputs=inputs)
        self.end(span_id, duration_ms, status=status, **fields)
        return span_id

    def instant(self, event_type: str, component: str, name: str, parent: str | None = None,
                status: str = "completed", **fields: Any) -> str:
        span_id = self.new_id()
        self.event(event_type, component, name, span_id, parent or self.root, status, **fields)
        return span_id

    def lines(self) -> bytes:
        return b"".join(orjson.dumps(event) + b"\n" for event in self.events)

    def write(self, path: Path) -> Path:
        path.write_bytes(self.lines())
        return path


def insert_startup(events: list[Event], ms: float = 3000.0) -> list[Event]:
    """`events` (a run starting with run_start) as the tracer writes such a run now: a start-up span right after
    run_start, the seqs after it shifted (ids and times left as they are)."""
    start, rest = events[0], events[1:]
    root = start["span_id"]
    pair = [dict(start, seq=start["seq"] + 1, event_type="app_load_start", component="app", name="start-up",
                 span_id="f" * 16, parent_id=root, status="started", attrs=None),
            dict(start, seq=start["seq"] + 2, event_type="app_load_end", component="app", name="start-up",
                 span_id="f" * 16, parent_id=root, status="completed", duration_ms=ms, attrs=None)]
    return [start, *pair, *(dict(event, seq=event["seq"] + 2) for event in rest)]


def one_llm_call(path: Path, run_id: str = RUN_ID) -> Path:
    """A run of one LLM call (`plan`, gpt-4o, 1 + 2 tokens), written to `path`."""
    trace = TraceBuilder(run_id)
    trace.run_start()
    trace.span("llm", "plan", 5, usage={"input_tokens": 1, "output_tokens": 2}, model="gpt-4o")
    trace.run_end()
    return trace.write(path)


def many_llm_calls(spans: int = 3000) -> TraceBuilder:
    """A run of `spans` LLM calls with 200-character prompts: past 1 MiB at 3,000, so an index is written."""
    trace = TraceBuilder()
    trace.run_start()
    for n in range(spans):
        trace.span("llm", "plan", 1, inputs={"prompt": "p" * 200, "n": n})
    trace.run_end()
    return trace


def error(kind: str, message: str, category: str | None = None) -> dict[str, str]:
    record = {"type": kind, "message": message}
    if category:
        record["category"] = category
    return record


def retried_tool_run() -> TraceBuilder:
    """An agent whose tool fails three times at once on the same input: `diagnose` finds a retry without back-off
    (a warning), and the run still completes."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for _ in range(3):
        trace.span("tool", "get_weather", 5.0, agent, status="failed", inputs={"city": "Paris, FR"},
                   error=error("KeyError", "'Paris, FR'"))
    trace.end(agent, 1.0, advance=False)
    trace.run_end()
    return trace


def analyze_events(events: list[Event], **kwargs: Any):
    """The Report for events given in code, through the same records the reader makes."""
    from namel3ss_debug.analysis.analyze import analyze  # noqa: PLC0415 - loaded only by the tests that analyze
    from namel3ss_debug.store.records import record_from_dict  # noqa: PLC0415 - as above
    from namel3ss_debug.store.sources import RunSource  # noqa: PLC0415 - as above

    records = [record_from_dict(event)[0] for event in events]
    source = RunSource("test", ("test.jsonl",), events[0]["run_id"] if events else None)
    return analyze([(source, iter([records]))], **kwargs)


CALL_COMPONENTS = ("llm", "tool", "agent", "chain", "memory")
CALL_PAYLOADS = (None, "text", {"text": "a", "n": 1}, {"b": [1, 2, {"c": None}], "a": "z"}, [1, "two"], 3.5,
                 {"return": "x\n  y"}, {"return": {"text": "plan", "usage": {"input_tokens": 3}}}, 10**30,
                 {"text": "café"}, {"b": 1, "b\u00e9": 2})


def random_calls_run(rng: random.Random, spans: tuple[int, int] = (5, 60)) -> list[Event]:
    """A random run that holds what a real trace can, for `diff`'s call recorder: nested spans (ended in any
    order, some never, some started under a parent just ended), failures with and without errors, odd field
    types the typed decoder refuses, inputs and outputs absent or null, texts written with escapes, ends without
    starts, instants, and sometimes another run's events."""
    trace = TraceBuilder()
    trace.run_start()
    open_ids: list[str] = [trace.root]
    closed_ids: list[str] = []
    for _ in range(rng.randrange(*spans)):
        roll = rng.random()
        # now and then a child written just after its parent ended (from another thread)
        parent = rng.choice(closed_ids[-3:]) if closed_ids and rng.random() < 0.1 else rng.choice(open_ids)
        if roll < 0.45:
            span = trace.start(rng.choice(CALL_COMPONENTS), rng.choice(("plan", "search", "write")), parent,
                               inputs=rng.choice(CALL_PAYLOADS))
            if rng.random() < 0.2:
                trace.events[-1].pop("inputs", None)
            elif rng.random() < 0.1:
                trace.events[-1]["inputs"] = None  # present, and null
            open_ids.append(span)
        elif roll < 0.8 and len(open_ids) > 1:
            span = open_ids.pop(rng.randrange(1, len(open_ids)))
            closed_ids.append(span)
            fields = {"outputs": rng.choice(CALL_PAYLOADS)}
            status = rng.choice(("completed", "completed", "failed"))
            if status == "failed":
                fields["error"] = rng.choice(({"type": "TimeoutError", "message": "late"}, {}, {"type": 5},
                                              "a string", None, {"message": "no type"}))
            event = trace.end(span, rng.uniform(0, 50), status=status, **fields)
            if rng.random() < 0.1:
                event["duration_ms"] = rng.choice((-1, "slow", 2e13))  # refused by the typed decoder
            if rng.random() < 0.15:
                event.pop("outputs", None)
            elif rng.random() < 0.1:
                event["outputs"] = None  # present, and null
        elif roll < 0.9:
            trace.instant("memory_operation", "memory", "write", parent)
        else:
            trace.event("tool_call_end", "tool", "orphan", trace.new_id(), parent, "completed", duration_ms=1.0,
                        outputs={"x": 1})
    if rng.random() < 0.5:
        trace.run_end()
    if rng.random() < 0.2:
        other = TraceBuilder("20261122-120000-000000")
        other.run_start()
        trace.events.extend(other.events)
    return trace.events


GRAPH_RECURSION = ("Recursion limit of 25 reached without hitting a stop condition.\n"
                   "You can increase the limit by setting the `recursion_limit` config key.\n"
                   "For troubleshooting, visit: https://python.langchain.com/docs/troubleshooting/errors/"
                   "GRAPH_RECURSION_LIMIT")  # LangGraph's message: three lines


def multi_line_error_run(path: Path) -> Path:
    """A run that a tool's `GraphRecursionError` (a message of three lines, `GRAPH_RECURSION`) ends failed."""
    failure = error("GraphRecursionError", GRAPH_RECURSION)
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "planner")
    trace.span("tool", "search", 5, agent, status="failed", error=failure)
    trace.instant("error_occurred", "agent", "GraphRecursionError", agent, status="failed", error=failure,
                  attrs={"unhandled": True})
    trace.end(agent, 10, status="failed", error=failure)
    trace.run_end("failed", exit_code=1)
    trace.events[-1]["error"] = failure
    return trace.write(path)


def hanging_lines(output: str, first: str = "Recursion limit", then: tuple[str, ...] = (
        "You can increase", "For troubleshooting")) -> list[str]:
    """The lines of `output` that break a column: each continuation of a multi-line text (a line holding one
    of `then`, and not `first` before it) that does not hang under the line of the text's first line (holding
    `first`): nothing before it but spaces, more of them than that line starts with."""
    lines = output.splitlines()
    broken = []
    for number, line in enumerate(lines):
        at = min((line.find(text) for text in then if text in line), default=-1)
        if at < 0 or first in line[:at]:  # none, or the text on one line
            continue
        above = next((lines[n] for n in range(number - 1, -1, -1) if first in lines[n]), "")
        if line[:at].strip() or at <= len(above) - len(above.lstrip(" ")):
            broken.append(line)
    return broken
