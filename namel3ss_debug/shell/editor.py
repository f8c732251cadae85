"""The rerun console's `edit`: the answer as indented JSON in $VISUAL or $EDITOR, in a temporary file.

The editor runs as its own program on a temporary file readable by its owner only, never through a
shell; whatever goes wrong (an editor that fails, a file that cannot be read) is an AnswerError, and
the stop stays.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

from ..render.json_text import pretty_json
from ..launch.call_stops import AnswerError


def json_editor(environ: Mapping[str, str] | None = None) -> Callable[[Any], str | None]:
    """`edit(value)`: the text saved after editing `value` as JSON, or None when it was left as it was.
    $VISUAL and $EDITOR are looked up in `environ` (os.environ when None) at each edit."""

    def edit(value: Any) -> str | None:
        before = pretty_json(value) + "\n"
        after = edit_text(before, editor_argv(environ if environ is not None else os.environ))
        return None if after.strip() == before.strip() else after

    return edit


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
