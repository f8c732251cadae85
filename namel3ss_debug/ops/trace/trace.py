"""`trace`'s use case: an app run in this process with tracing on, then the run read back for its summary.

Everything that can be a usage error (what to run, the options of an .ai app, the trace directory) is
checked before the app starts: a mistake is exit 2, never a run that fails inside runpy or runs untraced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...analysis.analyze import analyze
from ...analysis.summary import SUMMARY_SECTIONS, RunSummary, summary_of
from ...config import ResolvedSettings, load_settings
from ...config.rules import parse_value
from ...launch.app import AppOutcome, Target, app_traceback, check_target, run_traced
from ...launch.uploading import Sent, send_finished, sending_for
from ...model.errors import Namel3ssDebugError, UsageError
from ...store.problems import ReadProblems
from ...store.reader import TraceReader
from ...store.sources import RunSource
from ..environment import Environment
from ..traces import make_pricer
from .checks import ai_app_options, check_ai_options, check_module, check_no_stray_option, prepare_output_dir

if TYPE_CHECKING:
    from ...analysis.prices import Pricer

# After Ctrl-C, the largest run read for the summary (all its segments): `trace` is to end within seconds of an
# interrupt, and a bigger run is read by `analyze` when it is wanted (issue 97).
SUMMARY_AFTER_INTERRUPT_BYTES = 16 << 20

FLAG_NAMES = {  # where a setting given here came from, as `config show` and run_start say
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


@dataclass(frozen=True)
class TraceRequest:
    """What to run (SCRIPT [ARGS]... as given, or -m MODULE) and the settings `trace --help` names; None or
    () is "not given"."""

    target: tuple[str, ...] = ()
    module: str | None = None
    known_options: tuple[str, ...] = ()  # trace's long options, to name the one meant where SCRIPT goes
    output: str | None = None
    components: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    config_path: Path | None = None
    no_redact: bool = False
    buffer_size: int | None = None
    max_file_size_mb: float | None = None
    capture_memory: bool | None = None
    capture_http: str | None = None
    flow: str | None = None
    flow_input: str | None = None
    tags: tuple[str, ...] = ()  # `--tag`: added to the configured `tags`
    summary: bool = True  # read the run back for its summary


@dataclass(frozen=True)
class TracedRun:
    """How the app ended and what it left: its exit code, the traceback of an exception it did not handle
    (not for Ctrl-C), the trace's files, the run's summary or why there is none, and, with `trace_upload_url` or
    `run_index_url`, what was sent to the bucket and put in the index (this run and those earlier runs left) or
    why not."""

    exit_code: int
    traceback: str | None
    paths: list[Path]
    summary: RunSummary | None = None
    summary_error: str | None = None  # the trace could not be read back: the app's exit code stands
    run_id: str | None = None
    sent: Sent | None = None


def trace_app(request: TraceRequest, env: Environment) -> TracedRun:
    """Run the app traced. Raises UsageError before the app starts for a mistake in what to run or where the
    trace goes; an error of ours about an .ai app ends the run and is raised too."""
    app = _target(request, env.cwd)
    overrides = {
        "enabled": True, "trace_output_dir": request.output, "default_components": list(request.components) or None,
        "default_event_types": list(request.event_types) or None, "redact": False if request.no_redact else None,
        "buffer_size": request.buffer_size, "max_trace_file_size_mb": request.max_file_size_mb,
        "capture_memory": request.capture_memory, "capture_http": request.capture_http,
    }
    resolved = with_tags(load_settings(env.environ, env.cwd, config_path=request.config_path, overrides=overrides,
                                       override_source=FLAG_NAMES), request.tags)
    for message in resolved.warnings:
        env.warn(message)
    prepare_output_dir(resolved.output_dir())
    outcome = run_traced(app, resolved, upload=True)
    if app.is_ai_app and isinstance(outcome.exception, Namel3ssDebugError):  # ours, about the .ai app: the run ended
        raise outcome.exception
    traced = _read_back(request, env, resolved, outcome)
    sending = sending_for(resolved.settings, outcome.run.directory)
    if sending is None:  # sent only once read: the summary reads the local files
        return traced
    return replace(traced, run_id=outcome.run.run_id, sent=send_finished(sending, first=outcome.run.run_id))


def _read_back(request: TraceRequest, env: Environment, resolved: ResolvedSettings, outcome: AppOutcome) -> TracedRun:
    """The run just written, read for its summary (unless --quiet, or after Ctrl-C a run too big to read soon)."""
    error = outcome.exception
    shown = app_traceback(error) if error is not None and not isinstance(error, KeyboardInterrupt) else None
    paths = list(outcome.run.paths)
    if not request.summary or not paths:
        return TracedRun(outcome.exit_code, shown, paths)
    too_big = _too_big_after_interrupt(paths) if isinstance(error, KeyboardInterrupt) else None
    if too_big is not None:
        return TracedRun(outcome.exit_code, shown, paths, summary_error=too_big)
    try:
        summary = _summary(paths, make_pricer(env, None, resolved.settings.price_overrides),
                           outcome.run.llm_traffic)
    except Namel3ssDebugError as failure:
        return TracedRun(outcome.exit_code, shown, paths, summary_error=str(failure))
    except KeyboardInterrupt:  # Ctrl-C while the run is read: the trace is whole, the summary is a courtesy
        return TracedRun(outcome.exit_code, shown, paths, summary_error=_not_read("interrupted while reading it",
                                                                                  paths))
    return TracedRun(outcome.exit_code, shown, paths, summary)


def _too_big_after_interrupt(paths: list[Path]) -> str | None:
    """Why the summary of an interrupted run is not read, or None: after Ctrl-C the user wants the command to
    end, and reading a big run for its summary would take seconds for each ten megabytes or so."""
    size = sum(_size(path) for path in paths)
    if size <= SUMMARY_AFTER_INTERRUPT_BYTES:
        return None
    return _not_read(f"the run was interrupted and its trace is {size / 2**20:.1f} MiB (over "
                     f"{SUMMARY_AFTER_INTERRUPT_BYTES >> 20} MiB, the most read after Ctrl-C)", paths)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone or unreadable: the reading would say so; here it weighs nothing
        return 0


def _not_read(why: str, paths: list[Path]) -> str:
    return f"{why}; read it with: namel3ss-debug analyze {paths[0]}"


def with_tags(resolved: ResolvedSettings, tags: tuple[str, ...]) -> ResolvedSettings:
    """The settings with `--tag`s added after the configured `tags` (a tag given twice kept once); a bad one is
    a ConfigError naming `--tag`, as a bad configured one names its file or variable."""
    if not tags:
        return resolved
    given = parse_value("tags", list(tags), from_env=False, where="--tag")
    assert isinstance(given, tuple)  # a list key parses to a tuple of strings
    source = resolved.sources.get("tags", "default")
    settings = replace(resolved.settings, tags=tuple(dict.fromkeys((*resolved.settings.tags, *given))))
    label = "--tag" if source == "default" else f"{source} and --tag"
    return replace(resolved, settings=settings, sources={**resolved.sources, "tags": label})


def _target(request: TraceRequest, cwd: Path) -> Target:
    """What to run, checked: a usage error here means nothing has started."""
    module, target, flow, flow_input = request.module, request.target, request.flow, request.flow_input
    if not module:
        check_no_stray_option(target, request.known_options)
    if target and target[0] == "--":
        target = target[1:]
    if module:
        check_ai_options(None, flow, flow_input)
        check_module(module, cwd)
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


def _summary(paths: list[Path], pricer: Pricer, llm_traffic: dict[str, dict[str, int]]) -> RunSummary:
    """The run just written, read as `analyze` reads it (the same pass, the same prices): one figure, one place."""
    source = RunSource(str(paths[0]), tuple(str(path) for path in paths))
    reader = TraceReader(ReadProblems(), write_index=False)  # problems of a run just written show in `analyze`
    report = analyze([(source, reader.records(source))], pricer=pricer,
                     sections=SUMMARY_SECTIONS)
    return summary_of(report, llm_traffic)
