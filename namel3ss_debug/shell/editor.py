"""The rerun console's `edit`: the answer as indented JSON in $VISUAL or $EDITOR, in a temporary file.

The editor runs as its own program, never through a shell, on `answer.json` in a private temporary folder
(`model.fs.private_temporary_folder`: 0700, at a name nobody can guess) that this process holds open. What it saved
is read back relative to that folder's descriptor (a regular file of this user, no link followed), never by the
folder's name: in a shared `TMPDIR` without the sticky bit another user can rename the folder and put theirs at its
name. The editor is given the file through this process's descriptor too (`/proc/PID/fd/N/answer.json`, where
there is a `/proc`), so it never opens what such a user put there; and when the name no longer holds the folder
after the editor ends, the edit is refused, so the user knows. Whatever goes wrong (an editor that fails, a file
that cannot be read) is an AnswerError, and the stop stays.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any, Callable, Mapping

from ..launch.call_stops import AnswerError
from ..model.fs import Folder, private_temporary_folder
from ..render.json_text import pretty_json
from ..store.blocks import MAX_LINE

PREFIX = "namel3ss-debug-edit-"
NAME = "answer.json"
MADE = re.compile(r"answer\.json~?")  # the answer, and the backup some editors (Emacs) leave beside it


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
    """`text` after the editor `argv` changed it in a file of a private temporary folder (readable by its owner
    only), read back through the folder this process holds."""
    try:
        folder = private_temporary_folder(PREFIX)
    except OSError as error:
        raise AnswerError(f"cannot make a temporary folder for the editor: {error}",
                          hint="set TMPDIR to a folder of your own") from None
    try:
        try:
            with folder.create(NAME) as file:
                file.write(text.encode("utf-8"))
        except OSError as error:
            raise AnswerError(f"cannot write the answer for the editor: {error}") from None
        _run_editor(argv, _reached(folder))
        return _saved(folder)
    finally:
        folder.remove_tree(MADE)
        folder.close()


def _reached(folder: Folder) -> str:
    """The path the editor opens the answer by: through this process's descriptor of the folder where there is a
    `/proc` (the editor is another process: `/proc/self` would be its own), else the folder's path."""
    through = Path(f"/proc/{os.getpid()}/fd/{folder.fd}")
    return str(through / NAME) if through.is_dir() else str(folder / NAME)


def _saved(folder: Folder) -> str:
    """What the editor saved, read relative to `folder`; an AnswerError when the folder's name no longer holds it
    (another user renamed it and put another there) or the file cannot be read as ours."""
    if not _still_named(folder):
        raise AnswerError(f"the editor's temporary folder {folder.path} was replaced by another while you edited: "
                          "the edit is not taken", hint="set TMPDIR to a folder only you can write")
    try:
        saved = folder.read(NAME, limit=MAX_LINE)
        if saved is None:
            raise AnswerError(f"the editor left no {NAME} in {folder.path}")
        return saved.decode("utf-8")
    except (OSError, UnicodeError) as error:
        raise AnswerError(f"cannot read what the editor saved: {error}") from None


def _still_named(folder: Folder) -> bool:
    """Whether the folder at `folder.path` is the one held open (its device and inode)."""
    try:
        named, held = os.lstat(folder.path), os.fstat(folder.fd)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _run_editor(argv: list[str], name: str) -> None:
    try:
        status = subprocess.run([*argv, name], check=False).returncode
    except OSError as error:
        raise AnswerError(f"cannot run the editor {argv[0]!r}: {error.strerror or error}",
                          hint="set $VISUAL or $EDITOR to an editor on PATH") from None
    if status != 0:
        raise AnswerError(f"the editor {argv[0]!r} exited with status {status}", hint="the answer shown stays")
