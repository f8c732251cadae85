"""`namel3ss-debug`: the command group and the entry point."""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any

import click

from .._version import __version__
from ..model.errors import EXIT_USAGE, Namel3ssDebugError, UsageError
from .errors import os_error, report
from .suggest import SuggestingGroup, usage_hint, usage_message

# Each command's module loads only when that command runs: `inspect --event N` must answer in well under
# 150 ms, and the analysis code alone takes 50 ms to import. The list --help shows is this table, so listing
# the commands loads none of them; a command's module imports its use case (ops/) at the top.
COMMANDS = {
    "trace": ("trace_cmd:trace", "Run a Python app with tracing on and summarise the run."),
    "analyze": ("analyze_cmd:analyze", "Summarise runs: latency, tokens, cost, errors, patterns, health."),
    "diagnose": ("diagnose_cmd:diagnose", "Say what went wrong in a run, who caused it, and what to try."),
    "runs": ("runs_cmd:runs", "List a directory's runs, filtered and sorted; --trend across them."),
    "check": ("check_cmd:check", "Fail CI when a run breaks rules: errors, latency, cost, events."),
    "inspect": ("inspect.command:inspect", "Look into a trace: events, one event or span, the tree, a timeline."),
    "replay": ("replay_cmd:replay", "Step through a run like pdb, or --rerun the app offline from it."),
    "config": ("config_cmd:config", "Show, create and check the configuration."),
    "diff": ("diff_cmd:diff", "What changed between two runs: figures, calls, first divergence."),
    "clean": ("clean_cmd:clean", "Delete traces older than the retention limit."),
    "redact": ("redact_cmd:redact", "Hide secrets in trace files already written (rewrites in place)."),
    "export": ("export_cmd:export", "Send runs to an OpenTelemetry backend; write OTLP/JSON, Perfetto."),
    "report": ("report_cmd:report", "Write a run (or two, compared) as one offline HTML page."),
    "view": ("view_cmd:view", "Serve the runs and report pages on 127.0.0.1; --follow live runs."),
    "verify": ("verify_cmd:verify", "Run today's code against a recorded run: fixed or regressed?"),
    "bisect": ("bisect_cmd:bisect", "Find the call whose answer broke a run, by offline reruns."),
    "golden": ("golden_cmd:golden", "Golden runs of pytest tests: do they still match?"),
}


class DebuggerGroup(SuggestingGroup):
    """Loads commands on demand; translates our errors to a message and an exit code, unless `--traceback`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, short_help = COMMANDS[name]
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
        command.short_help = short_help
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short help, from the table: listing them imports none."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise  # not an error: click shows the help
        except click.UsageError as error:
            raise _usage_error(error, ctx) from None  # main() reports it

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `namel3ss-debug config`: click shows the group's help
        except click.UsageError as error:
            # click's own complaints (a bad option value, a missing argument) read as ours: one line, exit 2
            ctx.exit(report(_usage_error(error, ctx)))
        except Namel3ssDebugError as error:
            if ctx.params.get("show_traceback"):
                error.show_traceback = True  # type: ignore[attr-defined]
                raise
            ctx.exit(report(error))
        except OSError as error:
            if error.errno == errno.EPIPE or ctx.params.get("show_traceback"):
                raise  # a closed pipe: click's main ends quietly, as `cmd | head` expects
            ctx.exit(report(os_error(error)))


def _usage_error(error: click.UsageError, ctx: click.Context) -> UsageError:
    """click's usage error as ours: its message, the nearest right word if any, and where to read about the
    command it was given to."""
    command = error.ctx.command_path if error.ctx else ctx.command_path
    return UsageError(usage_message(error), hint=usage_hint(error, command))


@click.group(cls=DebuggerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="namel3ss-debug")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show Python tracebacks for our own errors.")
def cli(show_traceback: bool) -> None:
    """A debugger for LLM-agent applications: record what an app did, then look into it.

    \b
      namel3ss-debug trace app.py --question "why?"     run app.py with tracing on
      namel3ss-debug inspect --errors-only              look into the newest trace
      namel3ss-debug runs --since 2d --status failed    the runs of a directory, filtered
      namel3ss-debug replay --step                      step through it like pdb
      namel3ss-debug replay --rerun                     run the app again offline, answered from it
      namel3ss-debug replay --rerun --fork llm:chat#2   go on for real from one call, changed
      namel3ss-debug verify RUN --base-url URL          does the recorded failure still happen?
      namel3ss-debug bisect RUN --good OTHER_RUN        which call's answer made the run fail
      namel3ss-debug golden status tests                which golden runs no longer match the code
      namel3ss-debug check --max-errors 0               gate it in CI
      namel3ss-debug diff base.jsonl new.jsonl          what changed between two runs
      namel3ss-debug config show                        effective configuration
      namel3ss-debug clean --dry-run                    traces past their retention
      namel3ss-debug redact run.jsonl                   hide secrets in a trace already written
      namel3ss-debug export run.jsonl --to otlp         send it to an OpenTelemetry backend
      namel3ss-debug report -o run.html                 the newest run as one offline HTML page
      namel3ss-debug view --follow                      that page on 127.0.0.1, updated as the run is written

    Traces are JSON Lines files (debug/traces/*.jsonl).

    Exit codes: 0 ok, 1 the traced app failed (or a check failed, a diff crossed a
    threshold, a replay script had a mistake, verify found a regression or could
    not tell, bisect found no call, a golden run no longer matches), 2 usage or
    configuration error, 3 invalid trace. trace exits with the app's own code. See
    DEBUGGING_GUIDE.md for the whole manual.

    \b
    Shell completion of commands, options and values (put the line in your shell's start-up file):
      bash  eval "$(_NAMEL3SS_DEBUG_COMPLETE=bash_source namel3ss-debug)"
      zsh   eval "$(_NAMEL3SS_DEBUG_COMPLETE=zsh_source namel3ss-debug)"
      fish  _NAMEL3SS_DEBUG_COMPLETE=fish_source namel3ss-debug | source
    """


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="namel3ss-debug")
    except Namel3ssDebugError as error:
        if getattr(error, "show_traceback", False):
            raise
        sys.exit(report(error) or EXIT_USAGE)  # raised outside a command (rare): still one line
    finally:
        lifecycle = sys.modules.get("namel3ss_debug.tracer.lifecycle")  # loaded only where a run was traced
        if lifecycle is not None:
            lifecycle.leave_stopped_threads()
