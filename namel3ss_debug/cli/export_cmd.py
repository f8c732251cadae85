"""`namel3ss-debug export TRACE --to otlp|otlp-json|perfetto|parquet`: a recorded run in another tool's format."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..model.errors import Namel3ssDebugError, UsageError
from ..model.messages import plural
from .errors import warn
from .suggest import Choice
from .options import all_option, cache_option, config_option, strict_option
from ..ops.environment import Environment
from ..ops.export import ExportRequest, Exported, export_traces
from ..ops.export_parquet import export_parquet
from ..ops.traces import TraceArgs
from ..store import remote

FORMATS = ("otlp", "otlp-json", "perfetto", "parquet")


@click.command("export")
@click.argument("traces", nargs=-1, metavar="[TRACE]... [FILE|DIR]")
@click.option("--to", "to", type=Choice(FORMATS), required=True,
              help="otlp: send the spans to an OTLP receiver; otlp-json FILE: the OTLP/JSON a Collector's file "
                   "exporter writes; perfetto FILE: a timeline for ui.perfetto.dev; parquet DIR: runs, spans and "
                   "events tables by day, for DuckDB, Spark or ClickHouse.")
@click.option("--endpoint", metavar="URL",
              help="otlp: the receiver (default OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT, "
                   "else http://localhost:4318, or :4317 for grpc).")
@click.option("--protocol", type=Choice(("http/protobuf", "grpc")), default=None,
              help="otlp: the transport (default OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf).")
@click.option("--header", "headers", multiple=True, metavar="K=V",
              help="otlp: a header sent with each request, such as Authorization=Bearer TOKEN (repeatable; "
                   "added to OTEL_EXPORTER_OTLP_HEADERS).")
@click.option("--timeout", type=float, default=None, metavar="SECONDS",
              help="otlp: the most one request (a batch of up to 512 spans) may take: connecting, sending, the "
                   "answer and the retries together; past it the export stops, exit 1 (default 10, or "
                   "OTEL_EXPORTER_OTLP_TIMEOUT in milliseconds).")
@all_option
@strict_option
@config_option
@cache_option
def export(traces: tuple[str, ...], to: str, endpoint: str | None, protocol: str | None,
           headers: tuple[str, ...], timeout: float | None, all_runs: bool, strict: bool,
           config_path: Path | None, no_cache: bool) -> None:
    """Export recorded runs: to an OpenTelemetry backend through the SDK's OTLP
    exporters, or to a file.

    Each start/end pair becomes one span (parent, times, status, the error as an
    `exception` event), instant events become events of their span, the run is
    the resource (service.name, namel3ss.run_id, host.name). LLM and tool spans
    carry the GenAI attributes; our own fields are under `namel3ss.`. The trace
    id is derived from the run id, so exporting a run twice gives the same ids.

    \b
    TRACE is a trace file, any segment of a run, a run id or a directory (its
    newest run; --all for every run). With no TRACE, the newest run in
    trace_output_dir.
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).
    For --to otlp-json and --to perfetto, FILE follows the
    format (the last argument; - for standard output).

    --to parquet DIR writes three tables under DIR, runs/, spans/ and
    events/, each in day=YYYY-MM-DD/ folders, one file per run named by its
    run id: exporting more runs later adds files, exporting a run again
    replaces its own. DIR may be a bucket, s3://bucket/prefix/: the same
    files as objects, each confirmed after its put. Inputs and outputs stay in the trace. It needs the
    parquet extra: pip install 'namel3ss-debug[parquet]'.

    \b
    Examples:
      namel3ss-debug export run.jsonl --to otlp --endpoint http://localhost:4318
      namel3ss-debug export run.jsonl --to otlp --protocol grpc --header 'authorization=Bearer T'
      namel3ss-debug export run.jsonl --to otlp-json run.otlp.jsonl
      namel3ss-debug export run.jsonl --to perfetto run.perfetto.json
      namel3ss-debug export traces/ --all --to parquet tables/

    --to otlp needs the otel extra: pip install 'namel3ss-debug[otel]'. A batch
    is sent when the receiver answers it with a 2xx; a redirect is not followed
    (give the URL it names as --endpoint).

    Exit codes: 0 exported, 1 the receiver did not take the spans (unreachable,
    refused, redirected, no answer within --timeout) or the store did not take
    the tables (access denied, no credentials, no answer), 2 usage (a bad --header, a
    missing extra, a DIR that cannot be written), 3 an invalid trace.
    """
    from ..render.event_text import one_line  # noqa: PLC0415 - Rich: not for --help

    traces, out = _file_argument(to, traces)
    request = ExportRequest(TraceArgs(traces, all_runs, strict, config_path), to, out, endpoint, protocol, headers,
                            timeout, cache=not no_cache)
    env = Environment.current(warn)
    done = export_parquet(request, env) if to == "parquet" else export_traces(request, env, sys.stdout.buffer)
    for item in done:
        click.echo(f"run {one_line(item.run_id)}: {_said(item, to)}", err=True)


def _said(item: Exported, to: str) -> str:
    """What was done with one run: `wrote 12 spans to run.otlp.jsonl (trace id ...)`."""
    from ..render.event_text import one_line  # noqa: PLC0415 - Rich: not for --help

    if item.events is not None:
        what = f"{plural(item.spans, 'span')} and {plural(item.events, 'event')}"
    else:
        what = plural(item.spans, "slice" if to == "perfetto" else "span")
    trace = f" (trace id {item.trace_id})" if item.trace_id else ""
    return f"{'sent' if to == 'otlp' else 'wrote'} {what} to {one_line(item.destination)}{trace}"


# How each file format's output begins: a FILE that exists and begins otherwise is not an earlier export.
_EXPORT_STARTS = {"perfetto": b'{"traceEvents"', "otlp-json": b'{"resourceSpans"'}
_SUFFIXES = {"perfetto": "perfetto.json", "otlp-json": "otlp.jsonl"}


def _file_argument(to: str, names: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
    """For the file formats the last positional is FILE, the others the TRACEs. A lone positional that names a
    file holding something else (a trace, an app's source) is refused rather than written over: `export
    run.jsonl --to perfetto` means to export run.jsonl, and would have replaced it with the newest run."""
    if to == "otlp":
        return names, None
    if not names:
        return (), None
    if to == "parquet":
        return _directory_argument(names)
    if len(names) == 1 and not _replaceable(names[0], to):
        name = names[0]
        raise UsageError(f"{name} would be written over: with one argument it is FILE, where the export goes, "
                         f"and it holds no {to} export", hint=_lone_file_hint(name, to))
    return names[:-1], names[-1]


def _directory_argument(names: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """For --to parquet the last positional is DIR. A lone one that is a file, or a directory holding traces, is
    what to export, not where: taking it for DIR would export the newest run of trace_output_dir into it."""
    name = names[-1]
    if len(names) == 1 and (os.path.isfile(name) or _holds_traces(name)):
        stem = Path(name).name.split(".")[0] or "traces"
        raise UsageError(f"{name} holds traces: with one argument it is DIR, where the tables go",
                         hint=f"did you mean `namel3ss-debug export {name} --to parquet {stem}-tables`?")
    return names[:-1], name


def _holds_traces(name: str) -> bool:
    if remote.is_url(name):  # an object, or a folder of traces, in a store: one look-up and one listing
        try:
            return remote.exists(name) is not None or any(found.name.endswith((".jsonl", ".jsonl.gz"))
                                                          for found in remote.listing(name))
        except Namel3ssDebugError:
            return False  # the export says what is wrong with the store
    try:
        return any(entry.endswith((".jsonl", ".jsonl.gz")) for entry in os.listdir(name))
    except OSError:
        return False


def _lone_file_hint(name: str, to: str) -> str:
    """The command meant: the file as TRACE and a new FILE; for an app's source, recording it first."""
    if name.endswith((".py", ".ai")):
        return f"record it first with `namel3ss-debug trace {name}`, then export to a new file"
    stem = Path(name).name.split(".")[0] or "run"
    return f"did you mean `namel3ss-debug export {name} --to {to} {stem}.{_SUFFIXES[to]}`?"


def _replaceable(name: str, to: str) -> bool:
    """Standard output, a file not there yet, or one an earlier export of this format wrote."""
    if name == "-":
        return True
    try:
        with open(name, "rb") as existing:
            head = existing.read(64).lstrip()
    except FileNotFoundError:
        return True
    except OSError:
        return True  # a directory or a device: the export says what is wrong with it
    return head == b"" or head.startswith(_EXPORT_STARTS[to])
