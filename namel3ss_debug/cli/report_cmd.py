"""`namel3ss-debug report TRACE [-o FILE]`: a run (or two, compared) as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.errors import UsageError
from ..model.outputs import write_output
from ..model.messages import plural
from .errors import warn
from .options import output_option, page_options, progress_option
from .progress import bars
from ..ops.environment import Environment
from ..ops.report import ReportRequest, report_traces
from ..render.report.document import page_document
from ..render.report.html import page_html


@click.command("report")
@click.argument("traces", nargs=-1, metavar="[TRACE | BASE NEW]")
@output_option(file=True)
@page_options
@progress_option
def report(traces: tuple[str, ...], output: str | None, slow_threshold: str, max_text: int,
           prices_path: Path | None, strict: bool, no_progress: bool, config_path: Path | None,
           no_cache: bool) -> None:
    """Write one HTML file that shows a run: open it in any browser, offline.

    \b
    The page holds a waterfall timeline of the spans (zoom, pan, a time range
    to filter by; tracks per thread and task; colour by component or status;
    slow spans, failures, anomalies and the critical path marked), the span
    tree, each span's details (inputs, outputs, error and stack, an LLM call as
    a conversation), analyze's figures as charts, and filters (component,
    errors only, agent, text). Every script and style is inside the file; it
    fetches nothing, and text from the trace is shown as text, never run.

    \b
    With two runs, BASE and NEW, the page compares them: their calls aligned as
    diff aligns them, the first divergence and the calls that changed (status,
    output, 1.5x and 10 ms slower or faster) marked.

    \b
    TRACE is a trace file (JSONL or OTLP/JSON), any segment of a run, a run id
    or a directory (its newest run). With no TRACE, the newest run in
    trace_output_dir.
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    Examples:
      namel3ss-debug report                              the newest run
      namel3ss-debug report debug/traces/RUN.0000.jsonl -o run.html
      namel3ss-debug report base.jsonl new.jsonl -o compare.html

    Exit codes: 0 written, 2 usage (three TRACEs, a file of several runs, a
    FILE that cannot be written), 3 an invalid trace.
    """
    request = ReportRequest(traces, strict, config_path, slow_threshold, prices_path, cache=not no_cache)
    page = report_traces(request, Environment.current(warn, bars(not no_progress)))
    text = page_html(page_document(page, max_text=max_text)).encode("utf-8")
    named = "-vs-".join(run.run_id or "report" for run in page.runs) + ".html"
    target = Path(output) if output is not None else Path(named)
    try:
        write_output(target, lambda stream: stream.write(text))
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}",
                         hint="choose a FILE in a writable directory (-o FILE)") from None
    spans = sum(len(run.table.rows) for run in page.runs)
    click.echo(f"wrote {target} ({plural(spans, 'span')}, {len(text) / 1e6:.1f} MB)", err=True)
