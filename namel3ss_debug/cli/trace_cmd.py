"""`namel3ss-debug trace SCRIPT [ARGS]...` / `trace -m MODULE [ARGS]...`: run an app with tracing on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..model.events import COMPONENTS
from .errors import warn
from .output import console
from .options import config_option, output_option
from .suggest import Choice
from ..ops.environment import Environment
from ..ops.trace.trace import TraceRequest, trace_app

if TYPE_CHECKING:
    from ..ops.trace.trace import TracedRun


@click.command("trace", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-m", "module", metavar="MODULE", help="Run a module, as `python -m MODULE` does.")
@output_option()
@click.option("-f", "--filter", "components", multiple=True, metavar="COMPONENT",
              help=f"Record only this component (repeatable): {', '.join(COMPONENTS)}.")
@click.option("--event-type", "event_types", multiple=True, metavar="TYPE",
              help="Record only this event type (repeatable), e.g. llm_call_end.")
@config_option
@click.option("--no-redact", is_flag=True, help="Write secrets as they are (redaction is on by default).")
@click.option("--buffer-size", type=int, help="Events buffered before a write (buffer_size).")
@click.option("--max-file-size-mb", type=float, help="Rotate to a new segment past this size (max_trace_file_size_mb).")
@click.option("--capture-memory/--no-capture-memory", default=None,
              help="Record the process's resident memory (memory_mb) on end and instant events, "
                   "sampled at most every 50 ms.")
@click.option("--capture-http", type=Choice(["all", "llm", "off"]), metavar="all|llm|off",
              help="HTTP requests to record (capture_http): all (LLM API calls as llm spans, other requests "
                   "as http spans; the default), llm (LLM API calls only) or off.")
@click.option("--flow", metavar="NAME", help="For a namel3ss .ai app: the flow to run (needed when it has several).")
@click.option("--input", "flow_input", metavar="JSON", help="For a namel3ss .ai app: the flow's input, as JSON.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Label the run (repeatable), added to the configured tags: run_start.attrs.tags.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing after the run (not even the trace path).")
@click.argument("target", nargs=-1, type=click.UNPROCESSED, metavar="SCRIPT [ARGS]...")
def trace(module: str | None, output: str | None, components: tuple[str, ...], event_types: tuple[str, ...],
          config_path: Path | None, no_redact: bool, buffer_size: int | None, max_file_size_mb: float | None,
          capture_memory: bool | None, capture_http: str | None, flow: str | None,
          flow_input: str | None, tags: tuple[str, ...], quiet: bool, target: tuple[str, ...]) -> None:
    """Run a Python app (or a namel3ss .ai app) in this process with tracing on, then summarise the run.

    The app sees its own arguments in sys.argv, as under `python`. Its exit code
    becomes ours; an unhandled exception is recorded, its traceback printed, and
    the exit code is 1. Options go before SCRIPT; with -m, put `--` before app
    arguments that look like our options. LLM calls are recorded without code
    changes, whatever SDK or framework makes them, at the HTTP client (httpx,
    httpx2, requests; see --capture-http). An .ai app runs
    through the namel3ss package (pip install 'namel3ss-debug[namel3ss]').
    With trace_upload_url set, the run is then sent to that bucket, and its
    local files removed once the bucket holds them; a run that cannot be
    sent stays, one warning says why, and the exit code is still the app's.

    \b
    Examples:
      namel3ss-debug trace examples/research_agent.py
      namel3ss-debug trace -o /tmp/traces -f llm -f tool app.py --question "why?"
      namel3ss-debug trace --tag nightly --tag model-b app.py
      namel3ss-debug trace -m mypkg.agent -- --verbose
      namel3ss-debug trace examples/namel3ss_app/app.ai --input '{"city": "Paris"}'
    """
    request = TraceRequest(
        target, module, _long_options(click.get_current_context().command), output=output, components=components,
        event_types=event_types, config_path=config_path, no_redact=no_redact, buffer_size=buffer_size,
        max_file_size_mb=max_file_size_mb, capture_memory=capture_memory, capture_http=capture_http, flow=flow,
        flow_input=flow_input, tags=tags, summary=not quiet)
    traced = trace_app(request, Environment.current(warn))
    if traced.traceback is not None:
        sys.stderr.write(traced.traceback)
    if not quiet:
        _print_summary(traced)
    if traced.sent is not None and traced.sent.problem is not None:  # said even with --quiet: the run stays here
        click.echo(traced.sent.problem, err=True)
    sys.stdout.flush()
    sys.exit(traced.exit_code)


def _long_options(command: click.Command) -> tuple[str, ...]:
    names = [name for param in command.params for name in (*param.opts, *param.secondary_opts)]
    return tuple(name for name in names if name.startswith("--"))


def _print_summary(traced: TracedRun) -> None:
    from ..render.summary import render_sent, render_summary  # noqa: PLC0415 - Rich: not for --help

    err = console(stderr=True)
    if not traced.paths:
        err.print("no events were written")
        return
    if traced.summary is None:  # the app's exit code stands; the summary is a courtesy
        warn(f"no summary: {traced.summary_error}")
        return
    render_summary(err, traced.summary, _where(traced))
    if traced.sent is not None:
        render_sent(err, traced.sent, traced.run_id)


def _where(traced: TracedRun) -> list[str]:
    """The run's files: in the bucket once it was sent and its local files removed, else on this disk."""
    sent = traced.sent
    if sent is not None and not sent.keep_local and traced.run_id in sent.objects and sent.objects[traced.run_id]:
        return sent.objects[traced.run_id]
    return [str(p) for p in traced.paths]
