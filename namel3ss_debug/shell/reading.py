"""Where the shell's command lines come from: a script, or the terminal (prompt_toolkit).

Each source's `read(prompt)` gives the next line, or None when the input has ended; `terminal` says
whether a person is typing (an empty line repeats the last command there, Ctrl-C clears the line).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..model.fs import Folder

if TYPE_CHECKING:  # prompt_toolkit loads only at a terminal
    from prompt_toolkit import PromptSession


class Script:
    """Lines from a file or a pipe, as given (a line's own line break dropped)."""

    terminal = False

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)

    def read(self, prompt: str) -> str | None:
        raw = next(self._lines, None)
        return None if raw is None else raw.rstrip("\r\n")


class Terminal:
    """The prompt at a terminal: history (kept in `history`, a file, or for the session only), Tab
    completion of `completing`'s commands and fields (a replay session; None for none), Ctrl-C clearing
    the line, and end of input (Ctrl-D) as None. Inside an asyncio app the prompt reads in a thread of
    its own (asyncio loops do not nest)."""

    terminal = True

    def __init__(self, history: Path | None, completing: Any = None, prompt_input: Any = None,
                 prompt_output: Any = None):
        self.history, self.completing = history, completing
        self._io = (prompt_input, prompt_output)
        self._session: PromptSession[str] | None = None

    def read(self, prompt: str) -> str | None:
        while True:
            try:
                return self._prompt().prompt(prompt, in_thread=_loop_running())
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None

    def _prompt(self) -> PromptSession[str]:
        if self._session is None:
            from prompt_toolkit import PromptSession  # noqa: PLC0415 - only a terminal needs it

            completer = None
            if self.completing is not None:
                from .completion import ReplayCompleter  # noqa: PLC0415 - prompt_toolkit, only at a terminal

                completer = ReplayCompleter(self.completing)
            self._session = PromptSession(history=command_history(self.history), completer=completer,
                                          complete_while_typing=False, input=self._io[0], output=self._io[1])
        return self._session


def _loop_running() -> bool:
    asyncio = sys.modules.get("asyncio")  # not imported: no loop can be running (and importing it costs 15 ms)
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def command_history(path: Path | None) -> Any:
    """The workspace's command history, readable by its owner only (commands can quote what a trace
    holds); without a path, or when the file cannot be read or written, one kept for the session."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory  # noqa: PLC0415 - only a terminal needs it

    if path is None:
        return InMemoryHistory()

    class SafeFileHistory(FileHistory):
        def load_history_strings(self) -> Iterator[str]:
            try:
                yield from list(super().load_history_strings())
            except (OSError, UnicodeError):
                return

        def store_string(self, string: str) -> None:
            try:
                super().store_string(string)
            except OSError:
                pass

    try:
        _claim(path)
    except OSError:
        return InMemoryHistory()
    return SafeFileHistory(str(path))


def _claim(path: Path) -> None:
    """The history file made (0600) or found as a regular file of this user's: a workspace can come from a
    clone, whose `.namel3ss/replay_history` may be a link to a file the commands would be appended to.
    Raises OSError (`fs.Refused` among them) when it is not one to use."""
    with Folder.open(path.parent, make=True, follow=True) as folder:
        try:
            folder.create(path.name).close()
        except FileExistsError:
            folder.reader(path.name).close()
