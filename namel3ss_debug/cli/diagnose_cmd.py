"""`namel3ss-debug diagnose [TRACE]...`: what went wrong in a run, which agent and step caused it, and what to try."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..model.choices import FINDING_KINDS as KINDS
from ..model.choices import FINDING_SEVERITIES as SEVERITIES
from .errors import warn
from .options import no_cache_option, trace_options
from .progress import bars
from .suggest import Choice

if TYPE_CHECKING:
    from ..ops.diagnose import DiagnoseReport


@click.command("diagnose", short_help="Say what went wrong in a run, who caused it, and what to try.")
@trace_options
@click.option("--format", "output_format", type=Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="table for a terminal, json for jq and scripts, markdown for reports.")
@click.option("--min-severity", type=Choice(SEVERITIES), default="info", show_default=True, metavar="SEVERITY",
              help=f"Only findings of this severity or worse: {', '.join(SEVERITIES)}.")
@click.option("--kind", "kinds", multiple=True, type=Choice(KINDS), metavar="KIND",
              help=f"Only findings of this kind (repeatable): {', '.join(KINDS)}.")
@click.option("--expect", metavar="RULE", help="A rule on each run's final answer: contains:TEXT, equals:TEXT or "
              "matches:REGEX (RE2), as verify --expect takes it. A run whose answer breaks it failed, and is blamed.")
@click.option("--prices", "prices_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help='Model prices, USD per million tokens: {"gpt-4o": {"input": 2.5, "output": 10}}. '
                   "Wins over price_overrides and the genai-prices package.")
@no_cache_option
@click.option("--no-progress", is_flag=True, help="No progress bar (it shows only on a terminal, for big inputs).")
@click.option("--no-pager", is_flag=True, help="Never page. On a terminal, a report taller than the screen goes "
              "through $PAGER (default less, with LESS=FRX unless LESS is set).")
def diagnose(traces: tuple[str, ...], all_runs: bool, strict: bool, since: str | None, until: str | None,
             components: tuple[str, ...], config_path: Path | None, output_format: str, min_severity: str,
             kinds: tuple[str, ...], expect: str | None, prices_path: Path | None, no_cache: bool,
             no_progress: bool, no_pager: bool) -> None:
    """Diagnose runs: findings (a tool failing again and again, loops, limits,
    context, retries, work that could run at once or be cached, swallowed
    errors, what dominates cost or time), each with its evidence, why and
    what to try; and for a run that failed, the blame: the responsible
    agent, the decisive step and the chain from it to the failure.

    A run failed when it ended failed or with a non-zero exit code, when a
    critical finding says it gave up (an apology after a failure), when it
    breaks a rule of the workspace's `checks` section, or when its final
    answer breaks --expect. No model is called: the same trace gives the same
    diagnosis. Thresholds are the diagnose_* config keys.

    \b
    TRACE is a trace file, any segment of a run, a run id, a directory (its
    newest run; --all for every run) or - for standard input. With no TRACE,
    the newest run in trace_output_dir.

    \b
    Examples:
      namel3ss-debug diagnose debug/traces
      namel3ss-debug diagnose run.jsonl --min-severity warning
      namel3ss-debug diagnose run.jsonl --expect contains:Lisbon
      namel3ss-debug diagnose run.jsonl --format json | jq '.blames[0].step'

    Exit codes: 0 diagnosed (whatever it found: in CI, gate on findings with
    `check --fail-on-finding`), 2 usage, 3 a trace that cannot be read.
    """
    from ..ops.diagnose import DiagnoseRequest, diagnose_traces  # noqa: PLC0415 - loads when the command runs
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs
    from ..ops.traces import TraceArgs  # noqa: PLC0415 - loads when the command runs

    request = DiagnoseRequest(TraceArgs(traces, all_runs, strict, config_path), since, until, components, kinds,
                              min_severity, expect, prices_path, index=not no_cache)
    _print(diagnose_traces(request, Environment.current(warn, bars(not no_progress))), output_format, no_pager)


def _print(report: DiagnoseReport, output_format: str, no_pager: bool) -> None:
    if output_format == "json":
        from ..render.diagnose.diagnose_json import render_diagnose_json  # noqa: PLC0415 - each view loads when used

        sys.stdout.buffer.write(render_diagnose_json(report) + b"\n")
        return
    if output_format == "markdown":
        from ..render.diagnose.markdown import render_diagnose_markdown  # noqa: PLC0415 - each view loads when used

        sys.stdout.write(render_diagnose_markdown(report))
        return
    from ..render.diagnose.table import render_diagnose  # noqa: PLC0415 - Rich only for a table
    from .pager import print_paged  # noqa: PLC0415 - only a table is paged

    print_paged(lambda console: render_diagnose(console, report), page=not no_pager)
