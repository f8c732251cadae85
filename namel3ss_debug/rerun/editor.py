"""A replacement answer at the rerun's console: inline JSON, or JSON saved from $VISUAL/$EDITOR.

The editor runs as its own program on a temporary file readable by its owner only, never through a
shell; whatever goes wrong (not JSON, an editor that fails) is an AnswerError, and the stop stays.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping

import orjson

from ..model.errors import UsageError


class AnswerError(UsageError):
    """A replacement that is not JSON, or an editor that failed: the stop stays. `column` (1-based,
    in the command line) when known."""

    def __init__(self, message: str, *, column: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.column = column


def parse_json(text: str, column: int | None) -> Any:
    """A replacement value; `column` is where `text` starts in the command line (None: a file)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if column is None:
            raise AnswerError(f"the saved file is not JSON: line {error.lineno} column {error.colno}: "
                              f"{error.msg}", hint="the answer shown stays; edit again") from None
        raise AnswerError(f"column {column + error.pos}: not JSON: {error.msg}", column=column + error.pos,
                          hint='the answer shown stays; e.g. replace {"hits": []}') from None


def editor_argv(environ: Mapping[str, str]) -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split as a shell would split it (but never run by one)."""
    text = environ.get("VISUAL") or environ.get("EDITOR") or "vi"
    try:
        argv = shlex.split(text)
    except ValueError as error:
        raise AnswerError(f"cannot read the editor command {text!r}: {error}", hint="check $VISUAL/$EDITOR") from None
    if not argv:
        raise AnswerError("the editor command is empty", hint="set $EDITOR, e.g. EDITOR=nano")
    return argv


def edit_text(text: str, argv: list[str]) -> str:
    """`text` after the editor `argv` changed it in a temporary file (readable by its owner only)."""
    descriptor, name = tempfile.mkstemp(prefix="rerun-answer-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        _run_editor(argv, name)
        try:
            return Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeError) as error:
            raise AnswerError(f"cannot read what the editor saved: {error}") from None
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass


def _run_editor(argv: list[str], name: str) -> None:
    try:
        status = subprocess.run([*argv, name], check=False).returncode
    except OSError as error:
        raise AnswerError(f"cannot run the editor {argv[0]!r}: {error.strerror or error}",
                          hint="set $VISUAL or $EDITOR to an editor on PATH") from None
    if status != 0:
        raise AnswerError(f"the editor {argv[0]!r} exited with status {status}", hint="the answer shown stays")
