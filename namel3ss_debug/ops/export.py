"""`export`'s use case: recorded runs sent to an OTLP backend, or written as OTLP/JSON or a Perfetto timeline."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, BinaryIO, Callable

from ..analysis.prices import Pricer
from ..analysis.span_table import priced_call
from ..model.events import is_end
from ..otel.spans import SpanConverter, SpanRecord
from ..model.errors import UsageError
from ..model.outputs import write_output
from ..store.sources import RunSource
from .environment import Environment
from .traces import TraceArgs, make_pricer, make_reader, open_traces

FORMATS = ("otlp", "otlp-json", "perfetto")
STDOUT = "-"


@dataclass(frozen=True)
class ExportRequest:
    runs: TraceArgs = field(default_factory=TraceArgs)
    to: str = "otlp"  # otlp | otlp-json | perfetto
    out: str | None = None  # the file of otlp-json and perfetto (- for standard output)
    endpoint: str | None = None  # otlp: the flags; unset ones come from OTEL_EXPORTER_OTLP_* or the defaults
    protocol: str | None = None
    headers: tuple[str, ...] = ()
    timeout: float | None = None
    cache: bool = True  # False (--no-cache): no index sidecar written beside a trace


@dataclass(frozen=True)
class Exported:
    """One run exported: its id, the OpenTelemetry trace id (hex; None for perfetto and parquet), how many spans
    (or slices) and, for parquet, events, and where they went."""

    run_id: str
    trace_id: str | None
    spans: int
    destination: str
    events: int | None = None


def export_traces(request: ExportRequest, env: Environment, stdout: BinaryIO) -> list[Exported]:
    """Export each run named (each run of a file that holds several: one trace each); raises UsageError (bad
    flags, a missing extra), TraceError (a run that cannot be read) or interop.otlp.ExportError (the backend did
    not take the spans)."""
    if request.to not in FORMATS:
        raise UsageError(f"--to {request.to!r} is not a format", hint=f"use one of: {', '.join(FORMATS)}")
    if request.to != "otlp" and not request.out:
        raise UsageError(f"--to {request.to} needs a FILE",
                         hint=f"write --to {request.to} FILE (- for standard output)")
    target = _otlp_target(request, env) if request.to == "otlp" else None
    sources, resolved = open_traces(request.runs, env)
    if request.to == "perfetto" and len(sources) > 1:
        raise UsageError(f"--to perfetto writes one run, and {len(sources)} were named",
                         hint="name one run, or export each to its own file")
    reader = make_reader(request.runs.strict, env, write_index=request.cache)
    pricer = make_pricer(env, None, resolved.settings.price_overrides)

    def runs() -> Iterator[tuple[RunSource, Iterator[dict[str, Any]]]]:
        for source in sources:
            events_of = priced((located.event for located in reader.events(source)), pricer)
            for number, (_, events) in enumerate(groupby(events_of, key=lambda event: event.get("run_id"))):
                if number and request.to == "perfetto":
                    raise UsageError(f"{source.label} holds several runs, and --to perfetto writes one run",
                                     hint="export the runs --to otlp-json, or cut the file into one run each")
                yield source, events

    if target is not None:
        return [_send(source, events, target) for source, events in runs()]
    if request.to == "perfetto":
        return _to_file(request.out or STDOUT, stdout,
                        lambda out: [_write_perfetto(source, events, out, env.warn) for source, events in runs()])
    return _to_file(request.out or STDOUT, stdout,
                    lambda out: [_write_otlp_json(source, events, out) for source, events in runs()])


def priced(events: Iterator[dict[str, Any]], pricer: Pricer) -> Iterator[dict[str, Any]]:
    """Each LLM call's end that recorded no cost, given the cost `analyze` gives it (the same pricer, the
    same prices), with `attrs.cost_priced_by` saying where it came from: every screen shows one figure."""
    for event in events:
        if (event.get("component") == "llm" and is_end(str(event.get("event_type") or ""))
                and event.get("cost_usd") is None and isinstance(event.get("model"), str) and event["model"]):
            usd, source = priced_call(event["model"], event.get("usage"), pricer)
            if usd is not None:
                attrs = event.get("attrs")
                event = {**event, "cost_usd": usd,
                         "attrs": {**(attrs if isinstance(attrs, dict) else {}), "cost_priced_by": source}}
        yield event


def _otlp_target(request: ExportRequest, env: Environment) -> Any:
    from ..tracer.otlp.sdk import require_otel, resolve_target  # noqa: PLC0415 - loads only for --to otlp

    target = resolve_target(env.environ, endpoint=request.endpoint, protocol=request.protocol,
                            headers=request.headers, timeout=request.timeout)
    require_otel("export --to otlp")
    return target


def run_spans(events: Iterator[dict[str, Any]]) -> tuple[SpanConverter, Iterator[SpanRecord]]:
    """A converter and the spans of one run's events, each as it ends (the converter knows the run's
    resource and trace id once the first span is out)."""
    converter = SpanConverter()

    def spans() -> Iterator[SpanRecord]:
        for event in events:
            yield from converter.feed(event)
        yield from converter.finish()

    return converter, spans()


def _send(source: RunSource, events: Iterator[dict[str, Any]], target: Any) -> Exported:
    from ..interop.otlp.sdk_export import send  # noqa: PLC0415 - the OpenTelemetry SDK loads only for --to otlp

    converter, spans = run_spans(events)
    count = send(spans, lambda: converter.resource, target)
    return Exported(converter.run_id or source.run_id or source.label, f"{converter.trace_id:032x}", count,
                    target.endpoint)


def _write_otlp_json(source: RunSource, events: Iterator[dict[str, Any]], out: BinaryIO) -> Exported:
    from ..interop.otlp.json_lines import write_otlp_json  # noqa: PLC0415 - only this format needs it

    converter, spans = run_spans(events)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    try:
        count = write_otlp_json(spans, lambda: converter.resource, text)
    finally:
        text.detach()  # the stream stays open for the next run
    return Exported(converter.run_id or source.run_id or source.label, f"{converter.trace_id:032x}", count, "")


def _write_perfetto(source: RunSource, events: Iterator[dict[str, Any]], out: BinaryIO,
                    warn: Callable[[str], None]) -> Exported:
    from ..interop.perfetto import write_perfetto  # noqa: PLC0415 - only this format needs it

    count = write_perfetto(events, out, warn)
    return Exported(source.run_id or source.label, None, count, "")


def _to_file(path: str, stdout: BinaryIO, write: Callable[[BinaryIO], list[Exported]]) -> list[Exported]:
    """Write to standard output, or to a file replaced whole only once every run is written (a run that
    cannot be read leaves no half file). The temporaries of earlier exports to `path` that were killed
    before their rename are removed first (`model.outputs.write_output`)."""
    if path == STDOUT:
        done = write(stdout)
        stdout.flush()
        return [_placed(item, "standard output") for item in done]
    try:
        done = write_output(path, write)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}",
                         hint="choose a FILE in a writable directory") from None
    return [_placed(item, path) for item in done]


def _placed(item: Exported, destination: str) -> Exported:
    return Exported(item.run_id, item.trace_id, item.spans, destination)
