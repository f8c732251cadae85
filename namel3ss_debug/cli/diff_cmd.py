"""`namel3ss-debug diff BASE NEW`: what changed between two runs, and whether it crossed a threshold."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model.choices import DIFF_CONTEXT
from ..model.errors import EXIT_FAILED
from .errors import warn
from .output import report_views, show
from .options import cache_option, config_option, format_option, progress_option, sides_jobs_option, strict_option
from .progress import bars
from ..ops.diff import DiffRequest, diff_traces
from ..ops.environment import Environment

VIEWS = report_views("render.diff.table:render_diff", "render.diff.diff_json:render_json",
                     "render.diff.markdown:render_markdown")


@click.command("diff")
@click.argument("base", metavar="BASE")
@click.argument("new", metavar="NEW")
@click.option("--fail-on", "fail_on", multiple=True, metavar="EXPRESSION",
              help="Exit 1 when this change is crossed (repeatable): METRIC OP CHANGE, e.g. 'cost>+10%', "
                   "'p95(llm)>+20%', 'p95(tool:search)>+200ms', 'errors>+0'.")
@format_option("table", "json", "markdown")
@click.option("--context", default=DIFF_CONTEXT, show_default=True, type=click.IntRange(0, 100), metavar="N",
              help="Calls shown before and after the first divergence, on each side.")
@strict_option
@config_option
@cache_option
@sides_jobs_option
@progress_option
def diff(base: str, new: str, fail_on: tuple[str, ...], fmt: str, context: int, strict: bool,
         config_path: Path | None, no_cache: bool, jobs: int, no_progress: bool) -> None:
    """Compare run NEW with run BASE.

    Shows the overview side by side (duration, LLM and tool calls, tokens,
    cost, errors) with changes and percentages, latency changes per component
    and per operation, the calls added and removed, the first divergence in
    the sequence of calls with the calls around it, and the aligned LLM and
    tool calls whose output changed. A change is NEW minus BASE; from 0 it
    has no percentage and shows as `new`.

    \b
    BASE and NEW are each one run, named like any TRACE: a trace file, any
    segment of a run, a run id (looked up in trace_output_dir), a directory
    (its newest run) or - for standard input (one of the two).
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    --fail-on EXPRESSION, repeatable:  METRIC OP CHANGE
      METRIC  duration, llm_calls, tool_calls, tokens, cost, errors,
              or p50/p90/p95/p99/max/count(TARGET), TARGET a component
              (llm) or an operation as analyze names it (tool:search)
      OP      >  >=  <  <=
      CHANGE  signed: +10% (of BASE), +200ms / +1.5s (time metrics),
              +1, +0.05 (the metric's unit: calls, tokens, USD)

    \b
    Examples:
      namel3ss-debug diff base.jsonl new.jsonl
      namel3ss-debug diff runs/main runs/pr --fail-on 'cost>+10%' --fail-on 'p95(llm)>+20%'
      namel3ss-debug diff base.jsonl new.jsonl --format markdown > comment.md
      namel3ss-debug diff base.jsonl new.jsonl --format json | jq '.calls.divergence'

    Exit codes: 0 compared and no threshold crossed, 1 a --fail-on threshold
    crossed (or a worker process reading NEW or a part stopped, --jobs), 2 usage (a
    bad --fail-on, no such trace, an input holding several runs), 3 a trace
    that cannot be read.
    """
    request = DiffRequest(base, new, fail_on, context, strict, config_path, cache=not no_cache, jobs=jobs)
    report = diff_traces(request, Environment.current(warn, bars(not no_progress)))
    show(report, fmt, VIEWS)
    if report.crossed:
        sys.exit(EXIT_FAILED)

