"""The rerun's console (`replay TRACE --rerun --step`): the shell (`loop.py`) over a RerunSession, asked
before each replayable call of the app running again. At a stop it shows the call's inputs and the
answer it is about to get, and the user's commands accept the answer, replace it (inline JSON or in an
editor) or run the call live; then the app goes on.

    stepper = RerunConsole(console, err_console, step=True, breakpoints=["tool:search#2"], lines=None,
                           interactive=True, json_out=None, recording=recording, history=history_path)
    Rerun(recording, stepper=stepper)          # the rerun asks `stepper.decide(pending)` before each call

- `console`, `err_console`: Rich Consoles (`render.console.make_console`). Stops, the echoed script and
  messages go to `console`; with `json_out`, each stop is a JSON line there and the rest goes to
  `err_console`.
- `step`: stop before the first replayable call (`--step`); otherwise stop only at breakpoints.
- `breakpoints`: specs as `b` takes them (`launch/call_targets.py`); a bad one raises BreakpointError (a UsageError).
- `lines`: scripted commands (`--commands FILE`, or a piped stdin), each echoed after the prompt so the
  output reads as a transcript. When they run out, every remaining call gets its answer and the run
  goes on without stopping.
- `interactive`: with `lines=None`, read commands at the terminal (`(rerun) `; `history` a file for the
  command history, or None). With neither, "walk": show each stop, accept, go on.
- `json_out`: a binary stream for `--format json`: one `namel3ss-debug/rerun-stop/v1` object a stop.
- `recording`: the Recording, to say where each matched call was recorded (`trace.jsonl:14`).
- `environ`: where `edit` looks up $VISUAL and $EDITOR (os.environ when None).

After the run, `stepper.errors` counts the mistakes among the commands (an unknown command, bad JSON,
a bad breakpoint): the CLI exits 1 when there were any, as `replay --commands` does. `q`, and end of
input at the terminal, raise `RerunQuit`, which stops the app.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO, Any, Iterable, Mapping

from rich.console import Console

from ..model.rerun_protocol import RerunQuit
from ..render.rerun.stop import json_of, render
from ..replay.outputs import Message
from ..rerun.answerer import Decision, PendingCall
from ..recording.calls import Recording
from ..launch.call_stops import RerunSession
from ..launch.call_targets import call_breakpoints
from .editor import json_editor
from .loop import Mode, Shell
from .reading import Script, Terminal

RERUN = Mode("(rerun) ", render, json_of, repeat_in_scripts=False)


class RerunConsole:
    """Decides each replayable call of a rerun: at a stop, by the user's commands; elsewhere, accept."""

    def __init__(self, console: Console, err_console: Console, *, step: bool = False,
                 breakpoints: Iterable[str] = (), lines: Iterable[str] | None = None, interactive: bool = False,
                 json_out: IO[bytes] | None = None, recording: Recording | None = None, history: Path | None = None,
                 environ: Mapping[str, str] | None = None, prompt_input: Any = None, prompt_output: Any = None):
        self.session = RerunSession(call_breakpoints(), step=step, recording=recording, edit=json_editor(environ))
        for spec in breakpoints:
            self.session.breakpoints.add(spec)
        source: Any = None  # no commands: a walk
        if lines is not None:
            source = Script(lines)
        elif interactive:
            source = Terminal(history, prompt_input=prompt_input, prompt_output=prompt_output)
        self.shell = Shell(self.session, RERUN, source, console, err_console, json_out)
        self._exhausted = False  # the script ran out: no more stops
        self._lock = threading.Lock()  # calls in threads stop one at a time

    @property
    def errors(self) -> int:
        return self.session.errors

    def decide(self, pending: PendingCall) -> Decision:
        """The decision for one call: a stop when stepping or at a breakpoint, else accept."""
        with self._lock:
            stop = None if self._exhausted else self.session.arrive(pending)
            if stop is None:
                return Decision("accept")
            try:
                self.shell.show([stop])
                if self.shell.source is not None and not self.shell.run():
                    self._input_ended()
            finally:
                decision = self.session.leave()
            return decision

    def _input_ended(self) -> None:
        if self.shell.source.terminal:
            raise RerunQuit("end of input at the rerun's console")
        self._exhausted = True
        self.shell.show([Message("(end of the commands: every remaining call gets its answer)")])
