"""The timed child of bench/http_capture.py: one mode in one fresh interpreter, its openai calls against the stub.

    python bench/http_capture_child.py SPEC_JSON     # run by http_capture.py: one process per mode and repeat

The mode is set up before `openai` (and so `httpx2`) is imported, as an app would have it:
* plain: neither namel3ss_debug nor opentelemetry is imported;
* ours: `namel3ss_debug.configure(enabled=True, trace_output_dir=...)`, default settings: a run is
  active for the whole child and its transport hook records every call;
* ours-unpaired: the same, with the pairing of tools on the wire (`record_wire_tools`, which a request's
  opening calls) replaced by a no-op before the first call: ours as it was before that pairing;
* otel: an SDK `TracerProvider` with a `BatchSpanProcessor` to an exporter that keeps the spans in
  memory, and `HTTPX2ClientInstrumentor().instrument(tracer_provider=...)`.
The child checks the hook it expects is (or is not) on `httpx2.HTTPTransport.handle_request` and, for
ours and ours-unpaired, that the pairing is (or is not) in place; it makes its warm-up calls, says
`{"ready": true}` and then runs what the parent asks, one JSON line each way:
`{"kind": "create"|"stream"|"tools", "calls": N}` a timed batch (each call timed on its own, the batch's
wall and CPU time), `{"flush": true}` the tracer's flush, timed, and `{"end": true}`: its peak RSS, then a
check of what was recorded (one completed `llm` span a request with the reply's text and, for ours, one
`tool` span from the wire a `tools` call, none for ours-unpaired; one exported span a request for otel),
printed as the last line. The children of a repeat are alive together and take turns, each blocked on its
stdin while the others run.

A `tools` call is the request of an agent loop that carries a tool's result: the conversation [user,
assistant asking for `get_weather`, the tool's result], non-streamed, one tool offered; the stub answers
`Echo: <question> (tool said: <result>)`. The request that asked for the tool (the same question, the tool
offered, answered by the stub's tool call with its deterministic id) is made for each call of a batch
before the batch's clock starts: only the request carrying the result is timed, which is where the
pairing works (it finds the asked id and records the `tool` span), so ours minus ours-unpaired on this
kind is the pairing's cost on such a request.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

KINDS = ("create", "stream", "tools")
MODEL = "gpt-4o-mini"
TOOL = {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.",
                                         "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                        "required": ["city"]}}}
WORDS = ("the deployment window moved to Thursday night because the rollback plan needs a second reviewer "
         "and the cache layer was added to cut p95 latency on the search endpoint while batch mode trades "
         "freshness for throughput so results refresh every fifteen minutes and the rate limit applies per "
         "key not per user which explains the errors seen last week").split()
QUESTION_WORDS = 99  # the stub answers "Echo: <question>", a stream one chunk a word: 100 content chunks


def message(i: int) -> str:
    """The user message of call `i`: 99 words, different for every call."""
    return f"Call {i}: " + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(QUESTION_WORDS - 2))


def tool_result(city: str) -> str:
    """What the app's `get_weather` returns (the stub asks for it with the question's last word)."""
    return f"sunny in {city}"


def wanted(kind: str, text: str) -> str:
    """The stub's reply to the question `text` in a call of `kind`."""
    if kind == "tools":
        return f"Echo: {text} (tool said: {tool_result(text.split()[-1])})"
    return "Echo: " + text


@dataclass(frozen=True)
class Kind:
    """One kind of call: `prepare` (untimed) turns the question into what `call` (timed) sends."""

    name: str
    call: Callable[[Any], str]
    prepare: Callable[[str], Any] = str


def kinds_of(client: Any) -> dict[str, Kind]:
    """The kinds of call, by name, each sending through `client`."""
    return {"create": Kind("create", lambda text: create(client, text)),
            "stream": Kind("stream", lambda text: stream(client, text)),
            "tools": Kind("tools", lambda conversation: answer(client, conversation),
                          lambda text: tool_turn(client, text))}


def child_main(spec: dict[str, Any]) -> None:
    mode = spec["mode"]
    recorder = set_up(mode, Path(spec["root"]))
    import httpx2  # noqa: PLC0415 - after the mode is set up, as in an app started under it
    import openai  # noqa: PLC0415 - as above

    check_hook(mode, httpx2.HTTPTransport.handle_request)
    check_pairing(mode)
    client = openai.OpenAI(base_url=spec["url"] + "/v1", api_key="sk-bench", max_retries=0)
    calls = kinds_of(client)
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
    """A run of namel3ss-debug, active for the whole child; `paired=False`: ours-unpaired, the pairing of
    tools on the wire replaced by a no-op in the module that calls it, before any request."""

    def __init__(self, root: Path, paired: bool = True):
        os.environ["NAMEL3SS_DEBUG_ENABLED"] = "0"  # nothing starts at import; configure() starts the run
        import namel3ss_debug  # noqa: PLC0415 - only these modes import it
        from namel3ss_debug.transport import opening  # noqa: PLC0415 - as above

        if not paired:
            opening.record_wire_tools = unpaired
        self.paired = paired
        self.directory = root / "trace"
        self.tracer = namel3ss_debug.configure(enabled=True, trace_output_dir=str(self.directory))
        if not self.tracer.active:
            raise SystemExit("ours: configure(enabled=True) started no run")

    def flush(self) -> None:
        self.tracer.flush()

    def check(self, made: dict[str, int]) -> dict[str, Any]:
        """Every request one completed `llm` span with the reply's text (a stream: every frame); a `tools`
        call's result one `tool` span from the wire, linked to the request that asked (none unpaired); the
        bytes each kind of call wrote (its span's two lines, and its tool span's)."""
        import orjson  # noqa: PLC0415 - a dependency of namel3ss_debug

        run = self.tracer.run
        self.tracer.end_run()
        lines = [line for path in sorted(self.directory.glob("*.jsonl")) for line in path.read_bytes().splitlines()]
        events = [orjson.loads(line) for line in lines]
        sizes: dict[str, int] = {}
        for line, event in zip(lines, events):
            sizes[event.get("span_id")] = sizes.get(event.get("span_id"), 0) + len(line) + 1
        spans, asked = llm_spans(events, made)
        tools = wire_tools(events, asked, made["tools"] if self.paired else 0)
        spans["tools"] += tools  # its bytes are the call's
        tally = next(e for e in events if e.get("event_type") == "run_end")["attrs"].get("tool_calls")
        wired = made["tools"] if self.paired else 0
        if tally != {"asked": made["tools"], "hooked": 0, "wire": wired, "missing": made["tools"] - wired, "unseen": 0}:
            raise SystemExit(f"ours: the run's account of its tool calls is {tally}")
        if run.recorder.errors:
            raise SystemExit(f"ours: {run.recorder.errors} tracer failures")
        return {"spans": {kind: made[kind] for kind in KINDS}, "wire_tools": len(tools),
                "bytes_per_call": {kind: sum(sizes[span_id] for span_id in spans[kind]) / made[kind] for kind in KINDS},
                "trace_bytes": sum(path.stat().st_size for path in self.directory.glob("*.jsonl"))}


def unpaired(tracer: Any, api_name: str, body: Any) -> None:
    """ours-unpaired's stand-in for `record_wire_tools`: no tool span from the wire."""


def llm_spans(events: list[dict[str, Any]], made: dict[str, int]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The completed `openai.chat` spans of each kind, checked against the replies the stub gives (a stream:
    every frame); and the tool calls the untimed requests of the `tools` kind asked for: id -> their span."""
    starts = {e["span_id"]: e for e in events if e.get("event_type") == "llm_call_start"}
    spans: dict[str, list[str]] = {kind: [] for kind in KINDS}
    texts: dict[str, set[str]] = {kind: set() for kind in KINDS}
    asked: dict[str, str] = {}
    for end in (e for e in events if e.get("event_type") == "llm_call_end"):
        start = starts.get(end.get("span_id")) or {}
        outputs = end.get("outputs") or {}
        frames = (outputs.get("return") or {}).get("frames")
        calls = outputs.get("tool_calls") or []
        kind = "stream" if (start.get("attrs") or {}).get("stream") else \
            "tools" if " (tool said: " in (outputs.get("text") or "") else "create"
        if end.get("name") != "openai.chat" or end.get("status") != "completed" \
                or (kind == "stream" and (not frames or len(frames) < QUESTION_WORDS + 2)):
            raise SystemExit(f"ours: a span is not a completed openai.chat call with its frames: "
                             f"{json.dumps(end)[:400]}")
        if calls:  # a `tools` call's asking request, untimed
            asked.update((call["id"], end["span_id"]) for call in calls)
            continue
        spans[kind].append(end["span_id"])
        texts[kind].add(outputs.get("text"))
    for kind in KINDS:
        expected = {wanted(kind, message(i)) for i in range(made[kind])}
        if texts[kind] != expected or len(spans[kind]) != made[kind]:
            raise SystemExit(f"ours: {len(spans[kind])} {kind} spans, {len(texts[kind])} with the reply's text, "
                             f"expected {len(expected)} ({len(expected - texts[kind])} missing)")
    if len(asked) != made["tools"]:
        raise SystemExit(f"ours: {len(asked)} tool calls asked for, expected {made['tools']}")
    return spans, asked


def wire_tools(events: list[dict[str, Any]], asked: dict[str, str], wanted: int) -> list[str]:
    """The span ids of the `tool` spans from the wire: `wanted` of them, one for each of as many asked
    calls, each named, with its arguments and result, linked to the request that asked."""
    starts = {e["span_id"]: e for e in events if e.get("event_type") == "tool_call_start"}
    ends = [e for e in events if e.get("event_type") == "tool_call_end"  # not the calls given up at the run's end
            and (starts.get(e["span_id"]) or {}).get("attrs", {}).get("result") != "missing"]
    linked = set()
    for end in ends:
        start = starts.get(end["span_id"]) or {}
        attrs, city = start.get("attrs") or {}, (start.get("inputs") or {}).get("city")
        if end.get("name") != "get_weather" or end.get("status") != "completed" or attrs.get("source") != "wire" \
                or asked.get(attrs.get("tool_call_id")) != attrs.get("llm_span_id") \
                or (end.get("outputs") or {}).get("return") != tool_result(str(city)):
            raise SystemExit(f"ours: a tool span is not the wire's get_weather linked to its asker: "
                             f"{json.dumps(end)[:400]}")
        linked.add(attrs["tool_call_id"])
    if len(ends) != wanted or len(linked) != wanted:
        raise SystemExit(f"ours: {len(ends)} tool spans from the wire ({len(linked)} calls), expected {wanted}")
    return [end["span_id"] for end in ends]


class OTel:
    """OpenTelemetry's httpx instrumentation on httpx2, an SDK provider, a batch processor, spans kept in memory."""

    def __init__(self) -> None:
        # only the otel mode imports OpenTelemetry
        from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor  # noqa: PLC0415 - see above
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - see above
        from opentelemetry.sdk.trace.export import (  # noqa: PLC0415 - see above
            BatchSpanProcessor,
            SpanExporter,
            SpanExportResult,
        )

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
        wanted = sum(made.values()) + made["tools"]  # a tools call: the request that asks, then the timed one
        if len(good) != wanted or len(self.exporter.spans) != wanted:
            raise SystemExit(f"otel: {len(good)} good spans of {len(self.exporter.spans)} exported, expected {wanted}")
        return {"spans": len(good)}


def set_up(mode: str, root: Path) -> Any:
    if mode == "plain":
        return Plain()
    if mode in ("ours", "ours-unpaired"):
        return Ours(root, paired=mode == "ours")
    if mode == "otel":
        return OTel()
    raise SystemExit(f"unknown mode {mode!r}")


def check_hook(mode: str, handle_request: Any) -> None:
    """The hook this mode expects on the transport, and no other: else the figures would mean nothing."""
    ours = bool(getattr(handle_request, "__namel3ss_debug__", False))
    theirs = hasattr(handle_request, "__wrapped__") and not ours
    if (ours, theirs) != (mode.startswith("ours"), mode == "otel"):
        raise SystemExit(f"{mode}: httpx2.HTTPTransport.handle_request is {handle_request!r}: "
                         f"namel3ss_debug hook {ours}, OpenTelemetry wrapper {theirs}")


def check_pairing(mode: str) -> None:
    """ours: a request's opening pairs tools on the wire; ours-unpaired: it calls the no-op instead."""
    if not mode.startswith("ours"):
        return
    from namel3ss_debug.transport import opening, tool_wire  # noqa: PLC0415 - only the ours modes import it

    used = opening.record_wire_tools
    wanted = tool_wire.record_wire_tools if mode == "ours" else unpaired
    if used is not wanted:
        raise SystemExit(f"{mode}: a request's opening calls {used!r}, expected {wanted!r}")


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


def tool_turn(client: Any, text: str) -> list[dict[str, Any]]:
    """The conversation a `tools` call sends: the question, the stub's answer asking for `get_weather`
    (a request of its own, untimed), and the tool's result under the call's id."""
    question = {"role": "user", "content": text}
    reply = client.chat.completions.create(model=MODEL, messages=[question], tools=[TOOL])
    calls = reply.choices[0].message.tool_calls or []
    if len(calls) != 1 or calls[0].function.name != "get_weather":
        raise SystemExit(f"the stub did not ask for get_weather: {reply!r}")
    city = json.loads(calls[0].function.arguments)["city"]
    return [question, reply.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": calls[0].id, "content": tool_result(city)}]


def answer(client: Any, conversation: list[dict[str, Any]]) -> str:
    """The request that carries the tool's result back, non-streamed: the one a `tools` call times."""
    reply = client.chat.completions.create(model=MODEL, messages=conversation, tools=[TOOL])
    return reply.choices[0].message.content


def checked_call(kind: Kind, i: int) -> None:
    text = message(i)
    if kind.call(kind.prepare(text)) != wanted(kind.name, text):
        raise SystemExit(f"{kind.name} call {i}: the reply is not the stub's echo")


def timed_batch(kind: Kind, numbers: range) -> dict[str, Any]:
    """Each call's wall ns, and the batch's wall and CPU ns (the process's, all threads), the calls prepared
    before the clocks start. Every reply is checked, in every mode alike. No `gc.collect()`: a tracer's
    garbage is collected where it falls."""
    texts = [message(i) for i in numbers]
    sent = [kind.prepare(text) for text in texts]
    expected = [wanted(kind.name, text) for text in texts]
    each = []
    clock = time.perf_counter_ns
    cpu, began = time.process_time_ns(), clock()
    for what, reply in zip(sent, expected):
        start = clock()
        if kind.call(what) != reply:
            raise SystemExit(f"a {kind.name} reply is not the stub's echo")
        each.append(clock() - start)
    return {"calls_ns": each, "wall_ns": clock() - began, "cpu_ns": time.process_time_ns() - cpu}


def timed(work: Callable[[], None]) -> dict[str, int]:
    cpu, began = time.process_time_ns(), time.perf_counter_ns()
    work()
    return {"wall_ns": time.perf_counter_ns() - began, "cpu_ns": time.process_time_ns() - cpu}


def peak_rss_bytes() -> int:
    """This process's peak RSS so far (Linux counts KiB). Started by GNU time, the figure starts from GNU time's
    ~1 MB, not from the benchmark's RSS (Linux keeps the high-water mark across exec)."""
    import resource  # noqa: PLC0415 - Unix only, and read once at the end

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
        checked_call(Kind("stream", lambda text: stream(client, text)), i)
    finally:
        httpx2.Response.iter_raw = original
    return reads


if __name__ == "__main__":
    child_main(json.loads(sys.argv[1]))
