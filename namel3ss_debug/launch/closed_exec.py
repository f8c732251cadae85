"""Run a command with the network closed around it: a process of its own enters the rerun's network namespace
(`netns.py`, the whole process, while it has one thread), makes the sockets it inherited useless, then becomes the
command (`exec`), which stays in the namespace with every process it starts.

A command that runs the user's code for a replay in another process (`golden status`, whose pytest replays the
golden runs) starts it through this module rather than directly, so that the code is closed as a rerun in this
process is. How it was closed is written to a file the caller names, for its report:

    python -m namel3ss_debug.launch.closed_exec HOW_FILE -- python -m pytest ...

HOW_FILE then holds one line: `namespace: HOW`, or `guard: WHY NOT` (no namespace could be entered: the command
runs with the network open, the guard of each replay alone), or `exec: WHY` (the command could not be run; exit
127). Runs as `python -m namel3ss_debug...`, so the package's import starts no run of its own here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..model.fs import read_beside, replace_beside
from . import netns
from .closing import disarm_inherited_sockets

NAMESPACE, GUARD, EXEC = "namespace", "guard", "exec"
HOW_BYTES = 1 << 16  # more than any line this module writes
CANNOT_RUN = 127  # a shell's code for a command that cannot be run


def closed_command(how_file: Path, command: list[str]) -> list[str]:
    """`command` started through this module: its network closed, how written to `how_file`."""
    return [sys.executable, "-m", __name__, str(how_file), "--", *command]


def read_how(how_file: Path) -> tuple[str, str]:
    """(`namespace`, `guard` or `exec`, the text after it) from what the module wrote; (`exec`, ...) when nothing."""
    try:
        data = read_beside(how_file, limit=HOW_BYTES, own=True)
    except OSError:
        data = None
    if data is None:
        return EXEC, "the command was not started"
    kind, _, text = data.decode("utf-8", "replace").strip().partition(": ")
    return (kind, text) if kind in (NAMESPACE, GUARD, EXEC) else (EXEC, "the command was not started")


def main(argv: list[str]) -> int:
    """Close, say how, and become the command; returns only when the command cannot be run."""
    how_file, command = Path(argv[0]), argv[2:]
    try:
        entered = netns.enter(own_process=True)
        disarm_inherited_sockets()
        how = f"{NAMESPACE}: {entered.how}"
    except netns.NamespaceRefused as refused:
        how = f"{GUARD}: no network namespace: {refused}"
    except netns.Stuck as stuck:
        _write(how_file, f"{EXEC}: the network could not be closed: {stuck}")
        return CANNOT_RUN
    _write(how_file, how)
    try:
        os.execvp(command[0], command)
    except OSError as error:
        _write(how_file, f"{EXEC}: {command[0]}: {error.strerror or error}")
    return CANNOT_RUN


def _write(path: Path, text: str) -> None:
    replace_beside(path, lambda out: out.write((text + "\n").encode("utf-8", "replace")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
