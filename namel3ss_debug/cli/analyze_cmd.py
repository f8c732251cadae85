"""`namel3ss-debug analyze TRACE...`: the run at a glance, as tables, JSON or Markdown."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.choices import ANALYZE_SECTIONS as SECTIONS
from .errors import warn
from .suggest import Choice
from .output import report_views, show
from .options import format_option, parts_jobs_option, reading_options, slow_option, trace_options
from .progress import bars
from ..ops.analyze.analyze import AnalyzeRequest, analyze_traces
from ..ops.environment import Environment
from ..ops.traces import TraceArgs

VIEWS = report_views("render.analyze.table:render_report", "render.analyze.analyze_json:render_json",
                     "render.analyze.markdown:render_markdown")


@click.command("analyze")
@trace_options
@format_option("table", "json", "markdown")
@click.option("--section", "sections", multiple=True, type=Choice(SECTIONS), metavar="NAME",
              help=f"Only this section (repeatable): {', '.join(SECTIONS)}.")
@slow_option
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), metavar="N",
              help="How many of the slowest spans to list.")
@click.option("--block-threshold", default="10s", show_default=True, metavar="DURATION",
              help="A span whose own time (outside its traced children) exceeds this is a blocking anomaly.")
@parts_jobs_option
@reading_options
def analyze(traces: tuple[str, ...], all_runs: bool, strict: bool, since: str | None, until: str | None,
            components: tuple[str, ...], config_path: Path | None, fmt: str, sections: tuple[str, ...],
            slow_threshold: str, top: int, block_threshold: str, jobs: int, prices_path: Path | None,
            no_cache: bool, no_progress: bool, no_pager: bool) -> None:
    """Analyze one or more runs in one streaming pass.

    Sections: overview, per-component and per-operation latency (p50/p90/p95/p99/max),
    slow spans, LLM tokens and cost by model, tools, errors by category and type,
    patterns (retries, repeated identical calls, agent loops), anomalies, integrity,
    the critical path and a health verdict with its reasons.

    \b
    TRACE is a trace file, any segment of a run (the others are found), a run id
    (looked up in trace_output_dir), a directory (its newest run; --all for every
    run) or - for standard input; .gz files are read as they are. With no TRACE,
    the newest run in trace_output_dir.
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    Examples:
      namel3ss-debug analyze debug/traces
      namel3ss-debug analyze run.jsonl --format json | jq '.llm.cost_usd'
      namel3ss-debug analyze run.jsonl --section errors --section patterns
      namel3ss-debug analyze debug/traces --all --since +30s --component llm

    Many runs (--all) are tallied in worker processes (--jobs), the report the
    one a single process makes. So is one big run (32 MiB a worker or more),
    cut at lines into parts.

    Exit codes: 0 analysed (whatever the verdict: in CI, gate on it with
    `--format json | jq -e '.health.verdict != "failing"'`; with --all, also
    when some runs could not be read: each is named in a warning and left out),
    1 a worker process reading runs stopped (--jobs), 2 usage, 3 a trace that
    cannot be read (with --all, none of the folder's runs).
    """
    runs = TraceArgs(traces, all_runs, strict, config_path)
    request = AnalyzeRequest(runs, since, until, components, sections, slow_threshold, top, block_threshold,
                             prices_path, cache=not no_cache, jobs=jobs)
    show(analyze_traces(request, Environment.current(warn, bars(not no_progress))), fmt, VIEWS, page=not no_pager)

