"""Every place the CLI takes a path, given paths that are not plain files (specialpaths.py): each trace
argument of each command, each file option (--config, --prices, --rules, --mock-file, --commands, config
validate, trace's script), and each place it writes (report -o, --junit, export's FILE, trace -o, config init
--path, clean -o); and standard input as a trace.

Paths a process cannot bound in itself run as subprocesses: /dev/zero and /dev/urandom never end, a FIFO
blocks until its writer comes. Judged as every bad-input case is (harness.py).
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from basetraces import make_base
from damage import MUTATIONS
from drivers import ProcessGate, fifo_writer, free_port, page_driver
from harness import invoke, spawn
from judge import assert_sound
from specialpaths import IN_PROCESS, SUBPROCESS, WRITE_ONLY, close_sockets, make
from workspaces import Workspace, make_workspace

Place = Callable[[str, Workspace], list[str]]
CONSOLE = "c\nq\n"

# Where a command reads a path. Each takes the path and the workspace's good files.
READ_PLACES: dict[str, Place] = {
    "analyze": lambda p, w: ["analyze", "--no-pager", p],
    "inspect": lambda p, w: ["inspect", "--no-pager", "--tree", p],
    "replay": lambda p, w: ["replay", "--commands", "console.txt", p],
    "check": lambda p, w: ["check", "--max-errors", "0", p],
    "diff-base": lambda p, w: ["diff", p, w.run],
    "diff-new": lambda p, w: ["diff", w.run, p],
    "report": lambda p, w: ["report", "-o", "out.html", p],
    "export": lambda p, w: ["export", "--to", "perfetto", p, "p.json"],
    "view": lambda p, w: ["view", "--no-browser", "--port", "{port}", p],
    "redact": lambda p, w: ["redact", p],
    "analyze-config": lambda p, w: ["analyze", "--no-pager", "--config", p, w.run],
    "analyze-prices": lambda p, w: ["analyze", "--no-pager", "--prices", p, w.run],
    "report-prices": lambda p, w: ["report", "--prices", p, "-o", "out.html", w.run],
    "check-rules": lambda p, w: ["check", "--rules", p, w.run],
    "replay-mock-file": lambda p, w: ["replay", "--mock-file", p, "--commands", "console.txt", w.run],
    "replay-commands": lambda p, w: ["replay", "--commands", p, w.run],
    "config-validate": lambda p, w: ["config", "validate", p],
    "config-show": lambda p, w: ["config", "show", "--config", p],
    "clean-config": lambda p, w: ["clean", "--dry-run", "--config", p],
    "trace-config": lambda p, w: ["trace", "-q", "--config", p, "app.py"],
    "trace-script": lambda p, w: ["trace", "-q", p],
}
# Where a command writes. clean -o deletes: it is only ever pointed inside the case's directory.
WRITE_PLACES: dict[str, Place] = {
    "report-output": lambda p, w: ["report", "-o", p, w.run],
    "check-junit": lambda p, w: ["check", "--junit", p, w.run],
    "export-file": lambda p, w: ["export", "--to", "otlp-json", w.run, p],
    "trace-output": lambda p, w: ["trace", "-q", "-o", p, "app.py"],
    "config-init": lambda p, w: ["config", "init", "--path", p],
    "clean-output": lambda p, w: ["clean", "--days", "0.000001", "-o", p],
}
WRITES_THROUGH = {"redact"}  # reads and rewrites its path: devices only through a symlink


@pytest.fixture(autouse=True)
def _sockets() -> Iterator[None]:
    yield
    close_sockets()


def _argv(place: Place, path: str, w: Workspace) -> tuple[list[str], Any]:
    argv = place(path, w)
    if "{port}" not in argv:
        return argv, None
    port = free_port()
    return [str(port) if word == "{port}" else word for word in argv], port


def _prepare(root: Path) -> Workspace:
    w = make_workspace(root)
    (root / "console.txt").write_text(CONSOLE)
    return w


@pytest.mark.parametrize("kind", IN_PROCESS)
@pytest.mark.parametrize("place", READ_PLACES)
def test_a_special_path_where_a_command_reads(workspace: Path, place: str, kind: str) -> None:
    w = _prepare(workspace)
    argv, port = _argv(READ_PLACES[place], make(kind, workspace, writing=place in WRITES_THROUGH), w)
    outcome = invoke(argv, driver=page_driver(port) if port else None)
    assert_sound(outcome, app_traceback=place == "trace-script")  # a file that is not Python fails as the app


@pytest.mark.parametrize("kind", (*IN_PROCESS, *WRITE_ONLY))
@pytest.mark.parametrize("place", WRITE_PLACES)
def test_a_special_path_where_a_command_writes(workspace: Path, place: str, kind: str) -> None:
    w = _prepare(workspace)
    argv, _ = _argv(WRITE_PLACES[place], make(kind, workspace, writing=True), w)
    assert_sound(invoke(argv))


STDIN_READERS = ("analyze", "inspect", "check", "diff-base", "report", "export", "redact")


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("place", STDIN_READERS)
def test_standard_input_as_a_damaged_trace(workspace: Path, request: Any, place: str, round_: int) -> None:
    rng = random.Random(request.node.callspec.id)
    w = _prepare(workspace)
    base = make_base(rng.choice(("v1", "legacy", "n3", "otlp-lines")), rng, lambda events: [])
    data = MUTATIONS[rng.choice(sorted(MUTATIONS))](rng, base, lambda: make_base("v1", rng, lambda events: []))
    argv, _ = _argv(READ_PLACES[place], "-", w)
    assert_sound(invoke(argv, stdin=data))


# -- subprocesses: what never ends, what blocks ---------------------------------------------------------------

SUBPROCESS_PLACES = ("analyze", "inspect", "replay", "check", "diff-new", "report", "export", "view", "redact",
                     "analyze-config", "analyze-prices", "check-rules", "replay-mock-file", "replay-commands",
                     "config-validate", "trace-script")


def _stop_view(port: int) -> Callable[[subprocess.Popen], list[str]]:
    """Ctrl-C for a served page once it answered (or after 8 s); the process's exit is then judged."""
    return lambda process: page_driver(port)(ProcessGate(process))


def _fifo_content(place: str, w: Workspace) -> bytes:
    if place in ("replay-commands",):
        return CONSOLE.encode()
    if place in ("analyze-config", "check-rules", "config-validate"):
        return b'{"max_errors": 1}' if place == "check-rules" else b"{}"
    if place == "analyze-prices":
        return b'{"gpt-4o": {"input": 1, "output": 2}}'
    if place == "replay-mock-file":
        return b'{"llm:planner#1": {"text": "X"}}'
    if place == "trace-script":
        return b"print('ok')\n"
    return (w.root / w.run).read_bytes()


@pytest.mark.parametrize("kind", SUBPROCESS)
@pytest.mark.parametrize("place", SUBPROCESS_PLACES)
def test_a_path_that_never_ends_or_blocks(workspace: Path, place: str, kind: str) -> None:
    w = _prepare(workspace)
    path = make(kind, workspace, writing=place in WRITES_THROUGH)
    argv, port = _argv(READ_PLACES[place], path, w)
    if kind == "fifo":
        fifo_writer(Path(path), _fifo_content(place, w))
    outcome = spawn(argv, cwd=workspace, driver=_stop_view(port) if port else None)
    assert_sound(outcome, app_traceback=place == "trace-script")
