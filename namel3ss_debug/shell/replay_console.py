"""Replay's console (`replay TRACE --step`): the shell (`loop.py`) over a ReplaySession.

Three ways in: a terminal (history and Tab completion), a script (echoed after the prompt), and no
commands at all (`walk`: from breakpoint to breakpoint, or every event). Answers are rendered as text,
or with `json` as JSON Lines on stdout while messages go to stderr as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from rich.console import Console

from ..render.replay.replay_json import has_json, json_line
from ..render.replay.view import listing_view, render
from ..replay.reports import listing, stop_report
from ..replay.debugger import ReplaySession
from .loop import Mode, Shell
from .reading import Script, Terminal

REPLAY = Mode("(replay) ", render, lambda record: json_line(record) if has_json(record) else None,
              repeat_in_scripts=True, interrupted="Interrupted: the cursor stays where it was")
_TIMELINE_CHUNK = 200  # rows rendered at a time when the whole run is listed


class ReplayConsole:
    """Writes a session's answers: text on `out`, or JSON Lines on `json_out` with text on `err`."""

    def __init__(self, session: ReplaySession, out: Any, err: Console, json_out: IO[bytes] | None = None):
        self.session = session
        self.out, self.err, self.json_out = out, err, json_out

    def scripted(self, lines: Iterable[str]) -> int:
        """Runs commands from a file or a pipe; exit status 1 if any of them was a mistake."""
        self._run(Script(lines))
        return 1 if self.session.errors else 0

    def interactive(self, history: Path | None, prompt_input: Any = None, prompt_output: Any = None) -> int:
        """The terminal console: Ctrl-C clears the line, Ctrl-D (end of input) or `q` quits."""
        self._run(Terminal(history, self.session, prompt_input, prompt_output))
        return 0

    def walk(self) -> int:
        """No commands: every breakpoint stop and the end; without breakpoints, every event."""
        engine = self.session.engine
        shell = self._shell(None)
        if engine.breakpoints.active():
            shell.show(self._breakpoint_stops())
        elif self.json_out is not None:
            shell.show(self._every_stop())
        else:
            for first in range(0, len(engine.timeline), _TIMELINE_CHUNK):
                self.out.print(listing_view(listing(engine, first, first + _TIMELINE_CHUNK - 1, cursor=False)),
                               soft_wrap=True)
        return 0

    def _run(self, source: Any) -> None:
        shell = self._shell(source)
        shell.show(self.session.start())
        shell.run()

    def _shell(self, source: Any) -> Shell:
        return Shell(self.session, REPLAY, source, self.out, self.err, self.json_out)

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
