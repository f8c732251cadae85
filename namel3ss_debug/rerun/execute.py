"""Run the recorded app again in this process, traced, with the rerun answering its calls."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator

import orjson

from ..config import ResolvedSettings
from ..tracer.api import get_tracer
from ..tracer.launch import Outcome, run_traced
from ..tracer.serialize import to_jsonable
from .session import Rerun
from .target import Recorded


def recorded_form(event_type: str, inputs: Any) -> Any:
    """Inputs as the trace records them (redacted, cut, JSON): what `--match inputs` compares."""
    run = get_tracer().run
    try:
        if run is not None:
            line = run.recorder.pipeline.serialize({"event_type": event_type, "inputs": inputs})
            return orjson.loads(line).get("inputs")
        return to_jsonable(inputs)
    except Exception:
        return to_jsonable(inputs)


def run_again(recorded: Recorded, resolved: ResolvedSettings, rerun: Rerun, replay_of: dict[str, Any], *,
              app_stdout_to_stderr: bool = False) -> Outcome:
    """Run the app in its recorded directory with `tracer.replay` set; the new run's `run_start`
    names the run it replays (`attrs.replay_of`)."""
    tracer = get_tracer()
    saved = os.getcwd()
    os.chdir(recorded.cwd)
    tracer.replay = rerun
    try:
        with _stdout_to_stderr(app_stdout_to_stderr):
            return run_traced(recorded.target, resolved, start_attrs={"replay_of": replay_of})
    finally:
        tracer.replay = None
        os.chdir(saved)


@contextlib.contextmanager
def _stdout_to_stderr(enabled: bool) -> Iterator[None]:
    """While the app runs, its output (print, os.write, child processes) goes to stderr, keeping
    stdout for the report's JSON."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved_fd = os.dup(1)
    saved_stdout = sys.stdout
    try:
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = saved_stdout
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
