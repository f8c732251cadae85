"""`namel3ss-debug replay TRACE --rerun`: run the recorded app again, offline, every call answered from the trace.

A thin shell, which `replay` hands its `--rerun` to: the options become an `ops/rerun.ReplayRerun` (holding every
rerun's `RerunRequest`, built by cli/rerunning.py), the use case carries it out (the app allowed as
cli/questions.py asks), and the app's traceback, if any, and the report are shown. Its options are `replay`'s
(cli/options.py: `rerun_options`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ..launch.app import app_traceback
from ..launch.shown import shown
from ..ops.environment import Environment
from ..ops.rerun import ReplayRerun, rerun_trace
from ..model.messages import error_line
from ..ops.rerun_pick import Picked
from .errors import warn
from .output import BYTES, RENDERABLE, View, console, kept_stdout, show, tell
from .progress import bars
from .questions import announcer
from .rerunning import rerun_request
from .scripts import command_lines, history_path, scripted

VIEWS = {"text": View("render.rerun.text:render_report", RENDERABLE),
         "json": View("render.rerun.rerun_json:report_json", BYTES)}


def rerun(trace: str | None, fmt: str, step: bool, breaks: tuple[str, ...], commands_file: Path | None,
          mocks: tuple[str, ...], mock_files: tuple[Path, ...], run_id: str | None, strict: bool,
          config_path: Path | None, no_cache: bool, no_progress: bool, *, match: str | None, on_miss: str | None,
          live_tools: bool | None, cwd: Path | None, output: str | None, fork: str | None, answer: str | None,
          ask: str | None, fork_model: str | None, offline: bool, base_url: str | None, allowed: bool) -> int:
    """Run the app again as `replay --rerun` was asked; the exit code."""
    env = Environment.current(warn, bars(not no_progress))
    report_out = kept_stdout(fmt)
    asked = rerun_request(trace, fmt, env, cwd=cwd, output=output, config_path=config_path, allowed=allowed,
                          base_url=base_url)
    request = ReplayRerun(asked, strict, not no_cache, run_id, mocks, mock_files, match or "call", on_miss or "error",
                          bool(live_tools), fork, answer, ask, fork_model, offline,
                          make_stepper=_stepper_factory(step, breaks, commands_file, report_out),
                          forking_live=lambda *going: tell("render.rerun.live:fork_going_live", *going))
    done = rerun_trace(request, env, announcer(cwd, allowed, env), _say_picked)
    if done.app_error is not None:
        sys.stderr.write(app_traceback(done.app_error))
    show(done.report, fmt, VIEWS, stdout=report_out)
    for unused in done.report.unused_mocks:  # a usage error (exit 2): said where errors go, after the report
        click.echo(error_line(unused.said), err=True)
    return done.exit_code


def _say_picked(picked: Picked) -> None:
    """With no TRACE: which run is rerun, on stderr."""
    aside = f", {picked.passed_over} newer rerun(s) left aside" if picked.passed_over else ""
    label = os.path.relpath(picked.source.label) if picked.source.label.startswith(os.getcwd() + os.sep) \
        else picked.source.label
    click.echo(f"namel3ss-debug: no TRACE given: rerunning run {shown(picked.run_id or '?')} "
               f"({shown(label)}), the newest that is not a rerun{aside}", err=True)


def _stepper_factory(step: bool, breaks: tuple[str, ...], commands_file: Path | None, json_out: Any) -> Any:
    """What makes the rerun's console, or None when the rerun runs straight through (no --step, --break or
    --commands)."""
    if not (step or breaks or commands_file is not None):
        return None
    script = scripted(step, commands_file)
    lines = command_lines(commands_file) if script else None

    def make(recording: Any, resolved: Any) -> Any:
        from ..shell.rerun_console import RerunConsole  # noqa: PLC0415 - the shell, only when a rerun steps

        return RerunConsole(console(), console(stderr=True), step=step or lines is not None,
                            breakpoints=list(breaks), lines=lines, interactive=step and not script,
                            json_out=json_out, recording=recording, history=history_path(resolved))

    return make
