"""The workloads of bench/tracer_overhead.py: the event pool and one function per measured write path.

Each `measure_*` returns nanoseconds for the whole loop; the caller turns them into per-event figures.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

import namel3ss_debug
from namel3ss_debug.config import Settings, load_settings
from namel3ss_debug.tracer.run import Run

try:  # the `bench` extra; without it the OTel line is skipped
    from importlib.metadata import version as _dist_version

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.trace import SpanKind

    OTEL_VERSION: str | None = _dist_version("opentelemetry-sdk")
except ImportError:
    OTEL_VERSION, SpanExporter = None, object  # type: ignore[assignment,misc]

POOL_SIZE = 1000
CALLS_PER_EVENT = 10  # the off-path loops are ~100x cheaper than an event: more calls, same resolution
BUFFER_SIZE = Settings().buffer_size
ENTRY = {"kind": "python", "name": "bench/tracer_overhead.py"}
MODEL = "gpt-4o-mini"

# ------------------------------------------------------------------------------ the event pool

_WORDS = (
    "the a of to and in that it is was for on are as with they be at one have this from by hot word but "
    "what some we can out other were all there when up use your how said an each she which do their time "
    "if will way about many then them write would like so these her long make thing see him two has look "
    "more day could go come did number sound no most people my over know water than call first who may "
    "down side been now find any new work part take get place made live where after back little only round "
    "man year came show every good me give our under name very through just form sentence great think say "
    "help low line differ turn cause much mean before move right boy old too same tell does set three want "
    "air well also play small end put home read hand port large spell add even land here must big high such "
    "follow act why ask men change went light kind off need house picture try us again animal point mother "
    "world near build self earth father head stand own page should country found answer school grow study "
    "still learn plant cover food sun four between state keep eye never last let thought city tree cross "
    "farm hard start might story saw far sea draw left late run while press close night real life few north "
    "invoice refund shipping database migration latency retrieval embedding vector index tokenizer summary"
).split()

SYSTEM_PROMPT = (
    "You are a careful support assistant for an online store. Answer in plain English, at most five "
    "sentences. Cite the order number when you use one. If the customer asks for a refund, check the "
    "policy first. Never reveal internal notes. When unsure, say so and offer to hand over to a human."
)


def _text(rng: random.Random, n_words: int) -> str:
    words = rng.choices(_WORDS, k=n_words)
    sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, n_words, 12)]
    return " ".join(sentences)


def make_event(rng: random.Random, i: int, *, long_token: bool = False) -> dict[str, Any]:
    """One `llm_call_end` as the tracer would hand it to the recorder (envelope, payload, usage)."""
    question = _text(rng, rng.randint(12, 20)) + f" My order is {rng.randint(10000, 99999)}?"
    earlier = _text(rng, rng.randint(14, 22))
    output = _text(rng, rng.randint(50, 66))
    if long_token:  # a bearer token (a marker and a run of 17+ letters and digits): the full redaction walk
        output += f" Retry with header Authorization: Bearer {rng.getrandbits(160):040x}."
    tokens_in = 80 + len(question) // 4 + len(earlier) // 4
    tokens_out = len(output) // 4
    return {
        "v": 1, "run_id": "20261122-070322-3f9a1c", "seq": 0,
        "ts": f"2026-11-22T07:{i // 60 % 60:02d}:{i % 60:02d}.{rng.randint(0, 999999):06d}Z",
        "event_type": "llm_call_end", "component": "llm", "name": "chat",
        "span_id": f"{2 * i + 3:016x}", "parent_id": f"{2 * i + 2:016x}", "status": "completed",
        "duration_ms": round(rng.uniform(300, 2500), 3),
        "inputs": {
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": question},
                {"role": "assistant", "content": earlier},
            ],
            "model": MODEL, "temperature": 0.2, "max_tokens": 512,
        },
        # A provider id, as real responses have: a run of 17+ letters and digits without a secret's marker.
        "outputs": {"return": {"id": "chatcmpl-" + "".join(rng.choices(ID_ALPHABET, k=29)), "text": output,
                               "finish_reason": "stop"}},
        "model": MODEL + "-2024-07-18",
        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out},
        "thread": "MainThread",
    }


ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def make_pool(seed: int, *, long_token: bool = False) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_event(rng, i, long_token=long_token) for i in range(POOL_SIZE)]


def cycle_to(pool: list[Any], n: int) -> list[Any]:
    """`n` references into `pool`, in order, so every timed loop is a plain `for` over a list."""
    return [pool[i % len(pool)] for i in range(n)]


# ------------------------------------------------------------------------------ timing helpers

def timed(body: Callable[[], None]) -> int:
    gc.collect()
    start = time.perf_counter_ns()
    body()
    return time.perf_counter_ns() - start


def in_fresh_dir(root: Path, measure: Callable[[Path], int]) -> int:
    """Run `measure` in an empty directory, deleted right after: dirty pages must not pile up across
    measures, or the kernel's writeback lands on whichever alternative runs next."""
    directory = Path(tempfile.mkdtemp(dir=root))
    try:
        return measure(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def resolve_settings(directory: Path) -> Any:
    return load_settings({}, directory, overrides={"enabled": True, "trace_output_dir": str(directory)})


# ------------------------------------------------------------------------------ the write paths

def measure_ours(events: list[dict[str, Any]], directory: Path, stats: dict[str, Any]) -> int:
    """`Recorder.emit` of a real Run: filter -> seq -> redact/truncate/serialize -> RotatingJsonlWriter."""
    run = Run(resolve_settings(directory))
    recorder = run.recorder
    recorder.set_segment_attrs(run_started=run.start_ts, entry=ENTRY)
    recorder.emit(run.start_event(ENTRY, []))

    def body() -> None:
        emit = recorder.emit
        for event in events:
            emit(dict(event))
        recorder.flush()

    elapsed = timed(body)
    recorder.close()
    written = sum(p.read_bytes().count(b"\n") for p in run.paths)
    stats["ours_lines_missing"] = max(stats.get("ours_lines_missing", 0), len(events) + 2 - written)
    stats["ours_errors"] = max(stats.get("ours_errors", 0), recorder.errors)
    return elapsed


def measure_floor(events: list[dict[str, Any]], directory: Path) -> int:
    """orjson + a bytearray flushed with os.write every BUFFER_SIZE events: nothing else."""
    fd = os.open(directory / "floor.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def body() -> None:
        dumps, option = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        buffer = bytearray()
        pending = 0
        for event in events:
            buffer += dumps(dict(event), option=option)
            pending += 1
            if pending >= BUFFER_SIZE:
                os.write(fd, buffer)
                buffer.clear()
                pending = 0
        if buffer:
            os.write(fd, buffer)

    try:
        return timed(body)
    finally:
        os.close(fd)


class JsonEventFormatter(logging.Formatter):
    """A JSON-lines formatter: the record's `event` (given with `extra=`) as one line."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record.event)  # type: ignore[attr-defined]


def measure_logging(events: list[dict[str, Any]], directory: Path) -> int:
    """`logger.info(..., extra={"event": event})` through a FileHandler with a JSON formatter."""
    path = directory / "events.jsonl"
    logger = logging.getLogger(f"bench.tracer_overhead.{time.perf_counter_ns()}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonEventFormatter())
    logger.addHandler(handler)

    def body() -> None:
        info = logger.info
        for event in events:
            info("llm_call_end", extra={"event": dict(event)})
        handler.flush()

    try:
        return timed(body)
    finally:
        logger.removeHandler(handler)
        handler.close()


def genai_attributes(event: dict[str, Any]) -> dict[str, Any]:
    """The event as an OTel GenAI instrumentation records a chat call (semconv `gen_ai.*` names)."""
    inputs, reply, usage = event["inputs"], event["outputs"]["return"], event["usage"]
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": inputs["model"],
        "gen_ai.request.temperature": inputs["temperature"],
        "gen_ai.request.max_tokens": inputs["max_tokens"],
        "gen_ai.response.model": event["model"],
        "gen_ai.response.finish_reasons": (reply["finish_reason"],),
        "gen_ai.usage.input_tokens": usage["input_tokens"],
        "gen_ai.usage.output_tokens": usage["output_tokens"],
        "gen_ai.input.messages": json.dumps(inputs["messages"]),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": reply["text"],
                                               "finish_reason": reply["finish_reason"]}]),
        "namel3ss.duration_ms": event["duration_ms"],
    }


class CountingExporter(SpanExporter):  # type: ignore[misc,valid-type]
    """Exports nothing; counts what reached it, so dropped spans show."""

    def __init__(self) -> None:
        self.count = 0

    def export(self, spans: Any) -> Any:
        self.count += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def measure_otel(events: list[dict[str, Any]], stats: dict[str, Any]) -> int:
    """TracerProvider + BatchSpanProcessor (queue big enough for the whole run) + a no-op exporter."""
    exporter = CountingExporter()
    provider = TracerProvider()
    processor = BatchSpanProcessor(exporter, max_queue_size=len(events) + 2048)
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("bench.genai")

    def body() -> None:
        start = tracer.start_span
        for event in events:
            event = dict(event)
            span = start(f"chat {event['inputs']['model']}", kind=SpanKind.CLIENT)
            span.set_attributes(genai_attributes(event))
            span.end()
        processor.force_flush()

    elapsed = timed(body)
    provider.shutdown()
    stats["otel_dropped"] = max(stats.get("otel_dropped", 0), len(events) - exporter.count)
    return elapsed


# ------------------------------------------------------------------------------ decorated calls

def plain_llm(messages: Any, model: str = MODEL, temperature: float = 0.2) -> Any:
    return messages


traced_llm = namel3ss_debug.trace_llm_call(plain_llm)


async def plain_tool(query: Any) -> Any:
    return query


traced_tool = namel3ss_debug.trace_tool_call(plain_tool)


def measure_sync_calls(fn: Callable[..., Any], n: int) -> int:
    def body() -> None:
        for i in range(n):
            fn(i)

    return timed(body)


def measure_async_calls(fn: Callable[..., Any], n: int) -> int:
    async def body() -> int:
        gc.collect()
        start = time.perf_counter_ns()
        for i in range(n):
            await fn(i)
        return time.perf_counter_ns() - start

    return asyncio.run(body())


def make_replies(pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an SDK returns: text, model and usage in OpenAI's names (the tracer maps them)."""
    return [{"text": e["outputs"]["return"]["text"], "model": e["model"], "finish_reason": "stop",
             "usage": {"prompt_tokens": e["usage"]["input_tokens"], "completion_tokens": e["usage"]["output_tokens"],
                       "total_tokens": e["usage"]["total_tokens"]}} for e in pool]


def measure_traced_on(pool: list[dict[str, Any]], n: int, directory: Path, stats: dict[str, Any]) -> int:
    """A decorated LLM call with tracing on: start and end events through the whole tracer."""
    replies = itertools.cycle(make_replies(pool))

    @namel3ss_debug.trace_llm_call
    def chat(messages: Any, model: str = MODEL, temperature: float = 0.2) -> Any:
        return next(replies)

    calls = cycle_to([e["inputs"]["messages"] for e in pool], n)
    tracer = namel3ss_debug.get_tracer()
    tracer.start_run(resolve_settings(directory), entry=ENTRY, argv=[], install_hooks=False)

    def body() -> None:
        for messages in calls:
            chat(messages, model=MODEL)
        tracer.flush()

    try:
        return timed(body)
    finally:
        run = tracer.end_run()
        stats["on_errors"] = max(stats.get("on_errors", 0), run.recorder.errors if run else -1)


# ------------------------------------------------------------------------------ the run

def fast_path_share(pool: list[dict[str, Any]], root: Path) -> int | None:
    """How many pool events the pipeline serializes without its slow (redact/truncate) path."""
    pipeline = Run(resolve_settings(root)).recorder.pipeline  # its writer opens no file until written to
    slow_path = getattr(pipeline, "_slow", None)
    if slow_path is None:  # the pipeline changed shape: say "unknown" rather than guess
        return None
    taken: list[int] = []
    pipeline._slow = lambda *given, **named: (taken.append(1), slow_path(*given, **named))[1]  # type: ignore[method-assign]
    for event in pool:
        pipeline.serialize(dict(event))
    return len(pool) - len(taken)


