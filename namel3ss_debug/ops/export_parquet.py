"""`export --to parquet DIR`: each run named written as rows of three tables, runs, spans and events
(`interop/parquet/`), into DIR's day folders (`parquet_dataset.py`), or, DIR being a store's URL
(`s3://bucket/prefix/`), into the same folders and names as objects (`parquet_bucket.py`).

A run's row is the run index's (`ops/runs/indexing.py`: `analyze` of that run alone, redacted as the index keeps
it), so the runs table says what `runs` and `analyze RUN` say. Its spans and events are read once more, as dicts,
priced by the same pricer (`export.priced`): every figure is the one `analyze` computes, written once. The run's
question, answer and error messages, and every event's inputs, outputs and attrs, stay in the trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..analysis.prices import Pricer
from ..analysis.run_row import RunRow
from ..model.errors import UsageError
from ..otel.spans import time_ns
from ..store import remote
from ..store.reader import TraceReader
from ..store.sources import RunSource, is_stream
from .environment import Environment
from .export import ExportRequest, Exported, priced
from .parquet_bucket import BucketDataset
from .parquet_dataset import ParquetDataset, file_name
from .runs.indexing import run_reading
from .traces import make_reader, open_traces

if TYPE_CHECKING:
    from ..interop.parquet.arrow import TableBuilder


def export_parquet(request: ExportRequest, env: Environment) -> Iterator[Exported]:
    """Each run named, written into `request.out` as it is read (a run that cannot be read stops the export; the
    runs before it are in place). Raises UsageError (no pyarrow, a run from a stream, DIR unusable, no such bucket),
    TraceError (a run that cannot be read; a store that cannot be written: access denied, no answer)."""
    from ..interop.parquet.arrow import require_pyarrow  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

    require_pyarrow("export --to parquet")
    if not request.out or request.out == "-":
        raise UsageError("--to parquet needs a directory DIR", hint="write --to parquet DIR (made if missing)")
    sources, resolved = open_traces(request.runs, env)
    for source in sources:
        if any(is_stream(file) for file in source.files):
            raise UsageError(f"{source.label} can be read only once, and --to parquet reads a run twice "
                             "(its figures, then its spans)", hint="save it to a file first, then export the file")
    reading = run_reading(resolved, env, cache=request.cache)
    reader = make_reader(request.runs.strict, env, write_index=request.cache)
    dataset = _dataset(request.out)
    with dataset:
        for source in sources:
            row = reading(source).row
            spans, events = _spans_and_events(source, _day(row), reading.pricer, reader)
            _put(dataset, request.out, row, spans, events)
            yield Exported(row.run_id, None, spans.rows, request.out, events.rows)


def _dataset(out: str) -> ParquetDataset | BucketDataset:
    """Where the tables go: a store's URL, or a local directory (made if missing)."""
    if remote.is_url(out):
        return BucketDataset.open(out)
    try:
        return ParquetDataset.open(out)
    except OSError as error:
        raise UsageError(f"cannot write {out}: {error.strerror or error}",
                         hint="name a directory you can write") from None


def _spans_and_events(source: RunSource, first_day: str, pricer: Pricer,
                      reader: TraceReader) -> tuple[TableBuilder, TableBuilder]:
    """The run's spans and events tables, from one read of its events."""
    from ..interop.parquet.arrow import TableBuilder  # noqa: PLC0415 - pyarrow, loaded only for --to parquet
    from ..interop.parquet.rows import EventRows, SpanRows, lean  # noqa: PLC0415 - as above

    spans, events = TableBuilder("spans"), TableBuilder("events")
    span_rows, event_rows = SpanRows(), EventRows(first_day)
    for event in priced((lean(located.event) for located in reader.events(source)), pricer):
        events.add(*event_rows.row(event))
        for dated in span_rows.feed(event):
            spans.add(*dated)
    for dated in span_rows.finish():
        spans.add(*dated)
    return spans, events


def _put(dataset: ParquetDataset | BucketDataset, out: str, row: RunRow, spans: TableBuilder,
         events: TableBuilder) -> None:
    """The run's three tables in place, the runs table's file last: a run listed in `runs` has its spans. What
    the run had in the dataset is looked at first, before any of its writes, so that a file another export puts
    meanwhile in a day this run has left is never taken for this run's stale one."""
    from ..interop.parquet.arrow import TableBuilder  # noqa: PLC0415 - pyarrow, loaded only for --to parquet

    runs = TableBuilder("runs")
    runs.add(_day(row), run_columns(row))
    name = file_name(row.run_id)
    try:
        seen = dataset.seen(name)
        for table, built in (("spans", spans), ("events", events), ("runs", runs)):
            dataset.put(table, name, built.tables(), seen[table])
    except OSError as error:  # a Refused is a UsageError already, and says where
        raise UsageError(f"cannot write {out}: {error.strerror or error}",
                         hint="name a directory you can write") from None


def _day(row: RunRow) -> str:
    """The run's day: the UTC day it started (1970-01-01 for a run with no readable time)."""
    from ..interop.parquet.rows import EPOCH_DAY, day_of  # noqa: PLC0415 - as above

    started = time_ns(row.started)
    return day_of(started) if started is not None else EPOCH_DAY.isoformat()


def run_columns(row: RunRow) -> dict[str, Any]:
    """The runs table's row of a run index row (its question, answer and error messages left out)."""
    started = time_ns(row.started)
    ended = started + round(row.duration_ms * 1_000_000) if started is not None and row.duration_ms is not None \
        else None
    severities = row.findings_by_severity
    return {
        "run_id": row.run_id, "entry": row.entry, "started": started // 1000 if started is not None else None,
        "ended": ended // 1000 if ended is not None else None, "duration_ms": row.duration_ms,
        "status": row.status, "exit_code": row.exit_code, "health": row.health, "llm_calls": row.llm_calls,
        "tool_calls": row.tool_calls, "total_tokens": row.total_tokens, "cost_usd": row.cost_usd,
        "unpriced_calls": row.unpriced_calls, "errors": row.errors, "handled_errors": row.handled_errors,
        "unhandled_errors": row.unhandled_errors, "models": row.models, "frameworks": row.frameworks,
        "tags": row.tags, "error_types": row.error_types, "finding_kinds": sorted(row.findings),
        "critical_findings": severities.get("critical", 0), "warning_findings": severities.get("warning", 0),
        "info_findings": severities.get("info", 0), "failure": row.failure, "parent": row.parent,
        "lineage": row.lineage, "stopped": row.stopped, "gave_up": row.gave_up, "problems": row.problems,
        "files": row.files,
    }
