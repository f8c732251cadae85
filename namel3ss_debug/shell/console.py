"""The console: the only part of replay that reads commands and writes answers (pdb's side of bdb).

Three ways in: a terminal (prompt_toolkit, with history and completion), a script (lines from a file
or a pipe, echoed after the prompt so the output reads as a transcript), and no commands at all
(`walk`: from breakpoint to breakpoint, or every event). Answers are rendered as text, or with
`json` as JSON Lines on stdout while messages go to stderr as text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from rich.console import Console
from rich.text import Text

from ..render.replay.to_json import has_json, json_line
from ..render.replay.view import listing_view, render
from ..render.text import visible
from ..replay.reports import listing, stop_report
from ..replay.session import ReplaySession

PROMPT = "(replay) "
_TIMELINE_CHUNK = 200  # rows rendered at a time when the whole run is listed


class ReplayConsole:
    """Writes a session's answers: text on `out`, or JSON Lines on `json_out` with text on `err`."""

    def __init__(self, session: ReplaySession, out: Any, err: Console, json_out: IO[bytes] | None = None):
        self.session = session
        self.out = out  # a Rich Console, or the pager's Output (both have print)
        self.err = err
        self.json_out = json_out

    def show(self, records: Iterable[Any]) -> None:
        for record in records:
            if self.json_out is None:
                self.out.print(render(record), soft_wrap=True)
            elif has_json(record):
                self.json_out.write(json_line(record))
                self.json_out.flush()
            else:
                self.err.print(render(record), soft_wrap=True)

    def scripted(self, lines: Iterable[str]) -> int:
        """Runs commands from a file or a pipe; exit status 1 if any of them was a mistake."""
        self.show(self.session.start())
        for raw in lines:
            line = raw.rstrip("\r\n")
            if self.json_out is None:
                self.out.print(Text(PROMPT + visible(line)), soft_wrap=True)
            self.show(self.session.execute(line))
            if self.session.done:
                break
        return 1 if self.session.errors else 0

    def interactive(self, history: Path | None, prompt_input: Any = None, prompt_output: Any = None) -> int:
        """The terminal console: Ctrl-C clears the line, Ctrl-D (end of input) or `q` quits."""
        prompt = _prompt_session(self.session, history, prompt_input, prompt_output)
        self.show(self.session.start())
        while not self.session.done:
            try:
                line = prompt.prompt(PROMPT)
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            try:
                self.show(self.session.execute(line))
            except KeyboardInterrupt:  # a long `continue` or `list`: back to the prompt, as pdb does
                self.err.print(Text("Interrupted: the cursor stays where it was"), soft_wrap=True)
        return 0

    def walk(self) -> int:
        """No commands: every breakpoint stop and the end; without breakpoints, every event."""
        engine = self.session.engine
        if engine.breakpoints.active():
            self.show(self._breakpoint_stops())
        elif self.json_out is not None:
            self.show(self._every_stop())
        else:
            for first in range(0, len(engine.timeline), _TIMELINE_CHUNK):
                self.out.print(listing_view(listing(engine, first, first + _TIMELINE_CHUNK - 1, cursor=False)),
                               soft_wrap=True)
        return 0

    def _breakpoint_stops(self) -> Iterator[Any]:
        engine = self.session.engine
        first = self.session.start()[0]
        if first.stop.breakpoints or engine.current.at_end:  # a breakpoint at the first event, or one event
            yield first
        while not engine.current.at_end:  # a breakpoint on the last event is the end too: shown once
            yield stop_report(engine, engine.cont(), self.session.displays)

    def _every_stop(self) -> Iterator[Any]:
        engine = self.session.engine
        yield from self.session.start()
        while not engine.current.at_end:
            yield stop_report(engine, engine.step(), self.session.displays)


def _prompt_session(session: ReplaySession, history: Path | None, prompt_input: Any, prompt_output: Any) -> Any:
    from prompt_toolkit import PromptSession  # noqa: PLC0415 - only a terminal session needs it

    from .completion import ReplayCompleter

    return PromptSession(history=command_history(history),
                         completer=ReplayCompleter(session), complete_while_typing=False,
                         input=prompt_input, output=prompt_output)


def command_history(path: Path | None) -> Any:
    """The workspace's command history, readable by its owner only (commands can quote what a trace
    holds); without a path, or when the file cannot be read or written, one kept for the session."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory  # noqa: PLC0415

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
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        with open(path, "rb"):
            pass
    except OSError:
        return InMemoryHistory()
    return SafeFileHistory(str(path))
