"""Run the recorded app again in this process, traced, with the rerun answering its calls."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator

import orjson

from ..config import ResolvedSettings
from ..rerun.network import Network
from ..tracer.api import get_tracer
from ..tracer.argv import process_is_cli
from ..tracer.serialize import to_jsonable
from ..transport.opening import PLACEHOLDER_KEY
from .app import AppOutcome, run_traced
from ..model.errors import UsageError
from .choosing import not_here
from .closing import closed_network
from .guard import GuardedRerun
from .pinned import enter
from .recorded import Recorded


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


def run_again(recorded: Recorded, resolved: ResolvedSettings, rerun: GuardedRerun, replay_of: dict[str, Any], *,
              app_stdout_to_stderr: bool = False, last: bool = True) -> tuple[AppOutcome, Network]:
    """Run the app in its recorded directory with `tracer.rerun` set and the network closed (`closing.py`),
    entering the directory and reading the code as `locate` pinned them; the new run's `run_start` names
    the run it reruns (`attrs.replay_of`). Returns how the app ended and how the network was closed.

    With `last` (the process runs no app after this one) the command's run ends as the interpreter would end
    it (`run_traced`'s `own_process`); that shuts thread pools for good, so a command that runs the app again
    (verify's tries, bisect's reruns) passes False and its runs end when the main module does."""
    tracer = get_tracer()
    saved = os.getcwd()
    closes_process = process_is_cli()  # every rerun of the command runs in the process's one namespace
    own_process = last and closes_process
    assert recorded.where is not None  # recorded_target locates what it finds
    enter(recorded.where)  # the folder consent judged, by descriptor: not the name looked up again
    tracer.rerun = rerun
    try:
        with closed_network(rerun, closes_process) as closing:
            with _stdout_to_stderr(app_stdout_to_stderr), placeholder_keys(os.environ):
                outcome = run_traced(recorded.target, resolved, own_process=own_process,
                                     start_attrs={"replay_of": replay_of}, files=recorded.files)
    finally:
        tracer.rerun = None
        os.chdir(saved)
    assert closing.network is not None  # set as the block ends
    refused(rerun)
    return outcome, closing.network


def refused(rerun: GuardedRerun) -> None:
    """A UsageError (exit 2) when the rerun stopped the app before a tool whose arguments a recording from
    elsewhere chose (`choosing.py`), naming the tool and its arguments."""
    choosing = rerun.choosing
    if choosing is not None and choosing.refusal is not None:
        raise UsageError(f"not running {choosing.refusal}: {not_here()}",
                         hint="read the trace; to let it choose, add --yes, or answer the question on a terminal")


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


# SDKs that refuse to build a client without a key, by the variables they read it from (the first is set).
KEY_VARIABLES = (("OPENAI_API_KEY",), ("ANTHROPIC_API_KEY",), ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
                 ("MISTRAL_API_KEY",), ("GROQ_API_KEY",), ("CO_API_KEY", "COHERE_API_KEY"), ("TOGETHER_API_KEY",),
                 ("OPENROUTER_API_KEY",), ("DEEPSEEK_API_KEY",), ("XAI_API_KEY",), ("FIREWORKS_API_KEY",))


@contextlib.contextmanager
def placeholder_keys(environ: Any) -> Iterator[list[str]]:
    """A placeholder API key for each SDK whose variables are all unset, for the length of the rerun:
    a rerun needs no key, and the placeholder is never sent (the transport answers every request, and
    drops it from one that goes live) nor written (the environment is not recorded)."""
    added = [names[0] for names in KEY_VARIABLES if not any(environ.get(name) for name in names)]
    for name in added:
        environ[name] = PLACEHOLDER_KEY
    try:
        yield added
    finally:
        for name in added:
            if environ.get(name) == PLACEHOLDER_KEY:
                del environ[name]
