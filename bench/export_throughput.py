"""Export throughput: a 100 MB trace to Perfetto and to OTLP/JSON, against the OpenTelemetry SDK's own span cost.

    python bench/export_throughput.py                  # 100 MB trace, best of 3
    python bench/export_throughput.py --quick          # 10 MB, best of 1
    python bench/export_throughput.py --size-mb 500 --dir /data --keep --json

One run generates the trace (bench/trace_gen.py), reads it once through the store (timed: the read every
`export` pays), then times, in this process and on the same events held in memory:
- `perfetto`: `write_perfetto(events, file)`, the whole conversion and the JSON written to a file;
- `otlp-json`: span records (`otel.spans.SpanConverter`) and `write_otlp_json` to a file;
- `sdk`: the OpenTelemetry SDK creating and ending the same spans (same names, parents, attributes, start and
  end times) with a `TracerProvider` and a `SimpleSpanProcessor(InMemorySpanExporter)`, and `sdk bare`, the
  same with no span processor: what the spans cost an app instrumented with the SDK itself, before any
  exporter serialises a byte.
Each figure is spans per second (spans = start/end pairs); ratios are ours / the SDK's. Then each command,
`namel3ss-debug export TRACE --to perfetto|otlp-json FILE` and `--to parquet DIR`, is timed once as a subprocess
(wall time, peak RSS, what it wrote), reading included (`--no-commands` skips it). What they mean:
bench/README.md, section "Export throughput".
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trace_gen import GENERATOR_VERSION, generate

from namel3ss_debug.interop.perfetto import write_perfetto
from namel3ss_debug.model.events import is_start
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

SCHEMA = "namel3ss-debug/bench-export-throughput/1"
MB = 1_000_000


def main() -> None:
    args = parse_args()
    size = int((10 if args.quick else args.size_mb) * MB)
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        directory = args.dir if args.keep else Path(tmp)
        trace = prepare_trace(directory, size, args.keep)
        trace_bytes = trace.stat().st_size
        results, spans, event_count = in_process(trace, Path(tmp), repeats)
        gc.collect()  # the events are gone: the commands below run beside a small process
        commands = {} if args.no_commands else whole_commands(trace, Path(tmp))
    report = {"schema": SCHEMA, "trace_bytes": trace_bytes, "spans": spans, "events": event_count,
              "repeats": repeats, "results": results, "ratios": ratios(results), "commands": commands,
              "env": environment()}
    print(json.dumps(report, indent=2) if args.json else text(report))


def in_process(trace: Path, tmp: Path, repeats: int) -> tuple[dict[str, dict[str, Any]], int, int]:
    """Read once, then time each conversion on the same events in memory: spans/s, best of `repeats`."""
    events, read_s = read_events(trace)
    spans = sum(1 for event in events if is_start(str(event.get("event_type", ""))))
    results = {"read": {"seconds": read_s, "spans_s": spans / read_s}}
    results["perfetto"] = best(repeats, lambda: to_file(tmp / "run.perfetto.json", "wb",
                                                        lambda out: write_perfetto(events, out)), spans)
    otlp = otlp_json_writer(events)
    if otlp is not None:
        results["otlp_json"] = best(repeats, lambda: to_file(tmp / "run.otlp.json", "w", otlp), spans)
    plan = span_plan(events)
    if plan is not None:
        results["sdk"] = best(repeats, lambda: sdk_spans(plan, in_memory=True), spans)
        results["sdk_bare"] = best(repeats, lambda: sdk_spans(plan, in_memory=False), spans)
    return results, spans, len(events)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 10 MB trace, one repeat")
    parser.add_argument("--size-mb", type=float, default=100.0, help="trace size in MB (10^6 bytes), default 100")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats, the best is kept (default 3)")
    parser.add_argument("--dir", type=Path, help="where to keep the trace (with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the trace in --dir, and reuse it next time")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    parser.add_argument("--no-commands", action="store_true", help="skip timing the export commands as subprocesses")
    args = parser.parse_args()
    if args.keep and args.dir is None:
        parser.error("--keep needs --dir")
    return args


def prepare_trace(directory: Path, size_bytes: int, keep: bool) -> Path:
    trace = directory / f"export-throughput-{size_bytes}-g{GENERATOR_VERSION}.jsonl"
    if not (keep and trace.exists()):
        directory.mkdir(parents=True, exist_ok=True)
        generate(trace, size_bytes)
    return trace


def read_events(trace: Path) -> tuple[list[dict[str, Any]], float]:
    """The run's events as the store hands them to `export`, and how long reading them took."""
    began = time.perf_counter()
    reader = TraceReader(ReadProblems(), write_index=False)
    events = [located.event for located in reader.events(RunSource(str(trace), (str(trace),)))]
    return events, time.perf_counter() - began


def best(repeats: int, run: Callable[[], Any], spans: int) -> dict[str, Any]:
    """The fastest of `repeats` runs (a collection before each, none during: the figure is the work's own)."""
    times, answer = [], None
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            began = time.perf_counter()
            answer = run()
            times.append(time.perf_counter() - began)
        finally:
            gc.enable()
    seconds = min(times)
    return {"seconds": seconds, "spans_s": spans / seconds, "all_seconds": times, "answer": answer}


def to_file(path: Path, mode: str, write: Callable[[Any], int]) -> dict[str, int]:
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as out:
        count = write(out)
    return {"slices_or_spans": count, "bytes": path.stat().st_size}


def otlp_json_writer(events: list[dict[str, Any]]) -> Callable[[io.TextIOBase], int] | None:
    """`export --to otlp-json`'s work (ops/export.py's span records, interop/otlp/json_lines.py), or None before
    it exists."""
    try:
        from namel3ss_debug.interop.otlp.json_lines import write_otlp_json  # noqa: PLC0415 - optional: may not exist yet
        from namel3ss_debug.ops.export import run_spans  # noqa: PLC0415 - as above
    except ImportError:
        return None

    def write(out: io.TextIOBase) -> int:
        converter, spans = run_spans(iter(events))
        return write_otlp_json(spans, lambda: converter.resource, out)

    return write


# Runs a command and prints its wall time and peak RSS. Linux keeps a process's ru_maxrss across exec, so a
# command started straight from this process (holding the whole run) would report this process's size; this
# small launcher forks it from a fresh interpreter instead.
_MEASURED = """
import os, resource, subprocess, sys, time
began = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=sys.stderr).returncode
print(time.perf_counter() - began, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def whole_commands(trace: Path, directory: Path) -> dict[str, dict[str, Any]]:
    """`namel3ss-debug export TRACE --to FORMAT FILE` (`--to parquet DIR`) as a subprocess, once each: wall time
    and peak RSS, reading included (what a user waits for), and the bytes written."""
    found = {}
    for target in ("perfetto", "otlp-json", "parquet"):
        out = directory / f"command.{target}"
        command = [sys.executable, "-m", "namel3ss_debug", "export", str(trace), "--to", target, str(out)]
        done = subprocess.run([sys.executable, "-c", _MEASURED, *command], capture_output=True, check=False)
        if done.returncode == 0:
            seconds, peak_kib = (float(part) for part in done.stdout.split())
            found[target] = {"seconds": seconds, "peak_rss_mb": peak_kib * 1024 / MB, "bytes": _written(out)}
        else:
            found[target] = {"failed": done.returncode, "stderr": done.stderr.decode(errors="replace")[-300:]}
    return found


def _written(out: Path) -> int:
    """The bytes of a file, or of the Parquet files under a directory (`--to parquet`)."""
    return out.stat().st_size if out.is_file() else sum(part.stat().st_size for part in out.rglob("*.parquet"))


def span_plan(events: list[dict[str, Any]]) -> list[tuple] | None:
    """The spans as the SDK would have made them live: ("start", i, name, parent i, attributes, ns) and
    ("end", i, ns) in the run's order, attributes as `export --to otlp` sets them (or, before that lands,
    the LLM figures). None without the OpenTelemetry SDK."""
    try:
        import opentelemetry.sdk.trace  # noqa: F401, PLC0415 - the optional extra `otel`
    except ImportError:
        return None
    attributes = _export_attributes(events)
    plan: list[tuple] = []
    index: dict[Any, int] = {}
    for event in events:
        event_type = str(event.get("event_type", ""))
        ns = _ns(event.get("ts"))
        if is_start(event_type):
            number = index[event.get("span_id")] = len(index)
            name = attributes.get(event.get("span_id"), (None, None))[0] or f"{event['component']} {event['name']}"
            attrs = attributes.get(event.get("span_id"), (None, None))[1] or _figures(event)
            plan.append(("start", number, name, index.get(event.get("parent_id")), attrs, ns))
        elif event.get("span_id") in index and event_type.endswith("_end"):
            plan.append(("end", index[event.get("span_id")], ns))
    return plan


def _export_attributes(events: list[dict[str, Any]]) -> dict[Any, tuple[str, dict[str, Any]]]:
    try:
        from namel3ss_debug.otel.spans import to_spans  # noqa: PLC0415 - optional: may not exist yet
    except ImportError:
        return {}
    found = {}
    for span in to_spans(events):
        found[span.attributes.get("namel3ss.span_id")] = (span.name, dict(span.attributes))
    return found


def _figures(event: Mapping[str, Any]) -> dict[str, Any]:
    attrs = {"namel3ss.component": str(event.get("component")), "namel3ss.name": str(event.get("name"))}
    if event.get("model"):
        attrs["gen_ai.request.model"] = str(event["model"])
    return attrs


def sdk_spans(plan: list[tuple], *, in_memory: bool) -> dict[str, int]:
    """Create and end every span of the plan through the SDK (explicit parents and times)."""
    from opentelemetry import trace  # noqa: PLC0415 - the optional extra `otel`
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - as above
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415 - as above
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: PLC0415 - as above
        InMemorySpanExporter,
    )

    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    if in_memory:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    live: dict[int, Any] = {}
    contexts: dict[int, Any] = {}
    for step in plan:
        if step[0] == "start":
            _, number, name, parent, attrs, ns = step
            span = tracer.start_span(name, context=contexts.get(parent), attributes=attrs, start_time=ns)
            live[number] = span
            contexts[number] = trace.set_span_in_context(span)
        else:
            span = live.pop(step[1], None)
            if span is not None:
                span.end(end_time=step[2])
    for span in live.values():
        span.end()
    provider.shutdown()
    return {"exported": len(exporter.get_finished_spans())}


def _ns(ts: Any) -> int | None:
    if not isinstance(ts, str):
        return None
    from datetime import datetime  # noqa: PLC0415 - only while building the plan, outside the timing

    moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    found = {}
    for ours in ("perfetto", "otlp_json", "read"):
        for sdk in ("sdk", "sdk_bare"):
            if ours in results and sdk in results:
                found[f"{ours}/{sdk}"] = results[ours]["spans_s"] / results[sdk]["spans_s"]
    for ours in ("perfetto", "otlp_json"):
        if ours in results and "sdk" in results:  # the whole command: read, then convert and write
            whole = results["read"]["seconds"] + results[ours]["seconds"]
            found[f"read+{ours}/sdk"] = results["sdk"]["seconds"] / whole
    return found


def environment() -> dict[str, Any]:
    versions = {}
    for package in ("namel3ss-debug", "opentelemetry-sdk", "orjson"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"python": platform.python_version(), "machine": platform.machine(), "system": platform.system(),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB, **versions}


def text(report: dict[str, Any]) -> str:
    head = f"trace {report['trace_bytes'] / MB:.0f} MB, {report['events']:,} events, {report['spans']:,} spans"
    lines = [f"{head}, best of {report['repeats']}"]
    labels = {"read": "read (store, every export pays it)", "perfetto": "--to perfetto",
              "otlp_json": "--to otlp-json", "sdk": "OTel SDK create+end, in-memory exporter",
              "sdk_bare": "OTel SDK create+end, no processor"}
    for key, label in labels.items():
        if key in report["results"]:
            result = report["results"][key]
            size = (result.get("answer") or {}).get("bytes")
            extra = f"  -> {size / MB:.0f} MB file" if size else ""
            lines.append(f"  {label:<42} {result['spans_s']:>12,.0f} spans/s  {result['seconds']:7.2f} s{extra}")
    if "otlp_json" not in report["results"]:
        lines.append("  --to otlp-json                             "
                     "(not measured: interop/otlp/json_lines.py is not there)")
    if "sdk" not in report["results"]:
        lines.append("  OTel SDK                                   (not measured: pip install 'namel3ss-debug[otel]')")
    lines.append("ratios (ours / SDK, spans per second; > 1 means faster than the SDK making the spans):")
    lines += [f"  {name:<28} {value:6.2f}" for name, value in report["ratios"].items()]
    lines.append(f"peak RSS {report['env']['peak_rss_mb']:.0f} MB (the whole run held in memory, for timing)")
    for target, result in report["commands"].items():
        if "seconds" in result:
            spans_s = report["spans"] / result["seconds"]
            lines.append(f"command `export --to {target}`: {result['seconds']:.2f} s wall ({spans_s:,.0f} spans/s), "
                         f"peak RSS {result['peak_rss_mb']:.0f} MB, {result['bytes'] / MB:.0f} MB written")
        else:
            lines.append(f"command `export --to {target}` failed ({result['failed']}): {result['stderr']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
