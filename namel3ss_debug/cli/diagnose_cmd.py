"""`namel3ss-debug diagnose [TRACE]...`: what went wrong in a run, which agent and step caused it, and what to try."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.choices import FINDING_KINDS as KINDS
from ..model.choices import FINDING_SEVERITIES as SEVERITIES
from .diagnose_experiment import GivenOptions, check_given, experiment_options, run_experiment, user_set
from .errors import warn
from .output import report_views, show
from .options import expect_option, format_option, parts_jobs_option, reading_options, trace_options
from .progress import bars
from .suggest import Choice
from ..ops.diagnose import DiagnoseRequest, diagnose_traces
from ..ops.environment import Environment
from ..ops.traces import TraceArgs

VIEWS = report_views("render.diagnose.table:render_diagnose", "render.diagnose.diagnose_json:render_diagnose_json",
                     "render.diagnose.markdown:render_diagnose_markdown")


@click.command("diagnose")
@trace_options
@format_option("table", "json", "markdown")
@click.option("--min-severity", type=Choice(SEVERITIES), default="info", show_default=True, metavar="SEVERITY",
              help=f"Only findings of this severity or worse: {', '.join(SEVERITIES)}.")
@click.option("--kind", "kinds", multiple=True, type=Choice(KINDS), metavar="KIND",
              help=f"Only findings of this kind (repeatable): {', '.join(KINDS)}.")
@expect_option
@parts_jobs_option
@reading_options
@experiment_options
@click.pass_context
def diagnose(context: click.Context, /, traces: tuple[str, ...], all_runs: bool, strict: bool, since: str | None,
             until: str | None, components: tuple[str, ...], config_path: Path | None, fmt: str, min_severity: str,
             kinds: tuple[str, ...], expect: str | None, jobs: int, prices_path: Path | None,
             no_cache: bool, no_progress: bool, no_pager: bool, **experiment: object) -> None:
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
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    Examples:
      namel3ss-debug diagnose debug/traces
      namel3ss-debug diagnose run.jsonl --min-severity warning
      namel3ss-debug diagnose run.jsonl --expect contains:Lisbon
      namel3ss-debug diagnose run.jsonl --format json | jq '.blames[0].step'

    Many runs (--all) are judged in worker processes (--jobs), the answer the
    one a single process gives. So is one big run (32 MiB a worker or more),
    cut at lines into parts, unless the workspace has checks to judge it by.

    \b
    With --experiment, the blame of one failed run is checked by experiment
    (this runs the app; the model is called): forks of the run re-ask the
    model from one of its calls on, the calls before answered from the
    recording, and the decisive call is the last one from which a re-ask
    still rescues the run (it passes, judged as verify judges a run) when
    a re-ask from the next call does not. The blame's candidates are tried
    first, then a binary search: about 2 + log2(n) fork points for n model
    calls, --tries forks at each. It says before it starts how many calls it
    may send and where (--live: where the app sent them; --base-url: there),
    and which tools may run for real; --max-calls and --max-cost bound it,
    and Ctrl-C stops it: either way it answers with what it learned. The
    forks stay as runs (`runs` lists them under the failed run), and the
    answer is kept beside them (RUN_ID.experiment.json) for report and view.
      namel3ss-debug diagnose failed.jsonl --experiment --live
      namel3ss-debug diagnose failed.jsonl --experiment --base-url http://127.0.0.1:8000 --tries 5
      namel3ss-debug diagnose failed.jsonl --experiment --live --max-calls 200 --format json

    Exit codes: 0 diagnosed (whatever it found: in CI, gate on findings with
    `check --fail-on-finding`), 1 a worker process reading runs stopped
    (--jobs), 2 usage, 3 a trace that cannot be read. With --experiment: 0
    the decisive call verified, 1 not confirmed (no re-ask rescued the run,
    the budget ran out, Ctrl-C, tries stopped at a miss), 2 usage (a run
    that passed, no --live or --base-url, the app not allowed).
    """
    given = GivenOptions(dict(context.params), user_set(context))
    check_given(given)
    if experiment["experiment"]:
        run_experiment(given, fmt, page=not no_pager)
    request = DiagnoseRequest(TraceArgs(traces, all_runs, strict, config_path), since, until, components, kinds,
                              min_severity, expect, prices_path, cache=not no_cache, jobs=jobs)
    show(diagnose_traces(request, Environment.current(warn, bars(not no_progress))), fmt, VIEWS, page=not no_pager)

