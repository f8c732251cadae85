"""`namel3ss-debug trace SCRIPT [ARGS]...` / `trace -m MODULE [ARGS]...`: run an app with tracing on."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..analysis.summary import summarize
from ..config import load_settings
from ..launch.app import Target, app_traceback, check_target, run_traced
from ..model.errors import Namel3ssDebugError, UsageError
from ..render.console import make_console
from ..render.summary import render_summary
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn
from .trace_checks import ai_app_options, check_ai_options, check_module, check_no_stray_option, prepare_output_dir

FLAG_NAMES = {
    "enabled": "trace",
    "trace_output_dir": "--output",
    "default_components": "--filter",
    "default_event_types": "--event-type",
    "redact": "--no-redact",
    "buffer_size": "--buffer-size",
    "max_trace_file_size_mb": "--max-file-size-mb",
    "capture_memory": "--capture-memory",
    "capture_http": "--capture-http",
}


@click.command("trace", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
               short_help="Run a Python app with tracing on and summarise the run.")
@click.option("-m", "module", metavar="MODULE", help="Run a module, as `python -m MODULE` does.")
@click.option("-o", "--output", metavar="DIRECTORY", help="Directory for the trace (trace_output_dir).")
@click.option("-f", "--filter", "components", multiple=True, metavar="COMPONENT",
              help="Record only this component (repeatable): app, agent, llm, tool, prompt, chain, memory, validation, http, custom.")
@click.option("--event-type", "event_types", multiple=True, metavar="TYPE",
              help="Record only this event type (repeatable), e.g. llm_call_end.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Workspace config file to read instead of .namel3ss/debug.json.")
@click.option("--no-redact", is_flag=True, help="Write secrets as they are (redaction is on by default).")
@click.option("--buffer-size", type=int, help="Events buffered before a write (buffer_size).")
@click.option("--max-file-size-mb", type=float, help="Rotate to a new segment past this size (max_trace_file_size_mb).")
@click.option("--capture-memory/--no-capture-memory", default=None,
              help="Record the process's resident memory (memory_mb) on end and instant events, "
                   "sampled at most every 50 ms.")
@click.option("--capture-http", type=click.Choice(["all", "llm", "off"]), metavar="all|llm|off",
              help="HTTP requests to record (capture_http): all (LLM API calls as llm spans, other requests "
                   "as http spans; the default), llm (LLM API calls only) or off.")
@click.option("--flow", metavar="NAME", help="For a namel3ss .ai app: the flow to run (needed when it has several).")
@click.option("--input", "flow_input", metavar="JSON", help="For a namel3ss .ai app: the flow's input, as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing after the run (not even the trace path).")
@click.argument("target", nargs=-1, type=click.UNPROCESSED, metavar="SCRIPT [ARGS]...")
def trace(module: str | None, output: str | None, components: tuple[str, ...], event_types: tuple[str, ...],
          config_path: Path | None, no_redact: bool, buffer_size: int | None, max_file_size_mb: float | None,
          capture_memory: bool | None, capture_http: str | None, flow: str | None,
          flow_input: str | None, quiet: bool, target: tuple[str, ...]) -> None:
    """Run a Python app (or a namel3ss .ai app) in this process with tracing on, then summarise the run.

    The app sees its own arguments in sys.argv, as under `python`. Its exit code
    becomes ours; an unhandled exception is recorded, its traceback printed, and
    the exit code is 1. Options go before SCRIPT; with -m, put `--` before app
    arguments that look like our options. LLM calls are recorded without code
    changes, whatever SDK or framework makes them, at the HTTP client (httpx,
    httpx2, requests; see --capture-http). An .ai app runs
    through the namel3ss package (pip install 'namel3ss-debug[namel3ss]').

    \b
    Examples:
      namel3ss-debug trace examples/research_agent.py
      namel3ss-debug trace -o /tmp/traces -f llm -f tool app.py --question "why?"
      namel3ss-debug trace -m mypkg.agent -- --verbose
      namel3ss-debug trace examples/namel3ss_app/app.ai --input '{"city": "Paris"}'
    """
    app = _target(module, target, _long_options(click.get_current_context().command), flow, flow_input)
    overrides = {
        "enabled": True, "trace_output_dir": output, "default_components": list(components) or None,
        "default_event_types": list(event_types) or None, "redact": False if no_redact else None,
        "buffer_size": buffer_size, "max_trace_file_size_mb": max_file_size_mb, "capture_memory": capture_memory,
        "capture_http": capture_http,
    }
    resolved = load_settings(os.environ, Path.cwd(), config_path=config_path, overrides=overrides,
                             override_source=FLAG_NAMES)
    for message in resolved.warnings:
        warn(message)
    prepare_output_dir(resolved.output_dir())
    outcome = run_traced(app, resolved)
    if app.is_ai_app and isinstance(outcome.exception, Namel3ssDebugError):  # ours, about the .ai app: the run ended
        raise outcome.exception
    if outcome.exception is not None and not isinstance(outcome.exception, KeyboardInterrupt):
        sys.stderr.write(app_traceback(outcome.exception))
    if not quiet:
        _print_summary(outcome.run.paths)
    sys.stdout.flush()
    sys.exit(outcome.exit_code)


def _target(module: str | None, target: tuple[str, ...], known_options: list[str], flow: str | None = None,
            flow_input: str | None = None) -> Target:
    """What to run, checked: a usage error here means nothing has started."""
    if not module:
        check_no_stray_option(target, known_options)
    if target and target[0] == "--":
        target = target[1:]
    if module:
        check_ai_options(None, flow, flow_input)
        check_module(module, Path.cwd())
        return Target(script=None, module=module, args=target)
    if not target:
        raise UsageError("nothing to run: give a script or -m MODULE", hint="e.g. namel3ss-debug trace app.py")
    app = Target(script=target[0], module=None, args=target[1:], flow=flow, input=flow_input)
    if app.is_ai_app and app.args:
        after = ai_app_options(app.args)
        for name, before in (("--flow", flow), ("--input", flow_input)):
            if name in after and before is not None:
                raise UsageError(f"{name} is given twice (before and after the app)", hint=f"give {name} once")
        flow, flow_input = after.get("--flow", flow), after.get("--input", flow_input)
        app = Target(script=target[0], module=None, args=(), flow=flow, input=flow_input)
    check_ai_options(app, flow, flow_input)
    check_target(app)
    return app


def _long_options(command: click.Command) -> list[str]:
    names = [name for param in command.params for name in (*param.opts, *param.secondary_opts)]
    return [name for name in names if name.startswith("--")]


def _print_summary(paths: list[Path]) -> None:
    console = make_console(stderr=True)
    if not paths:
        console.print("no events were written")
        return
    source = RunSource(str(paths[0]), tuple(str(path) for path in paths))
    reader = TraceReader(ReadProblems(), write_index=False)  # problems of a run just written show in `analyze`
    try:
        summary = summarize(located.event for located in reader.events(source))
    except Namel3ssDebugError as error:  # the app's exit code stands; the summary is a courtesy
        warn(f"no summary: {error}")
        return
    render_summary(console, summary, [str(p) for p in paths])
