"""Well-formed traces of every format the readers take, drawn from a seed: what the corpus then breaks.

A `Base` is a list of JSON records and how they are laid out on disk: v1 lines (`.jsonl`, or gzipped
`.jsonl.gz`), the legacy namel3ss format, the n3 runtime's step records, OTLP/JSON requests one a line
(foreign GenAI/OpenInference spans, or our own export's), and one pretty-printed OTLP/JSON document.
Each is a small run of an agent that plans with an LLM, calls tools (one of which may fail), writes
memory and ends, so that every reader's path (pairing, usage, errors, instants) is walked.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from hostile import dumps
from support.tracefactory import TraceBuilder

Record = Any  # a JSON object almost always; a damaged base may hold anything


@dataclass
class Base:
    """A trace before it is written: its records, its format's name and how it goes to disk."""

    format: str
    records: list[Record]
    suffix: str = ".jsonl"
    document: bool = False  # one JSON document over many lines (OTLP/JSON pretty-printed)
    gz: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def text(self) -> bytes:
        """The records as the format lays them out (before any damage to the bytes)."""
        if self.document:
            return "".join(_pretty(record) + "\n" for record in self.records).encode("utf-8", "surrogatepass")
        return "".join(dumps(record) + "\n" for record in self.records).encode("utf-8", "surrogatepass")

    def file_bytes(self, plain: bytes | None = None) -> bytes:
        """What goes on disk: `plain` (the text, damaged or not), gzipped for a `.gz` trace."""
        data = self.text() if plain is None else plain
        return gzip.compress(data, mtime=0) if self.gz else data


def _pretty(record: Record) -> str:
    """A document spread over lines, as a Collector's examples are: no line holds a whole object."""
    return dumps(record).replace(',"', ',\n  "').replace("{", "{\n  ", 1)


MODELS = ("gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "unknown-model-x")
TOOLS = ("search", "get_weather", "run_sql")


def v1_run(rng: random.Random, run_id: str = "20261122-100000-abcdef") -> list[Record]:
    """An agent run as the tracer writes it: start-up, an agent, LLM calls with usage, tools (one may fail),
    a memory write, an error event, the run's end."""
    trace = TraceBuilder(run_id)
    trace.run_start(name="app.py", entry={"kind": "script", "name": "app.py", "path": "app.py"})
    trace.startup(rng.uniform(1, 50))
    agent = trace.start("agent", "planner", kind="agent_execution", inputs={"question": "why?"})
    turns = rng.randint(1, 4)
    failing = rng.randrange(turns)  # one tool call fails, so that every run has an error to read
    for turn in range(turns):
        trace.advance(rng.uniform(0, 5))
        trace.span("llm", "plan", rng.uniform(1, 900), agent, inputs={"messages": [{"role": "user", "content": "hi"}]},
                   outputs={"text": f"step {turn}"}, model=rng.choice(MODELS),
                   usage={"input_tokens": rng.randint(0, 900), "output_tokens": rng.randint(0, 300)})
        tool = rng.choice(TOOLS)
        if turn == failing:
            trace.span("tool", tool, rng.uniform(1, 2000), agent, status="failed", inputs={"q": "x"},
                       error={"type": "TimeoutError", "message": "late", "category": "timeout"})
        else:
            trace.span("tool", tool, rng.uniform(1, 200), agent, inputs={"q": "x"}, outputs={"rows": [1, 2]})
    trace.instant("memory_operation", "memory", "write", agent, inputs={"key": "k"})
    trace.instant("error_occurred", "agent", "planner", agent, status="failed",
                  error={"type": "ValueError", "message": "bad", "category": "parameter"})
    trace.end(agent, rng.uniform(1, 100), kind="agent_execution")
    trace.run_end(dropped=0)
    for event in trace.events[1:]:  # the optional fields a tracer writes, so that each can be broken
        event.update(thread="MainThread", task=None, pid=4242)
        if event["event_type"].endswith("_end"):
            event.update(memory_mb=rng.uniform(20, 90), truncated=False)
        if event["component"] == "llm" and event["event_type"].endswith("_end"):
            event["cost_usd"] = rng.uniform(0, 0.01)
    return trace.events


def legacy_run(rng: random.Random) -> list[Record]:
    """The legacy namel3ss debug format: float timestamps, parent_event_id, string errors, tokens_used."""
    t0, execution = 1_700_000_000.0 + rng.randint(0, 10**6), f"exec_{rng.randint(0, 10**9)}"

    def line(event_type: str, event_id: str, at: float, **fields: Any) -> Record:
        base = {"event_type": event_type, "event_id": event_id, "timestamp": t0 + at, "parent_event_id": None,
                "execution_id": execution, "component": "app", "component_name": None, "inputs": {},
                "outputs": {}, "metadata": {}, "duration_ms": None, "status": "started", "error": None,
                "memory_usage_mb": None, "tokens_used": None, "cost_estimate": None}
        base.update(fields)
        return base

    lines = [line("app_load_start", "app", 0.0, component_name="demo"),
             line("agent_execution_start", "agent", 0.1, component="agent", component_name="planner")]
    for n in range(rng.randint(1, 3)):
        at = 0.2 + n
        lines += [line("llm_call_start", f"llm{n}", at, component="llm", component_name="openai",
                       parent_event_id="agent", inputs={"model": rng.choice(MODELS), "prompt_length": 2}),
                  line("llm_call_end", f"llm{n}-end", at + 0.3, component="llm", component_name="openai",
                       parent_event_id=f"llm{n}", status="completed", duration_ms=300.0, tokens_used=17,
                       cost_estimate=0.001, outputs={"prompt_tokens": 12, "completion_tokens": 5}),
                  line("tool_call_start", f"tool{n}", at + 0.4, component="tool", component_name="search",
                       parent_event_id="agent"),
                  line("tool_call_end", f"tool{n}-end", at + 0.6, component="tool", component_name="search",
                       parent_event_id=f"tool{n}", status=rng.choice(("completed", "failed")),
                       error=rng.choice((None, "tool timed out")), duration_ms=200.0)]
    lines += [line("memory_operation", "mem", 5.0, component="agent", component_name="planner",
                   parent_event_id="agent", inputs={"operation_type": "add"}),
              line("agent_execution_end", "agent-end", 6.0, component="agent", component_name="planner",
                   parent_event_id="agent", status="completed", duration_ms=5900.0),
              line("app_load_end", "app-end", 7.0, status="completed")]
    return lines


def n3_run(rng: random.Random) -> list[Record]:
    """The n3 runtime's step records: step numbers (or wall-clock seconds) as timestamps."""
    wall = rng.random() < 0.5
    base = 1_700_000_000.0 if wall else 0

    def step(index: int, name: str, **fields: Any) -> Record:
        record = {"column": 3, "duration_ms": 0.0, "flow_name": "answer", "input": {}, "line": 4 + index,
                  "memory_used": 57, "output": {}, "step_id": f"step:{index:04d}", "step_name": name,
                  "timestamp": base + index}
        record.update(fields)
        return record

    steps = [step(1, "flow_start")]
    for _ in range(rng.randint(1, 5)):
        steps.append(step(len(steps) + 1, rng.choice(("ai_call", "statement_let", "tool_call", "error")),
                          input={"q": "hi"}, output={"text": "yo"}, duration_ms=rng.uniform(0, 50)))
    steps.append(step(len(steps) + 1, "flow_end"))
    return steps


def _attribute(key: str, value: Any) -> Record:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def otlp_request(rng: random.Random) -> Record:
    """One OTLP/JSON request of foreign spans: a GenAI chat span, an OpenInference tool span with an
    exception event, an HTTP span, under an agent span (ids in hex, times as strings of nanoseconds)."""
    trace_id, t0 = rng.randbytes(16).hex(), 1_700_000_000_000_000_000 + rng.randint(0, 10**15)
    ids = [rng.randbytes(8).hex() for _ in range(4)]

    def span(n: int, name: str, start_ms: float, end_ms: float, parent: str | None, **attrs: Any) -> Record:
        found = {"traceId": trace_id, "spanId": ids[n], "name": name, "kind": rng.choice((1, 3, "SPAN_KIND_CLIENT")),
                 "startTimeUnixNano": str(t0 + int(start_ms * 1e6)), "endTimeUnixNano": str(t0 + int(end_ms * 1e6)),
                 "attributes": [_attribute(key.replace("_", "."), value) for key, value in attrs.items()],
                 "status": {}}
        if parent:
            found["parentSpanId"] = parent
        return found

    agent = span(0, "invoke_agent planner", 0, 900, None, gen_ai_operation_name="invoke_agent",
                 gen_ai_agent_name="planner")
    chat = span(1, "chat gpt-4o", 10, 400, ids[0], gen_ai_operation_name="chat",
                gen_ai_request_model=rng.choice(MODELS), gen_ai_usage_input_tokens=rng.randint(0, 999),
                gen_ai_usage_output_tokens=rng.randint(0, 99), gen_ai_system="openai")
    tool = span(2, "search", 410, 800, ids[0], openinference_span_kind="TOOL", input_value='{"q": "x"}',
                output_value="rows")
    tool["status"] = {"code": 2, "message": "boom"}
    tool["events"] = [{"timeUnixNano": str(t0 + 799_000_000), "name": "exception",
                       "attributes": [_attribute("exception.type", "TimeoutError"),
                                      _attribute("exception.message", "late")]}]
    http = span(3, "GET", 805, 890, ids[0], http_method="GET", http_url="http://127.0.0.1/x")
    return {"resourceSpans": [{"resource": {"attributes": [_attribute("service.name", "weather-app")]},
                               "scopeSpans": [{"scope": {"name": "my.library", "version": "1.0"},
                                               "spans": [agent, chat, tool, http]}]}]}


def otlp_ours(rng: random.Random, export: Callable[[list[Record]], list[Record]]) -> list[Record]:
    """A v1 run as `export --to otlp-json` writes it (our `namel3ss.*` attributes, which the reader restores
    exactly): `export` turns v1 events into OTLP/JSON request objects."""
    return export(v1_run(rng))


FORMATS = ("v1", "v1-gz", "legacy", "n3", "otlp-lines", "otlp-ours", "otlp-document")


def make_base(fmt: str, rng: random.Random, export: Callable[[list[Record]], list[Record]]) -> Base:
    """A well-formed trace of format `fmt` (one of FORMATS)."""
    if fmt == "v1":
        return Base(fmt, v1_run(rng))
    if fmt == "v1-gz":
        return Base(fmt, v1_run(rng), suffix=".jsonl.gz", gz=True)
    if fmt == "legacy":
        return Base(fmt, legacy_run(rng))
    if fmt == "n3":
        return Base(fmt, n3_run(rng))
    if fmt == "otlp-lines":
        return Base(fmt, [otlp_request(rng) for _ in range(rng.randint(1, 3))])
    if fmt == "otlp-ours":
        return Base(fmt, otlp_ours(rng, export))
    if fmt == "otlp-document":
        return Base(fmt, [otlp_request(rng)], suffix=".json", document=True)
    raise ValueError(fmt)
