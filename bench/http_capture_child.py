"""The timed child of bench/http_capture.py: one mode in one fresh interpreter, its openai calls against the stub.

    python bench/http_capture_child.py SPEC_JSON     # run by http_capture.py: one process per mode and repeat

The mode is set up before `openai` (and so `httpx2`) is imported, as an app would have it:
* plain: neither namel3ss_debug nor opentelemetry is imported;
* ours: `namel3ss_debug.configure(enabled=True, trace_output_dir=...)`, default settings: a run is
  active for the whole child and its transport hook records every call;
* otel: an SDK `TracerProvider` with a `BatchSpanProcessor` to an exporter that keeps the spans in
  memory, and `HTTPX2ClientInstrumentor().instrument(tracer_provider=...)`.
The child checks the hook it expects is (or is not) on `httpx2.HTTPTransport.handle_request`, makes
its warm-up calls, says `{"ready": true}` and then runs what the parent asks, one JSON line each way:
`{"kind": "create"|"stream", "calls": N}` a timed batch (each call timed on its own, the batch's wall
and CPU time), `{"flush": true}` the tracer's flush, timed, and `{"end": true}`: its peak RSS, then a
check of what was recorded (one completed `llm` span a call with the reply's text for ours, one exported
span a call for otel), printed as the last line. The three children of a repeat are alive together and
take turns, each blocked on its stdin while the others run.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

KINDS = ("create", "stream")
MODEL = "gpt-4o-mini"
WORDS = ("the deployment window moved to Thursday night because the rollback plan needs a second reviewer "
         "and the cache layer was added to cut p95 latency on the search endpoint while batch mode trades "
         "freshness for throughput so results refresh every fifteen minutes and the rate limit applies per "
         "key not per user which explains the errors seen last week").split()
QUESTION_WORDS = 99  # the stub answers "Echo: <question>", a stream one chunk a word: 100 content chunks


def message(i: int) -> str:
    """The user message of call `i`: 99 words, different for every call."""
    return f"Call {i}: " + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(QUESTION_WORDS - 2))


def child_main(spec: dict[str, Any]) -> None:
    mode = spec["mode"]
    recorder = set_up(mode, Path(spec["root"]))
    import httpx2  # noqa: PLC0415 - after the mode is set up, as in an app started under it
    import openai  # noqa: PLC0415

    check_hook(mode, httpx2.HTTPTransport.handle_request)
    client = openai.OpenAI(base_url=spec["url"] + "/v1", api_key="sk-bench", max_retries=0)
    calls = {"create": lambda text: create(client, text), "stream": lambda text: stream(client, text)}
    made = {kind: 0 for kind in KINDS}
    for kind in KINDS:
        for _ in range(spec["warmup"]):
            checked_call(calls[kind], made[kind])
            made[kind] += 1
    say({"ready": True})
    for line in sys.stdin:
        asked = json.loads(line)
        if asked.get("end"):
            break
        if asked.get("flush"):
            say(timed(recorder.flush))
            continue
        kind, first = asked["kind"], made[asked["kind"]]
        made[kind] += asked["calls"]
        say(timed_batch(calls[kind], range(first, made[kind])))
    reads = count_reads(client, httpx2, made["stream"])  # untimed, after the timed batches
    made["stream"] += 1
    rss = peak_rss_bytes()  # before the check, which reads the whole trace
    say({"mode": mode, "made": made, "stream_reads": reads, "peak_rss_bytes": rss, "recorded": recorder.check(made)})


def say(answer: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


# -- the modes -----------------------------------------------------------------------------------------
class Plain:
    """No tracing: nothing to flush, nothing to check but that neither tracer was imported."""

    def flush(self) -> None:
        pass

    def check(self, made: dict[str, int]) -> dict[str, Any]:
        leaked = {"namel3ss_debug", "opentelemetry"} & {name.split(".")[0] for name in sys.modules}
        if leaked:
            raise SystemExit(f"plain: {sorted(leaked)} imported in the plain child")
        return {}


class Ours:
    """A run of namel3ss-debug, active for the whole child."""

    def __init__(self, root: Path):
        os.environ["NAMEL3SS_DEBUG_ENABLED"] = "0"  # nothing starts at import; configure() starts the run
        import namel3ss_debug  # noqa: PLC0415 - only this mode imports it

        self.directory = root / "trace"
        self.tracer = namel3ss_debug.configure(enabled=True, trace_output_dir=str(self.directory))
        if not self.tracer.active:
            raise SystemExit("ours: configure(enabled=True) started no run")

    def flush(self) -> None:
        self.tracer.flush()

    def check(self, made: dict[str, int]) -> dict[str, Any]:
        """Every call one completed `llm` span with the reply's text (a stream: every frame); the bytes each
        kind of call wrote (its two lines)."""
        import orjson  # noqa: PLC0415 - a dependency of namel3ss_debug

        run = self.tracer.run
        self.tracer.end_run()
        lines = [line for path in sorted(self.directory.glob("*.jsonl")) for line in path.read_bytes().splitlines()]
        events = [orjson.loads(line) for line in lines]
        starts = {e["span_id"]: e for e in events if e.get("event_type") == "llm_call_start"}
        ends = [e for e in events if e.get("event_type") == "llm_call_end"]
        sizes: dict[str, int] = {}
        for line, event in zip(lines, events):
            sizes[event.get("span_id")] = sizes.get(event.get("span_id"), 0) + len(line) + 1
        written = {kind: 0 for kind in KINDS}
        texts = {kind: set() for kind in KINDS}
        for end in ends:
            start = starts.get(end.get("span_id")) or {}
            kind = "stream" if (start.get("attrs") or {}).get("stream") else "create"
            outputs = end.get("outputs") or {}
            frames = (outputs.get("return") or {}).get("frames")
            if end.get("name") != "openai.chat" or end.get("status") != "completed" \
                    or (kind == "stream" and (not frames or len(frames) < QUESTION_WORDS + 2)):
                raise SystemExit(f"ours: a span is not a completed openai.chat call with its frames: "
                                 f"{json.dumps(end)[:400]}")
            written[kind] += sizes[end["span_id"]]
            texts[kind].add(outputs.get("text"))
        if len(ends) != sum(made.values()):
            raise SystemExit(f"ours: {len(ends)} llm_call_end events for {sum(made.values())} calls")
        for kind in KINDS:
            expected = {"Echo: " + message(i) for i in range(made[kind])}
            if texts[kind] != expected:
                raise SystemExit(f"ours: {len(texts[kind])} {kind} spans with the reply's text, expected "
                                 f"{len(expected)} ({len(expected - texts[kind])} missing)")
        if run.recorder.errors:
            raise SystemExit(f"ours: {run.recorder.errors} tracer failures")
        return {"spans": {kind: len(texts[kind]) for kind in KINDS},
                "bytes_per_call": {kind: written[kind] / made[kind] for kind in KINDS},
                "trace_bytes": sum(path.stat().st_size for path in self.directory.glob("*.jsonl"))}


class OTel:
    """OpenTelemetry's httpx instrumentation on httpx2, an SDK provider, a batch processor, spans kept in memory."""

    def __init__(self) -> None:
        from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor  # noqa: PLC0415
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: PLC0415

        class Kept(SpanExporter):
            def __init__(self) -> None:
                self.spans: list[Any] = []

            def export(self, spans: Any) -> SpanExportResult:
                self.spans.extend(spans)
                return SpanExportResult.SUCCESS

        self.exporter = Kept()
        self.provider = TracerProvider()
        self.provider.add_span_processor(BatchSpanProcessor(self.exporter))
        HTTPX2ClientInstrumentor().instrument(tracer_provider=self.provider)

    def flush(self) -> None:
        self.provider.force_flush()

    def check(self, made: dict[str, int]) -> dict[str, Any]:
        self.provider.shutdown()
        good = [span for span in self.exporter.spans
                if span.attributes.get("http.status_code") == 200
                and str(span.attributes.get("http.url", "")).endswith("/v1/chat/completions")]
        wanted = sum(made.values())
        if len(good) != wanted or len(self.exporter.spans) != wanted:
            raise SystemExit(f"otel: {len(good)} good spans of {len(self.exporter.spans)} exported, expected {wanted}")
        return {"spans": len(good)}


def set_up(mode: str, root: Path) -> Any:
    if mode == "plain":
        return Plain()
    if mode == "ours":
        return Ours(root)
    if mode == "otel":
        return OTel()
    raise SystemExit(f"unknown mode {mode!r}")


def check_hook(mode: str, handle_request: Any) -> None:
    """The hook this mode expects on the transport, and no other: else the figures would mean nothing."""
    ours = bool(getattr(handle_request, "__namel3ss_debug__", False))
    theirs = hasattr(handle_request, "__wrapped__") and not ours
    if (ours, theirs) != (mode == "ours", mode == "otel"):
        raise SystemExit(f"{mode}: httpx2.HTTPTransport.handle_request is {handle_request!r}: "
                         f"namel3ss_debug hook {ours}, OpenTelemetry wrapper {theirs}")


# -- the calls -----------------------------------------------------------------------------------------
def create(client: Any, text: str) -> str:
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content


def stream(client: Any, text: str) -> str:
    parts = []
    for chunk in client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}],
                                                stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


def checked_call(call: Callable[[str], str], i: int) -> None:
    text = message(i)
    if call(text) != "Echo: " + text:
        raise SystemExit(f"call {i}: the reply is not the stub's echo")


def timed_batch(call: Callable[[str], str], numbers: range) -> dict[str, Any]:
    """Each call's wall ns, and the batch's wall and CPU ns (the process's, all threads). Every reply is
    checked, in every mode alike. No `gc.collect()`: a tracer's garbage is collected where it falls."""
    texts = [message(i) for i in numbers]
    expected = ["Echo: " + text for text in texts]
    each = []
    clock = time.perf_counter_ns
    cpu, began = time.process_time_ns(), clock()
    for text, wanted in zip(texts, expected):
        start = clock()
        if call(text) != wanted:
            raise SystemExit("a reply is not the stub's echo")
        each.append(clock() - start)
    return {"calls_ns": each, "wall_ns": clock() - began, "cpu_ns": time.process_time_ns() - cpu}


def timed(work: Callable[[], None]) -> dict[str, int]:
    cpu, began = time.process_time_ns(), time.perf_counter_ns()
    work()
    return {"wall_ns": time.perf_counter_ns() - began, "cpu_ns": time.process_time_ns() - cpu}


def peak_rss_bytes() -> int:
    """This process's peak RSS so far (Linux counts KiB). Started by GNU time, the figure starts from GNU time's
    ~1 MB, not from the benchmark's RSS (Linux keeps the high-water mark across exec)."""
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)


def count_reads(client: Any, httpx2: Any, i: int) -> int:
    """How many pieces the transport handed up for one stream (one call, untimed)."""
    reads = 0
    original = httpx2.Response.iter_raw

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        for piece in original(self, *args, **kwargs):
            reads += 1
            yield piece

    httpx2.Response.iter_raw = counting
    try:
        checked_call(lambda text: stream(client, text), i)
    finally:
        httpx2.Response.iter_raw = original
    return reads


if __name__ == "__main__":
    child_main(json.loads(sys.argv[1]))
