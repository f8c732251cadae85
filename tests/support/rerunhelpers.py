"""Recording an app in memory and running it again under a rerun, in this process, and running the command as
a user's shell runs it: for the rerun, fork, verify and bisect tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from dataclasses import fields
from typing import Any, Callable

from namel3ss_debug import get_tracer
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.model.seals import Seals
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.rerun.answerer import Rerun
from namel3ss_debug.rerun.fork_policy import ForkPolicy
from namel3ss_debug.rerun.policy import Policy
from namel3ss_debug.testing.capture import capture_events

Event = dict[str, Any]

# The fake model's call in an offline app's source (namel3ss_debug.testing.FakeLLM, no network): `chat` asks
# the LLM the app defines after it, and WEATHER_TOOL looks a city up in the app's WEATHER.
FAKE_CHAT = '''
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM


@trace_llm_call(name="chat", codec=FakeCompletion)
def chat(prompt):
    return LLM.complete(prompt)

'''
WEATHER_TOOL = '''
@trace_tool_call
def weather(city):
    return WEATHER[city]

'''
POLICY = frozenset(field.name for field in fields(Policy)) | {"fork"}


def record(app: Callable[[], Any], **settings: Any) -> tuple[Any, list[Event]]:
    """What `app()` returns, and the events of its run."""
    with capture_events(**settings) as run:
        result = app()
    return result, run.events


def made_rerun(recording: Recording, **options: Any) -> Rerun:
    """A rerun of `recording`, its policy made of the options that name one of its fields (`match`, `on_miss`,
    `fork`...), the others (`mocks`, `stepper`) handed to it."""
    chosen = {key: value for key, value in options.items() if key in POLICY}
    fork = chosen.pop("fork", None)
    policy = ForkPolicy(**chosen, plan=fork) if fork is not None else Policy(**chosen)
    return Rerun(recording, policy, inputs_of=recorded_form,
                 **{key: value for key, value in options.items() if key not in POLICY})


def rerun(events: list[Event], app: Callable[[], Any], **options: Any) -> tuple[Any, list[Event], Rerun]:
    """`app()` run again with its calls answered from `events`: what it returned (or raised), the new run's
    events, and the rerun (its tally)."""
    session = made_rerun(Recording(timeline_of(events, "old.jsonl"), PathTable()), **options)
    get_tracer().rerun = session
    try:
        with capture_events() as run:
            try:
                result: Any = app()
            except BaseException as error:  # the test looks at what the app raised
                result = error
    finally:
        get_tracer().rerun = None
    return result, run.events, session


def command(*args: str, cwd: Path, input: str | None = None, extra: dict[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`namel3ss-debug ARGS` run in `cwd` in a process of its own: no `NAMEL3SS_DEBUG_*` setting of this
    process's, no colour, lines 400 columns wide; `extra` adds environment variables, `input` is its stdin."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1", **(extra or {})})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)


def in_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`namel3ss-debug ARGS` as `command` runs it (in `cwd`, no `NAMEL3SS_DEBUG_*` setting, no colour, 400
    columns), but through click's CliRunner in this process: for a command that reads runs, where a process
    of its own is not what the test is about (a rerun runs the app, so it stays in `command`)."""
    from click.testing import CliRunner  # noqa: PLC0415 - the CLI only for the tests that read in process

    from namel3ss_debug.cli.main import cli  # noqa: PLC0415 - loaded by the tests that read in process only

    env: dict[str, str | None] = {name: None for name in os.environ if name.startswith("NAMEL3SS_DEBUG_")}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(cli, list(args), env={**env, "NO_COLOR": "1", "COLUMNS": "400"},
                                    catch_exceptions=False)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def moved_here(trace: Path, old: Path, new: Path) -> Path:
    """`trace`, a copy of a recording made under `old`, rewritten as if made under `new` (each path moved) and
    sealed as this user's tracer seals what it writes (`model/seals.py`): a run recorded once for a module,
    rerun by each test as a recording written in its own directory."""
    def quoted(path: Path) -> bytes:
        return json.dumps(str(path))[1:-1].encode()

    trace.write_bytes(trace.read_bytes().replace(quoted(old), quoted(new)))
    seals = Seals.of(os.environ)
    assert seals is not None, "no state directory to seal the copy in"
    seals.seal(trace)
    return trace


class RecordedOnce:
    """Each app recorded once (by `record(app, directory, *args)`, which returns the trace and what the app
    printed) in a directory of its own under `directory`; a test gets a copy of that directory in its own, the
    run's paths moved there and sealed (`moved_here`), as if the test had recorded it."""

    def __init__(self, directory: Path, record: Callable[..., tuple[Path, str]]) -> None:
        self.directory, self.record = directory, record
        self.made: dict[tuple[str, ...], tuple[Path, Path, str]] = {}

    def copied(self, app: Path | str, into: Path, *args: str) -> tuple[Path, str]:
        """The trace of `app` (its path, or its source) run with `args`, copied into `into`, and what it
        printed."""
        key = (str(app), *args)
        if key not in self.made:
            home = self.directory / f"recorded-{len(self.made)}"
            home.mkdir()
            self.made[key] = (home, *self.record(app, home, *args))
        home, trace, printed = self.made[key]
        shutil.copytree(home, into, dirs_exist_ok=True)
        return moved_here(into / trace.relative_to(home), home, into), printed
