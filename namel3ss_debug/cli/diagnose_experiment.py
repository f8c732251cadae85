"""`namel3ss-debug diagnose TRACE --experiment`: the decisive model call of a failed run, found by re-asking the model.

A thin shell: its options (given to `diagnose`), checked against the reading options it does not take, then
`ops/experiment.experiment_trace` (the app allowed as `replay --rerun` allows it), its plan and progress on stderr,
its report in the format asked, and its exit code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable

import click

from .errors import warn
from .output import BYTES, DRAWS, TEXT, View, show, tell
from .options import Command, app_options, live_options, output_option
from .progress import bars
from .questions import announcer
from ..model.errors import UsageError
from ..judging.experiment_report import DEFAULT_TRIES, MAX_TRIES
from ..ops.environment import Environment

VIEWS = {"table": View("render.diagnose.experiment_table:render_experiment", DRAWS),
         "json": View("render.diagnose.experiment_json:experiment_json", BYTES, "\n"),
         "markdown": View("render.diagnose.experiment_markdown:experiment_markdown", TEXT)}
OWN = ("tries", "max_calls", "max_cost", "base_url", "live_own", "live_requests", "cwd", "output", "allowed")


def experiment_options(command: Command) -> Command:
    """`--experiment` and the options only it takes."""
    for option in reversed((
        click.option("--experiment", is_flag=True,
                     help="Find the decisive model call by experiment: fork the failed run at its model calls, "
                          "re-ask the model from there on (live: --live or --base-url), and find the call after "
                          "which no re-ask rescues the run. Runs the app; said before it starts."),
        click.option("--tries", type=click.IntRange(1, MAX_TRIES), default=None, metavar="N",
                     help=f"With --experiment: forks at each fork point (default {DEFAULT_TRIES})."),
        click.option("--max-calls", type=click.IntRange(1), default=None, metavar="N",
                     help="With --experiment: send at most N model calls in all; the search stops with its best "
                          "answer so far."),
        click.option("--max-cost", type=click.FloatRange(0, min_open=True), default=None, metavar="USD",
                     help="With --experiment: spend at most USD on model calls, priced as analyze prices them "
                          "(a try is started only when the recording's cost of what it re-asks fits)."),
    )):
        command = option(command)
    return live_options(app_options(output_option()(command)))


@dataclass(frozen=True)
class GivenOptions:
    """The options `diagnose` was given, by name, and which of them the user set."""

    values: dict[str, Any]
    set_by_user: frozenset[str]


def check_given(given: GivenOptions) -> None:
    """UsageError for an experiment's option without --experiment, or a reading option with it."""
    experiment = given.values["experiment"]
    if not experiment:
        extra = [name for name in OWN if name in given.set_by_user]
        if extra:
            flag = "--" + extra[0].replace("_", "-").replace("live-own", "live").replace("allowed", "yes")
            raise UsageError(f"{flag} works only with --experiment", hint=f"add --experiment, or drop {flag}")
        return
    refused = [name for name in ("all_runs", "since", "until", "components", "kinds", "min_severity", "jobs")
               if name in given.set_by_user]
    if refused:
        flag = "--" + refused[0].replace("_", "-").replace("all-runs", "all").replace("components", "component") \
            .replace("kinds", "kind")
        raise UsageError(f"{flag} does not apply to --experiment, which re-asks the model in one run",
                         hint=f"drop {flag}; diagnose without --experiment reads findings by it")
    if len(given.values["traces"]) != 1:
        raise UsageError("--experiment re-asks the model in one run: name its trace file or run id",
                         hint="e.g. namel3ss-debug diagnose failed.jsonl --experiment --live")


def run_experiment(given: GivenOptions, fmt: str, page: bool) -> None:
    """Run the experiment the options ask for, show its report and exit with its code."""
    from ..ops.experiment import ExperimentRequest, Hearing, experiment_trace  # noqa: PLC0415 - runs the app
    from .rerunning import rerun_request  # noqa: PLC0415 - with the experiment

    values = given.values
    env = Environment.current(warn, bars(not values["no_progress"]))
    rerun = rerun_request(values["traces"][0], fmt, env, cwd=values["cwd"], output=values["output"],
                          config_path=values["config_path"], allowed=values["allowed"], base_url=values["base_url"],
                          live_own=values["live_own"], live_requests=values["live_requests"])
    request = ExperimentRequest(rerun, values["expect"], values["tries"] or DEFAULT_TRIES, values["max_calls"],
                                values["max_cost"], values["prices_path"])
    quiet = values["no_progress"]
    hearing = Hearing(_told("render.diagnose.experiment_table:plan"),
                      _told("render.diagnose.experiment_table:trying", quiet),
                      _told("render.diagnose.experiment_table:tried", quiet))
    report = experiment_trace(request, env, announcer(values["cwd"], values["allowed"], env), hearing)
    show(report, fmt, VIEWS, page=page)
    sys.exit(report.exit_code)


def _told(view: str, quiet: bool = False) -> Callable[..., None]:
    """A line on stderr for each thing heard (none when `quiet`: --no-progress)."""
    return (lambda *args: None) if quiet else (lambda *args: tell(view, *args))


def user_set(context: click.Context) -> frozenset[str]:
    """The parameters given on the command line (not their defaults)."""
    return frozenset(name for name in context.params
                     if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE)

