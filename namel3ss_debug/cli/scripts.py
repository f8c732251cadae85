"""The console's commands, for `replay` and its `--rerun`: a script's lines (`--commands FILE`, or piped), and
where a terminal session keeps its history."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.errors import UsageError
from ..store.sources import STDIN

if TYPE_CHECKING:
    from ..config import ResolvedSettings

HISTORY_FILE = "replay_history"
MAX_SCRIPT = 16 << 20


def scripted(step: bool, commands_file: Path | None) -> bool:
    """Whether the console reads a script: --commands FILE, or --step with commands piped in."""
    return commands_file is not None or (step and not sys.stdin.isatty())


def check_stdin(traces: tuple[str, ...], step: bool, commands_file: Path | None) -> None:
    """Standard input holds either the trace or the script, never both."""
    on_stdin = commands_file is None or str(commands_file) == STDIN
    if scripted(step, commands_file) and on_stdin and STDIN in traces:
        raise UsageError("standard input holds the trace, so it cannot hold the commands too",
                         hint="give the commands with --commands FILE")


def command_lines(path: Path | None) -> list[str]:
    """The script's lines (split at newlines only: a U+2028 inside a mock's JSON stays in its line)."""
    where = "standard input" if path is None or str(path) == STDIN else str(path)
    try:
        if where == "standard input":
            data = sys.stdin.buffer.read(MAX_SCRIPT + 1)
        else:
            with open(path, "rb") as handle:  # type: ignore[arg-type]
                data = handle.read(MAX_SCRIPT + 1)
        if len(data) > MAX_SCRIPT:
            raise UsageError(f"the commands in {where} are over {MAX_SCRIPT >> 20} MB",
                             hint="a script is a few console commands, one a line")
        text = data.decode("utf-8")
    except OSError as error:
        raise UsageError(f"cannot read commands from {where}: {error.strerror or error}",
                         hint="give a text file of console commands, one a line") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"the commands in {where} are not UTF-8 (byte {error.start})",
                         hint="save the script as UTF-8") from None
    lines = [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]
    return lines[:-1] if lines and not lines[-1] else lines  # the newline ending the last line ends it


def history_path(resolved: ResolvedSettings) -> Path:
    """Kept per workspace: beside `.namel3ss/debug.json`, or in `.namel3ss/` of the working directory."""
    if resolved.workspace_file is not None:
        return resolved.workspace_file.parent / HISTORY_FILE
    return Path.cwd() / ".namel3ss" / HISTORY_FILE
