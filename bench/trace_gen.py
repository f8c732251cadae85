"""A large, realistic single-run trace (format v1) for the reading benchmarks, and its exact totals.

    >>> totals = generate(Path("big.jsonl"), 100 * 1024 * 1024)   # about 10 s per GiB
    >>> totals.by_type["llm_call_end"], totals.by_model["gpt-4o"]["input_tokens"]

The run is an agent app serving requests one after another, as the Python tracer writes it:
`segment_start` (seq 0) and `run_start` (seq 1, argv, entry, config), then per request an
`agent_execution` span holding a memory read and 1-4 `agent_turn` spans; each turn holds an `llm_call`
span (the start carries the system prompt and the user message, the end the answer text, model, usage and,
for priced models, `cost_usd`), a `tool_call` span (about 2% fail, with an `error` and an
`error_occurred` event under the turn) and a memory write. `run_end` closes the run. Durations are
lognormal, `ts` follows a simulated clock, span ids count up from 1 like the tracer's.

Lines are built from byte templates and pools of pre-serialized texts, so a GiB takes seconds; every
figure a reader should find (counts by event type, failures, tokens and cost by model, end events by
operation) is added up while writing, in `Totals`.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

GENERATOR_VERSION = 1  # bump when the output changes, so kept traces are made again
RUN_ID = "20261122-090000-5eed07"
APP = "support_bot.py"
START_US = 1_795_338_000_000_000  # 2026-11-22T09:00:00Z, in microseconds since the epoch
MODELS = (  # name, share of calls, $ per million input / output tokens (None: unpriced, no cost_usd)
    ("gpt-4o", 0.35, (2.5, 10.0)),
    ("gpt-4o-mini", 0.40, (0.15, 0.6)),
    ("claude-3-5-sonnet-20241022", 0.20, (3.0, 15.0)),
    ("llama-3.1-8b-instant", 0.05, None),
)
AGENTS = ("support_agent", "billing_agent", "research_agent")
LLM_NAMES = ("plan_step", "answer_user", "summarize_context")
TOOLS = ("search_docs", "lookup_order", "run_sql", "send_email", "get_weather")
TOOL_FAILURE_RATE = 0.02
ERRORS = (  # type, message, category
    ("TimeoutError", "{tool} timed out after 10.0 s", "timeout"),
    ("httpx.ConnectError", "[Errno 111] Connection refused: https://internal-api:8443/{tool}", "network"),
    ("ValueError", "order id must be 8 digits, got 'A-17' (in {tool})", "parameter"),
    ("requests.exceptions.HTTPError", "503 Server Error: Service Unavailable for url: https://api.example.com/{tool}",
     "dependency"),
    ("sqlite3.OperationalError", "database is locked ({tool})", "resource"),
)
THREADS = tuple(f"ThreadPoolExecutor-0_{i}".encode() for i in range(4))
WORDS = ("the customer order refund invoice account agent tool call model answer question shipping delay "
         "policy warranty product item price discount coupon error retry database query result summary "
         "context memory user support ticket escalate priority status update billing address payment card "
         "subscription plan upgrade downgrade cancel renew email phone chat response latency token cost "
         "réponse naïve café ✓ → \"quoted\" it's").split()


@dataclass
class Totals:
    """What the generated trace holds, counted while writing it (the figures every reader must agree on)."""

    path: str = ""
    bytes: int = 0
    events: int = 0
    last_seq: int = -1
    requests: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    failed: int = 0  # end events with status "failed"
    errors: int = 0  # error_occurred events
    by_model: dict[str, dict[str, Any]] = field(default_factory=dict)  # calls, tokens, cost_usd, cost_calls
    by_operation: dict[str, dict[str, Any]] = field(default_factory=dict)  # "component/name": count, failed, max_ms
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Totals":
        """The inverse of `to_dict`."""
        return cls(**data)


# ------------------------------------------------------------------------------ text pools

def _text(rng: random.Random, low: int, high: int, newlines: bool = False) -> str:
    """Words up to a length drawn between low and high: prose-like, with some escapes and non-ASCII."""
    target, words, size = rng.randint(low, high), [], 0
    while size < target:
        word = rng.choice(WORDS)
        if newlines and rng.random() < 0.04:
            word += "\n"
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:target]


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


@dataclass
class Pools:
    """Pre-serialized JSON fragments the events are assembled from."""

    system: list[bytes]
    user: list[bytes]
    answers: list[bytes]
    tool_inputs: dict[str, list[bytes]]
    tool_outputs: dict[str, list[bytes]]
    memory_values: list[bytes]
    stacks: list[str]


def make_pools(rng: random.Random) -> Pools:
    """Pools of texts large enough that no parser or cache sees the same line twice in a row."""
    def tool_input(tool: str) -> bytes:
        return _dumps({"query": _text(rng, 20, 90), "limit": rng.choice((3, 5, 10)), "tool": tool})

    def tool_output(tool: str) -> bytes:
        return _dumps({"return": {"items": [_text(rng, 30, 80) for _ in range(rng.randint(1, 3))],
                                  "source": tool, "took_ms": rng.randint(3, 900)}})
    return Pools(
        system=[_dumps(_text(rng, 400, 2000, newlines=True)) for _ in range(64)],
        user=[_dumps(_text(rng, 40, 300)) for _ in range(512)],
        answers=[_dumps({"return": {"text": _text(rng, 300, 600, newlines=True), "finish_reason": "stop"}})
                 for _ in range(1024)],
        tool_inputs={t: [tool_input(t) for _ in range(64)] for t in TOOLS},
        tool_outputs={t: [tool_output(t) for _ in range(64)] for t in TOOLS},
        memory_values=[_dumps(_text(rng, 40, 200)) for _ in range(256)],
        stacks=[_stack(rng) for _ in range(16)],
    )


def _stack(rng: random.Random) -> str:
    frames = [f'  File "/srv/support-bot/tools/{rng.choice(TOOLS)}.py", line {rng.randint(10, 400)}, in call\n'
              f"    return client.request(payload, timeout={rng.choice((5, 10, 30))})\n" for _ in range(3)]
    return "Traceback (most recent call last):\n" + "".join(frames)


# ------------------------------------------------------------------------------ the writer

HEAD = (b'{"v":1,"run_id":"' + RUN_ID.encode() + b'","seq":%d,"ts":"%s","event_type":"%s","component":"%s",'
        b'"name":"%s","span_id":"%016x","parent_id":"%016x","status":"%s"')


class TraceWriter:
    """Writes events in order: numbers them, stamps them from the simulated clock, keeps the totals."""

    def __init__(self, out: Any, rng: random.Random, pools: Pools) -> None:
        self.out, self.rng, self.pools = out, rng, pools
        self.totals = Totals()
        self.seq, self.next_span, self.now_us = 0, 3, START_US
        self.lines: list[bytes] = []
        self.buffered = 0
        self._second, self._prefix = -1, b""

    def new_span(self) -> int:
        self.next_span += 1
        return self.next_span - 1

    def advance_ms(self, ms: float) -> None:
        self.now_us += max(1, int(ms * 1000))

    def ts(self) -> bytes:
        second, micro = divmod(self.now_us, 1_000_000)
        if second != self._second:  # strftime once per simulated second, not once per event
            self._second, self._prefix = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)).encode()
        return b"%s.%06dZ" % (self._prefix, micro)

    def emit(self, event_type: bytes, component: bytes, name: bytes, span: int, parent: int, status: bytes,
             rest: bytes = b"") -> None:
        """One line: the envelope from the template, then `rest` (`,"key":value...` fragments)."""
        line = HEAD % (self.seq, self.ts(), event_type, component, name, span, parent, status) + rest + b"}\n"
        self.lines.append(line)
        self.buffered += len(line)
        by_type = self.totals.by_type
        key = event_type.decode()
        by_type[key] = by_type.get(key, 0) + 1
        self.seq += 1
        if self.buffered >= 1 << 22:
            self.flush()

    def end(self, event_type: bytes, component: bytes, name: bytes, span: int, parent: int, started_us: int,
            rest: bytes = b"", failed: bool = False) -> None:
        """An end event: duration from its start on the simulated clock, counted by operation."""
        duration = (self.now_us - started_us) / 1000
        status = b"failed" if failed else b"completed"
        self.emit(event_type, component, name, span, parent, status, b',"duration_ms":%a' % duration + rest)
        op = self.totals.by_operation.setdefault(f"{component.decode()}/{name.decode()}",
                                                 {"count": 0, "failed": 0, "max_ms": 0.0})
        op["count"] += 1
        op["failed"] += failed
        op["max_ms"] = max(op["max_ms"], duration)
        self.totals.failed += failed

    def flush(self) -> None:
        self.out.write(b"".join(self.lines))
        self.totals.bytes += self.buffered
        self.lines, self.buffered = [], 0


# ------------------------------------------------------------------------------ the app's story

def write_run_start(w: TraceWriter, requests_hint: int) -> None:
    """`segment_start` then `run_start`, as the tracer writes a run's first segment."""
    entry = {"kind": "script", "path": f"/srv/support-bot/{APP}", "name": APP}
    segment = {"run_started": w.ts().decode(), "entry": entry, "segment": 0, "first_seq": 0, "previous_segment": None}
    w.emit(b"segment_start", b"app", RUN_ID.encode() + b".0000.jsonl", 2, 1, b"completed",
           b',"pid":4242,"attrs":' + _dumps(segment))
    attrs = {"entry": entry, "argv": [APP, "--serve", "--requests", str(requests_hint)], "cwd": "/srv/support-bot",
             "python": "3.11.7", "implementation": "CPython", "platform": "Linux-6.8.0-x86_64-with-glibc2.36",
             "executable": "/srv/support-bot/.venv/bin/python", "packages": {"namel3ss-debug": "0.1.0"},
             "host": "bot-7", "config": {"enabled": True, "capture_inputs": True, "capture_outputs": True},
             "trace_dir": "/srv/support-bot/debug/traces"}
    # run_start's parent is null: written by hand rather than through the template's %016x
    head = (b'{"v":1,"run_id":"' + RUN_ID.encode() + b'","seq":%d,"ts":"%s","event_type":"run_start",'
            b'"component":"app","name":"' + APP.encode() + b'","span_id":"0000000000000001","parent_id":null,'
            b'"status":"started","pid":4242,"attrs":') % (w.seq, w.ts())
    _raw(w, "run_start", head + _dumps(attrs) + b"}\n")


def write_run_end(w: TraceWriter) -> None:
    """`run_end`: the root span closes, parentless, with the whole run's duration."""
    w.advance_ms(5)
    duration = (w.now_us - START_US) / 1000
    line = (b'{"v":1,"run_id":"' + RUN_ID.encode() + b'","seq":%d,"ts":"%s","event_type":"run_end",'
            b'"component":"app","name":"' + APP.encode() + b'","span_id":"0000000000000001","parent_id":null,'
            b'"status":"completed","duration_ms":%a,"attrs":{"tracer_errors":0,"exit_code":0}}\n') % (
        w.seq, w.ts(), duration)
    _raw(w, "run_end", line)
    op = w.totals.by_operation.setdefault(f"app/{APP}", {"count": 0, "failed": 0, "max_ms": 0.0})
    op["count"] += 1
    op["max_ms"] = max(op["max_ms"], duration)


def _raw(w: TraceWriter, event_type: str, line: bytes) -> None:
    w.lines.append(line)
    w.buffered += len(line)
    w.totals.by_type[event_type] = w.totals.by_type.get(event_type, 0) + 1
    w.seq += 1


def write_request(w: TraceWriter, number: int) -> None:
    """One request: an agent span, a memory read, 1-4 turns."""
    rng, pools = w.rng, w.pools
    w.advance_ms(rng.lognormvariate(3.5, 1.0))  # idle time between requests
    agent, thread = rng.choice(AGENTS).encode(), rng.choice(THREADS)
    span, started = w.new_span(), w.now_us
    question = rng.choice(pools.user)
    w.emit(b"agent_execution_start", b"agent", agent, span, 1, b"started",
           b',"inputs":{"request_id":"req-%07d","question":%s},"thread":"%s"' % (number, question, thread))
    w.advance_ms(0.2)
    _memory(w, span, b"read", b',"inputs":{"key":"conversation:req-%07d"}' % number, thread)
    turns, context = rng.choice((1, 2, 2, 3, 3, 4)), 0
    for turn in range(1, turns + 1):
        context = _turn(w, span, turn, question, thread, context)
    w.advance_ms(0.3)
    w.end(b"agent_execution_end", b"agent", agent, span, 1, started,
          b',"outputs":{"return":{"turns":%d,"resolved":%s}}' % (turns, b"true" if rng.random() < 0.9 else b"false"))


def _turn(w: TraceWriter, agent_span: int, turn: int, question: bytes, thread: bytes, context: int) -> int:
    span, started = w.new_span(), w.now_us
    w.emit(b"agent_turn_start", b"agent", b"agent_turn", span, agent_span, b"started",
           b',"attrs":{"turn":%d},"thread":"%s"' % (turn, thread))
    context = _llm(w, span, question, thread, context)
    _tool(w, span, thread)
    value = w.rng.choice(w.pools.memory_values)
    _memory(w, span, b"write", b',"inputs":{"key":"conversation:turn-%d","value":%s}' % (turn, value), thread)
    w.advance_ms(0.1)
    w.end(b"agent_turn_end", b"agent", b"agent_turn", span, agent_span, started, b',"attrs":{"turn":%d}' % turn)
    return context


def _llm(w: TraceWriter, parent: int, question: bytes, thread: bytes, context: int) -> int:
    """An LLM call; returns the conversation's context size in tokens, which grows with each turn."""
    rng, pools = w.rng, w.pools
    model, prices = _pick_model(rng)
    name, span, started = rng.choice(LLM_NAMES).encode(), w.new_span(), w.now_us
    system = rng.choice(pools.system)
    inputs = b'{"messages":[{"role":"system","content":%s},{"role":"user","content":%s}]}' % (system, question)
    w.emit(b"llm_call_start", b"llm", name, span, parent, b"started",
           b',"inputs":%s,"model":"%s","thread":"%s"' % (inputs, model.encode(), thread))
    w.advance_ms(rng.lognormvariate(7.0, 0.6))  # median about 1.1 s
    answer = rng.choice(pools.answers)
    input_tokens = (len(system) + len(question)) // 4 + context + rng.randint(0, 40)
    output_tokens = len(answer) // 4 + rng.randint(-20, 20)
    total = input_tokens + output_tokens
    rest = b',"outputs":%s,"model":"%s","usage":{"input_tokens":%d,"output_tokens":%d,"total_tokens":%d}' % (
        answer, model.encode(), input_tokens, output_tokens, total)
    cost = None
    if prices is not None:
        cost = round((input_tokens * prices[0] + output_tokens * prices[1]) / 1e6, 8)
        rest += b',"cost_usd":%a' % cost
    w.end(b"llm_call_end", b"llm", name, span, parent, started, rest)
    _add_usage(w.totals, model, input_tokens, output_tokens, total, cost)
    return context + output_tokens


def _pick_model(rng: random.Random) -> tuple[str, tuple[float, float] | None]:
    roll = rng.random()
    for model, share, prices in MODELS:
        roll -= share
        if roll < 0:
            return model, prices
    return MODELS[-1][0], MODELS[-1][2]


def _add_usage(totals: Totals, model: str, input_tokens: int, output_tokens: int, total: int,
               cost: float | None) -> None:
    m = totals.by_model.setdefault(model, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "total_tokens": 0,
                                           "cost_usd": 0.0, "cost_calls": 0})
    m["calls"] += 1
    m["input_tokens"] += input_tokens
    m["output_tokens"] += output_tokens
    m["total_tokens"] += total
    if cost is not None:
        m["cost_usd"] += cost
        m["cost_calls"] += 1


def _tool(w: TraceWriter, parent: int, thread: bytes) -> None:
    rng, pools = w.rng, w.pools
    tool = rng.choice(TOOLS)
    name, span, started = tool.encode(), w.new_span(), w.now_us
    w.advance_ms(0.05)
    w.emit(b"tool_call_start", b"tool", name, span, parent, b"started",
           b',"inputs":%s,"thread":"%s"' % (rng.choice(pools.tool_inputs[tool]), thread))
    w.advance_ms(rng.lognormvariate(4.4, 1.0))  # median about 80 ms
    if rng.random() >= TOOL_FAILURE_RATE:
        w.end(b"tool_call_end", b"tool", name, span, parent, started, b',"outputs":%s' % rng.choice(
            pools.tool_outputs[tool]))
        return
    kind, message, category = rng.choice(ERRORS)
    error = _dumps({"type": kind, "message": message.format(tool=tool), "category": category,
                    "stack": rng.choice(pools.stacks)})
    w.end(b"tool_call_end", b"tool", name, span, parent, started, b',"error":%s' % error, failed=True)
    w.advance_ms(0.05)
    w.emit(b"error_occurred", b"agent", kind.rsplit(".", 1)[-1].encode(), w.new_span(), parent, b"failed",
           b',"error":%s,"attrs":{"tool":"%s"},"thread":"%s"' % (error, name, thread))
    w.totals.errors += 1


def _memory(w: TraceWriter, parent: int, operation: bytes, inputs: bytes, thread: bytes) -> None:
    w.advance_ms(0.3)
    w.emit(b"memory_operation", b"memory", operation, w.new_span(), parent, b"completed",
           inputs + b',"attrs":{"operation":"%s","store":"redis"},"thread":"%s"' % (operation, thread))


def generate(path: Path, size_bytes: int, seed: int = 7) -> Totals:
    """Write a trace of at least `size_bytes` to `path` (same seed and size, same bytes); return its totals."""
    began = time.perf_counter()
    rng = random.Random(seed)
    pools = make_pools(rng)
    with open(path, "wb") as out:
        w = TraceWriter(out, rng, pools)
        write_run_start(w, size_bytes // 12_000)
        number = 0
        while w.totals.bytes + w.buffered < size_bytes:
            number += 1
            write_request(w, number)
        write_run_end(w)
        w.flush()
    totals = w.totals
    totals.path, totals.events, totals.last_seq, totals.requests = str(path), w.seq, w.seq - 1, number
    totals.seconds = round(time.perf_counter() - began, 2)
    return totals


if __name__ == "__main__":
    import sys

    result = generate(Path(sys.argv[1]), int(float(sys.argv[2]) * 1024 ** 3))
    print(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
