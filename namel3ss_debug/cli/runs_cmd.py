"""`namel3ss-debug runs [DIR]`: a directory's runs from its run index, filtered and sorted; `--trend` the figures
across them."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.collector import collector_paused
from ..model.choices import FINDING_SEVERITIES
from ..model.errors import UsageError
from ..model.limits import COUNT_MAX
from ..model.choices import HEALTH_VERDICTS, LINEAGES, SORTS
from .errors import warn
from .output import BYTES, DRAWS, STREAMS, View, show
from .options import config_option, format_option, jobs_option, pager_option, progress_option
from .progress import bars
from .suggest import Choice
from ..ops.environment import Environment
from ..ops.runs.catalogue import CatalogueRequest
from ..ops.runs.listing import GROUP, RunsRequest, listed_runs

VIEWS = {"table": View("render.runs.table:render_runs", STREAMS),
         "json": View("render.runs.runs_json:render_runs_json", BYTES, "\n"),
         "jsonl": View("render.runs.runs_json:render_runs_jsonl", BYTES)}
TREND_VIEWS = {**VIEWS, "table": View("render.runs.trend:render_trend", DRAWS)}


@click.command("runs")
@click.argument("directory", required=False, metavar="[DIR]")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="Only runs of this outcome (repeatable): failed (ended failed, a non-zero exit, or gave up: "
                   "the runs of health failing), completed, stopped (a rerun stopped it), unfinished (no "
                   "run_end), or any other status a run_end recorded.")
@click.option("--health", multiple=True, type=Choice(HEALTH_VERDICTS), metavar="VERDICT",
              help=f"Only runs of this health verdict (repeatable): {', '.join(HEALTH_VERDICTS)}.")
@click.option("--since", metavar="WHEN", help="Only runs started at or after WHEN: back from now (30m, 3h, 2d, "
              "1w) or a UTC date and time (2026-11-20, 2026-11-20T09:00, or with a zone).")
@click.option("--until", metavar="WHEN", help="Only runs started before WHEN (same forms as --since).")
@click.option("--model", "models", multiple=True, metavar="MODEL",
              help="Only runs that called this model (repeatable: any of them).")
@click.option("--grep", metavar="TEXT", help="Only runs whose question, answer or error messages, or id, entry, "
              "tags, models, frameworks, tools, error types or finding kinds, hold TEXT (any case; searched as text: "
              "quotes, *, - and NEAR in it are characters to find).")
@click.option("--min-cost", type=click.FloatRange(0), metavar="USD",
              help="Only runs that cost at least USD; a run of unknown cost is left out (never taken as $0).")
@click.option("--finding", "findings", multiple=True, metavar="KIND[:SEVERITY]",
              help="Only runs with a finding of KIND (any: every kind) of SEVERITY or worse (default warning; "
                   f"{', '.join(FINDING_SEVERITIES)}), as check --fail-on-finding reads it. Repeatable: any of them.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Only runs tagged TAG (repeatable: all of them).")
@click.option("--entry", metavar="ENTRY", help="Only runs of this entry, as the table shows it (script app.py).")
@click.option("--reruns", type=Choice(LINEAGES), default="show", show_default=True,
              help="Reruns and forks: show them (marked under their id), hide them, or only them.")
@click.option("--sort", type=Choice(SORTS), default="started", show_default=True,
              help="Largest (newest) first; a run whose figure is unknown comes last.")
@click.option("--reverse", is_flag=True, help="Smallest (oldest) first.")
@click.option("--limit", type=click.IntRange(0, COUNT_MAX), metavar="N", help="At most N runs.")
@format_option("table", "json", "jsonl")
@click.option("--trend", is_flag=True, help="Figures across the runs chosen: each operation's p50/p95 over all "
              "their spans, cost and tokens per UTC day, the error rate, the tools that fail most, and the runs "
              "that regressed against the last earlier run of the same entry that did not crash.")
@click.option("--regression", "regressions", multiple=True, metavar="EXPRESSION",
              help="With --trend: what regressed means, as diff --fail-on writes it over a run figure "
                   "(duration, llm_calls, tool_calls, tokens, cost, errors, handled_errors, unhandled_errors), "
                   "repeatable; default duration>+50%, cost>+25%, tokens>+25%, errors>+0.")
@click.option("--whole-only", "whole_only", is_flag=True, help="Leave out the runs whose lines are torn, invalid "
              "or out of sequence (a warning names them); without it they are listed, their problems counted.")
@config_option
@jobs_option
@progress_option
@pager_option
def runs(directory: str | None, statuses: tuple[str, ...], health: tuple[str, ...], since: str | None,
         until: str | None, models: tuple[str, ...], grep: str | None, min_cost: float | None,
         findings: tuple[str, ...], tags: tuple[str, ...], entry: str | None, reruns: str, sort: str, reverse: bool,
         limit: int | None, fmt: str, trend: bool, regressions: tuple[str, ...], whole_only: bool,
         config_path: Path | None, jobs: int, no_progress: bool, no_pager: bool) -> None:
    """List the runs of a directory of traces, one line each: id, start,
    entry, outcome (failed (exit 1), failed (gave up), completed: health
    is failing exactly when it is failed), duration, LLM and tool calls, tokens, cost, errors,
    health, findings, and what it was asked and answered (question ->
    answer: what its first LLM call asked, else the app's arguments; its
    last LLM answer), each figure analyze's for that run
    alone (an unknown cost reads unknown, never $0). On a narrow terminal
    the figures that do not fit beside the question and answer are left
    out. A rerun or fork is marked under its id with the run it came from.

    \b
    The list is read from the directory's run index, .namel3ss-runs.sqlite,
    brought up to date first: only runs new, grown, rotated or rewritten
    since are read again, runs deleted leave it. A missing, stale or corrupt
    index is rebuilt from the traces (a note on stderr says so); a directory
    that cannot hold it is indexed in memory for the command, and so is one
    whose index is a link, not a regular file, or another user's (left as
    it is). An index whose schema or rows are not what runs writes is made
    again, or its runs read again from their traces.

    \b
    --trend shows figures across the runs chosen (after the filters and
    --limit), and regressions: each run judged against its baseline, the
    last earlier run of the same entry that did not crash (ended failed, a
    non-zero exit, never ended; a run that gave up is a baseline), by the
    --regression rules, a worse health
    verdict, and a finding of warning or worse the baseline did not have.

    \b
    On a terminal a long list shows its first 2,000 runs while the rest
    are read from the index (a column a later run needs wider widens from
    there on); off a terminal every run is laid out at once.

    \b
    DIR is a directory of traces; with none, trace_output_dir. A folder in a
    store (s3://bucket/prefix/, gs://, az://...) is listed from an index kept
    in memory for the command (see docs/files.md).

    \b
    Examples:
      namel3ss-debug runs debug/traces
      namel3ss-debug runs debug/traces --status failed --since 2d
      namel3ss-debug runs debug/traces --grep Paris
      namel3ss-debug runs debug/traces --sort cost --limit 10
      namel3ss-debug runs debug/traces --finding any:critical --reruns hide
      namel3ss-debug runs debug/traces --format jsonl | jq -r .run_id
      namel3ss-debug runs debug/traces --trend --regression 'cost>+10%'

    Exit codes: 0 listed (whatever the runs' outcomes, and when no run
    matches), 1 a worker process reading runs stopped (--jobs) or the index
    cannot be written, 2 usage (a bad option, more than 100 values of one filter,
    DIR not a directory, a directory with no traces), 3 DIR cannot be listed
    or no run in it can be read (with --whole-only: none is free of torn,
    invalid or out-of-sequence lines).
    """
    if fmt == "jsonl" and trend:
        raise UsageError("--trend is one document, and jsonl is one run a line", hint="use --format json or table")
    if regressions and not trend:
        raise UsageError("--regression judges runs for --trend", hint="add --trend")
    catalogue = CatalogueRequest(directory, config_path, whole_only, jobs=jobs)
    request = RunsRequest(catalogue, statuses, health, since, until, models, grep, min_cost, findings, tags, entry,
                          reruns, sort, reverse, limit, trend, regressions)
    # rows and their lines make no cycles: the collector walking 100,000 of them was half the time
    # a table's runs come from the index a group at a time, the first shown while the rest are read
    group = GROUP if fmt == "table" else None
    with collector_paused(), listed_runs(request, Environment.current(warn, bars(not no_progress)),
                                         group=group) as listing:
        show(listing, fmt, TREND_VIEWS if listing.trend is not None else VIEWS, page=not no_pager)

