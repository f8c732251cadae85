"""`namel3ss-debug check TRACE...`: judge runs against rules, for CI. Exit 0 all pass, 1 any fails."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click

from ..model.secret_scope import SCOPE as SECRET_SCOPE
from ..model.choices import CHECK_VOCABULARY as VOCABULARY
from ..model.errors import EXIT_FAILED, UsageError
from .errors import warn
from .output import BYTES, DRAWS, TEXT, View, show
from .options import (all_option, cache_option, config_option, format_option, parts_jobs_option, progress_option,
                      strict_option)
from .progress import bars
from ..ops.check import CheckRequest, check_traces
from ..ops.environment import Environment
from ..ops.traces import TraceArgs

if TYPE_CHECKING:
    from ..checks.results import CheckReport
VIEWS = {"table": View("render.check.table:render_check", DRAWS),
         "json": View("render.check.check_json:render_check_json", BYTES, "\n"),
         "github": View("render.check.github:render_github", TEXT)}

# The rule flags, generated from the vocabulary: a flag is its key with dashes (`max_p95` <-> `--max-p95`).
_HELP = {
    "max_errors": ("N", "At most N distinct errors (counted where each began), handled or not."),
    "max_unhandled_errors": ("N", "At most N errors that escaped the app (a crash); errors the app survived "
                                  "(a tool failure handed to the model) do not count."),
    "max_component_errors": ("COMPONENT=N", "At most N failed spans of COMPONENT (repeatable): tool=1."),
    "max_category_errors": ("CATEGORY=N", "At most N errors of CATEGORY (repeatable): auth=0, timeout=2."),
    "max_p95": ("TARGET=DURATION", "p95 latency of TARGET at most DURATION (repeatable): llm=3s."),
    "max_p99": ("TARGET=DURATION", "p99 latency of TARGET at most DURATION (repeatable)."),
    "max_latency": ("TARGET=DURATION", "Slowest span of TARGET at most DURATION (repeatable)."),
    "max_tokens": ("N", "At most N LLM tokens in all."),
    "max_cost": ("USD", "At most this LLM cost in USD: 0.50."),
    "max_llm_calls": ("N", "At most N LLM calls."),
    "max_tool_calls": ("N", "At most N tool calls."),
    "max_duration": ("DURATION", "The run lasts at most DURATION: 2m."),
    "require": ("SPEC[>=N]", "SPEC happens at least once, or N times (repeatable): tool:search>=2."),
    "require_order": ("A,B,...", "These happen in this order (others may come between; repeatable)."),
    "forbid": ("SPEC", "SPEC never happens (repeatable): error:auth, tool:delete_user."),
    "forbid_secrets": (None, "No event holds text that looks like a secret; a finding names the field and the "
                             "rule, never the secret. " + " ".join(f"{part}." for part in SECRET_SCOPE)),
    "clean_integrity": (None, "The trace is whole: no unclosed spans, gaps, torn or invalid lines."),
    "fail_on_finding": ("KIND[:SEVERITY]", "No finding of KIND (as `diagnose` finds them; any: every kind) of "
                                           "SEVERITY or worse (info, warning, critical; default warning). "
                                           "Repeatable: call_loop, any:critical."),
}


def _option(key: str) -> Callable[[Any], Any]:
    flag = "--" + key.replace("_", "-")
    metavar, text = _HELP[key]
    if metavar is None:
        return click.option(flag, key, is_flag=True, default=None, help=text)
    repeatable = VOCABULARY[key].startswith("map:") or key in ("require", "require_order", "forbid",
                                                               "fail_on_finding")
    return click.option(flag, key, multiple=repeatable, metavar=metavar, help=text)


def flag_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Every rule flag, in vocabulary order."""
    for key in reversed(list(VOCABULARY)):
        command = _option(key)(command)
    return command


def flag_values(params: dict[str, Any]) -> dict[str, Any]:
    """The rule flags among a command's parameters, keyed by vocabulary key."""
    return {key: params.get(key) for key in VOCABULARY}


@click.command("check")
@click.argument("traces", nargs=-1, metavar="[TRACE]...")
@all_option
@strict_option
@config_option
@click.option("--rules", "rules_path", type=click.Path(path_type=Path), metavar="FILE",
              help='Rules as JSON, the same keys as the flags: {"max_errors": 0, "max_p95": {"llm": "3s"}}.')
@flag_options
@format_option("table", "json", "github")
@click.option("--junit", "junit_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Also write JUnit XML: a testsuite per run, a testcase per rule.")
@parts_jobs_option
@progress_option
@cache_option
def check(traces: tuple[str, ...], all_runs: bool, strict: bool, config_path: Path | None, rules_path: Path | None,
          fmt: str, junit_path: Path | None, jobs: int, no_progress: bool, no_cache: bool,
          **flags: Any) -> None:
    """Check runs against rules and exit 1 if any rule fails: a gate for CI.

    Rules come from three places, lowest first: the `checks` object of
    .namel3ss/debug.json, --rules FILE, then the flags. A later rule on the
    same thing (same key and target) replaces an earlier one; others add up.

    \b
    Durations: 500ms, 3s, 2m (a bare number is ms). TARGET: a component
    (llm) or an operation (llm:planner; a span kind such as agent_turn and
    globs such as tool:* work too). SPEC: COMPONENT[:NAME] for spans and
    instant events (tool:search, tool:delete_*), error[:CATEGORY] for errors.

    \b
    TRACE is a trace file, any segment of a run, a run id, a directory (its
    newest run; --all for every run, each checked on its own) or - for
    standard input. With no TRACE, the newest run in trace_output_dir.
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    Examples:
      namel3ss-debug check run.jsonl --max-errors 0 --max-cost 0.50 --max-p95 llm=3s --junit out.xml
      namel3ss-debug check debug/traces --all --require tool:search --forbid error:auth
      namel3ss-debug check run.jsonl --require-order llm:planner,tool:search,llm:writer --forbid-secrets
      namel3ss-debug check run.jsonl --rules ci-rules.json --format github
      namel3ss-debug check run.jsonl --fail-on-finding any:critical --fail-on-finding call_loop

    Exit codes: 0 every rule passed on every run, 1 a rule failed (or a
    worker process reading runs stopped, --jobs), 2 usage
    (a bad flag, rule or rules file; no rules at all), 3 a trace that cannot
    be read.
    """
    request = CheckRequest(TraceArgs(traces, all_runs, strict, config_path), rules_path, flag_values(flags),
                           cache=not no_cache, jobs=jobs)
    report = check_traces(request, Environment.current(warn, bars(not no_progress)))
    _warn_notes(report)
    if junit_path is not None:
        _write_junit(report, junit_path)
    show(report, fmt, VIEWS)
    if not report.passed:
        click.get_current_context().exit(EXIT_FAILED)


def _warn_notes(report: CheckReport) -> None:
    """A rule that passed only because there was nothing to measure says so, on stderr; and forbid_secrets
    what it looked for and cannot see. A note the same for several runs is said once."""
    notes = [f"{result.rule}: {detail}" for run in report.runs for result in run.results if result.passed
             for detail in result.details]
    for note in dict.fromkeys(notes):
        warn(note)


def _write_junit(report: CheckReport, path: Path) -> None:
    from ..render.check.junit import write_junit  # noqa: PLC0415 - each view loads only when used

    try:
        write_junit(report, path)
    except OSError as error:
        raise UsageError(f"--junit {path}: {error.strerror or error}") from None

