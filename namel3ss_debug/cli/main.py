"""`namel3ss-debug`: the command group and the entry point."""

from __future__ import annotations

import sys
from typing import Any

import click

from .._version import __version__
from ..model.errors import EXIT_USAGE, Namel3ssDebugError
from .errors import report


class DebuggerGroup(click.Group):
    """Translates our errors to a message and an exit code, unless `--traceback` asks for the trace."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Namel3ssDebugError as error:
            if ctx.params.get("show_traceback"):
                error.show_traceback = True  # type: ignore[attr-defined]
                raise
            ctx.exit(report(error))


@click.group(cls=DebuggerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="namel3ss-debug")
@click.option("--traceback", "show_traceback", is_flag=True, help="Show Python tracebacks for our own errors.")
def cli(show_traceback: bool) -> None:
    """A debugger for LLM-agent applications. Today it records what an app did:

    \b
      namel3ss-debug trace app.py --question "why?"     run app.py with tracing on
      namel3ss-debug config show                        effective configuration
      namel3ss-debug clean --dry-run                    traces past their retention

    Traces are JSON Lines files (debug/traces/*.jsonl); until the reading commands
    arrive, read them with jq or Python.

    Exit codes: 0 ok, 1 the traced app failed, 2 usage or configuration error,
    3 invalid trace (kept for the reading commands). trace exits with the app's
    own code. See DEBUGGING_GUIDE.md for the whole manual.
    """


def _register() -> None:
    from .clean_cmd import clean
    from .config_cmd import config
    from .trace_cmd import trace

    for command in (trace, config, clean):
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="namel3ss-debug")
    except Namel3ssDebugError as error:
        if getattr(error, "show_traceback", False):
            raise
        sys.exit(report(error) or EXIT_USAGE)  # raised outside a command (rare): still one line
