"""The rerun's console (`replay TRACE --rerun --step`): while the app runs again, stop before a
replayable call, show its inputs and the answer it is about to get, and let the user accept the
answer, replace it (inline JSON or in an editor) or run the call live; then the app goes on.

    stepper = Stepper(console, err_console, step=True, breakpoints=["tool:search#2"], lines=None,
                      interactive=True, json_out=None, recording=recording, history=history_path)
    Rerun(recording, stepper=stepper)          # the rerun asks `stepper.decide(pending)` before each call

- `console`, `err_console`: Rich Consoles (`render.console.make_console`). Stops, the echoed script and
  messages go to `console`; with `json_out`, each stop is a JSON line there and the rest goes to
  `err_console`.
- `step`: stop before the first replayable call (`--step`); otherwise stop only at breakpoints.
- `breakpoints`: specs as `b` takes them (`rerun/targets.py`); a bad one raises BreakpointError (a UsageError).
- `lines`: scripted commands (`--commands FILE`, or a piped stdin), each echoed after the prompt so the
  output reads as a transcript. When they run out, every remaining call gets its answer and the run
  goes on without stopping.
- `interactive`: with `lines=None`, read commands at the terminal (prompt_toolkit, `(rerun) `; `history`
  a file for the command history, or None). With neither, "walk": show each stop, accept, go on.
- `json_out`: a binary stream for `--format json`: one `namel3ss-debug/rerun-stop/v1` object a stop.
- `recording`: the Recording, to say where each matched call was recorded (`trace.jsonl:14`).
- `environ`: where `edit` looks up $VISUAL and $EDITOR (os.environ when None).

After the run, `stepper.errors` counts the mistakes among the commands (an unknown command, bad JSON,
a bad breakpoint): the CLI exits 1 when a script had any, as `replay --commands` does. `q`, and end of
input at the terminal, raise `RerunQuit`, which stops the app.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping

from rich.console import Console
from rich.text import Text

from ..model.errors import UsageError
from ..model.replay import REPLACED, RerunQuit
from ..model.values import CodecError
from ..render.event_text import one_line
from ..render.json_text import compact_json, pretty_json
from ..render.replay.view import render
from ..render.rerun.stop import FIELD_WIDTH, answer_json, stop_line, stop_view
from ..render.text import visible
from ..replay.breakpoints import BreakpointError, parse_condition
from ..replay.commands import command_table, nearest, resolve, split
from ..replay.expr import MISSING, evaluate, pointer
from ..replay.outputs import Breakpoints, Help, Message, Value
from ..replay.reports import breakpoint_info
from ..replay.timeline import as_number
from ..replay.view import EventView
from ..rerun.answers import from_value
from ..rerun.targets import call_breakpoints, call_view
from ..rerun.editor import AnswerError, edit_text, editor_argv, parse_json
from ..rerun.session import Decision, PendingCall

PROMPT = "(rerun) "
ALIASES = {"ok": "accept", "s": "step", "c": "continue", "cont": "continue", "b": "break", "cl": "clear",
           "h": "help", "?": "help", "q": "quit", "exit": "quit"}


class Stepper:
    """Decides each replayable call of a rerun: at a stop, by the user's commands; elsewhere, accept."""

    def __init__(self, console: Console, err_console: Console, *, step: bool = False,
                 breakpoints: Iterable[str] = (), lines: Iterable[str] | None = None, interactive: bool = False,
                 json_out: IO[bytes] | None = None, recording: Any = None, history: Path | None = None,
                 environ: Mapping[str, str] | None = None, prompt_input: Any = None, prompt_output: Any = None):
        self.out, self.err, self.json_out = console, err_console, json_out
        self.stepping = step
        self.breaks = call_breakpoints()
        for spec in breakpoints:
            self.breaks.add(spec)
        self.recording = recording
        self.interactive = lines is None and interactive
        self.errors = 0
        self.stops = 0
        self.last = ""
        self._lines: Iterator[str] | None = iter(lines) if lines is not None else None
        self._exhausted = False
        self._pending: PendingCall | None = None
        self._history, self._environ = history, environ
        self._prompt_io = (prompt_input, prompt_output)
        self._prompt_session: Any = None
        self._lock = threading.Lock()  # calls in threads stop one at a time

    @property
    def walking(self) -> bool:
        return self._lines is None and not self.interactive

    def decide(self, pending: PendingCall) -> Decision:
        """The decision for one call: a stop when stepping or at a breakpoint, else accept."""
        with self._lock:
            hits = self.breaks.hits(pending, call_view)
            if self._exhausted or not (self.stepping or hits):
                return Decision("accept")
            self.stops += 1
            self._show_stop(pending, hits)
            if self.walking:
                return Decision("accept")
            self._pending = pending
            try:
                return self._commands()
            finally:
                self._pending = None

    def _commands(self) -> Decision:
        while True:
            line = self._read()
            if line is None:
                self._exhausted = True
                self._say(Message("(end of the commands: every remaining call gets its answer)"))
                return Decision("accept")
            decision = self.execute(line)
            if decision is not None:
                return decision

    def execute(self, line: str) -> Decision | None:
        """Runs one command line at the current stop: a Decision ends the stop, None keeps it."""
        if not line.strip():
            if self._lines is not None or not self.last:
                return None
            line = self.last
        self.last = line
        name, argument, column = split(line)
        command = resolve(name, COMMANDS, ALIASES)
        if command is None:
            self.errors += 1
            close = nearest(name, COMMANDS, ALIASES)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            self._say(Message(f"unknown command {name!r} ({hint}`help` lists the commands)", "error"))
            return None
        try:
            return getattr(self, f"do_{command}")(argument, column)
        except UsageError as error:
            self.errors += 1
            at = getattr(error, "column", None)
            self._say(Message(str(error), "error", pointer(line, at) if at else None))
            return None

    # -- the answer ------------------------------------------------------------------------------

    def do_accept(self, argument: str, column: int) -> Decision | None:
        """accept
        Give the call the answer shown; when stepping, stop again before the next call."""
        return Decision("accept")

    def do_step(self, argument: str, column: int) -> Decision | None:
        """step
        Give the call the answer shown, and stop before the next replayable call."""
        self.stepping = True
        return Decision("accept")

    def do_continue(self, argument: str, column: int) -> Decision | None:
        """continue
        Give the call the answer shown, and run on to the next breakpoint (or the end of the run)."""
        self.stepping = False
        return Decision("accept")

    def do_replace(self, argument: str, column: int) -> Decision | None:
        """replace JSON
        The call returns this JSON value instead of the answer shown: replace {"hits": []}.

        A generator yields the items of a JSON list. The value goes through the call's codec, as a
        recorded one does."""
        if not argument:
            raise AnswerError("replace needs a JSON value", hint='e.g. replace {"hits": []}')
        return self._replaced(parse_json(argument, column))

    def do_edit(self, argument: str, column: int) -> Decision | None:
        """edit
        Edit the answer as JSON in $VISUAL or $EDITOR (else vi); what you save is what the call returns.

        Leave the file as it was to keep the answer shown. The editor runs as its own program,
        without a shell."""
        before = pretty_json(answer_json(self._current.answer)) + "\n"
        after = edit_text(before, editor_argv(self._environ if self._environ is not None else os.environ))
        if after.strip() == before.strip():
            self._say(Message("unchanged: the answer shown stays (accept gives it)"))
            return None
        return self._replaced(parse_json(after, None))

    def do_live(self, argument: str, column: int) -> Decision | None:
        """live
        Run this call for real (a model, a tool, the network) instead of answering it from the recording."""
        self._say(Message(f"{self._current.live.key} runs live"))
        return Decision("live")

    def _replaced(self, value: Any) -> Decision:
        pending = self._current
        try:  # a value the call's codec cannot rebuild is refused here, and the stop stays
            from_value(REPLACED, value, pending.codec, None, pending.generator)
        except CodecError as error:
            raise AnswerError(str(error), hint="give the fields the call's codec needs") from None
        self._say(Message(f"{self._current.live.key} returns {one_line(compact_json(value), FIELD_WIDTH)}"))
        return Decision("replace", value)

    # -- breakpoints and looking -----------------------------------------------------------------

    def do_break(self, argument: str, column: int) -> Decision | None:
        """break [TARGET [if CONDITION]]
        Stop before the calls TARGET names; without one, list the breakpoints.

        TARGET: a component (llm, tool), an event type (llm_call_start), component:name
        (tool:search, patterns such as tool:search*), component:name#N (the N-th such call
        of the rerun), a name (search), or errors (an answer that raises, or no recorded
        result). CONDITION reads the call as `p` shows it: inputs.query == "x",
        "timeout" in error.message, source == "mocked"."""
        if not argument:
            return self.do_info("", column)
        created = self.breaks.add(argument, column=column)
        self._say(Message(f"Breakpoint {created.number} at {created.describe()}"))
        return None

    def do_clear(self, argument: str, column: int) -> Decision | None:
        """clear [NUMBER ...]
        Delete these breakpoints; without numbers, delete them all."""
        if not argument:
            self._say(Message(f"Deleted {self.breaks.clear()} breakpoint(s)"))
            return None
        for removed in self.breaks.delete(_numbers(argument)):
            self._say(Message(f"Deleted breakpoint {removed.number}"))
        return None

    def do_p(self, argument: str, column: int) -> Decision | None:
        """p [EXPRESSION]
        Print a field or expression of the call as JSON on one line (inputs.query, outputs, error.type,
        key, path, source); without one, every field.

        The fields: component, name, event_type, inputs, key, path, and of the answer shown
        outputs, error, source; recorded is the key of the recorded call it matched."""
        view = self._current.view()
        if not argument:
            self._say(Value("<call>", view, pretty=True))
            return None
        value = evaluate(parse_condition(argument, column), EventView(0, view).resolve)
        self._say(Value(argument, None if value is MISSING else value, value is MISSING))
        return None

    def do_inputs(self, argument: str, column: int) -> Decision | None:
        """inputs
        Show the call's inputs in full, as indented JSON."""
        self._say(Value("inputs", self._current.live.inputs, pretty=True))
        return None

    def do_info(self, argument: str, column: int) -> Decision | None:
        """info
        List the breakpoints, with how often each was reached."""
        self._say(Breakpoints(tuple(breakpoint_info(b) for b in self.breaks.items.values())))
        return None

    def do_help(self, argument: str, column: int) -> Decision | None:
        """help [COMMAND]
        List the commands, or show one command's help."""
        if not argument:
            self._say(Help(tuple(COMMANDS.values()), one=False))
            return None
        name = resolve(argument, COMMANDS, ALIASES)
        if name is None:
            raise UsageError(f"no command {argument!r}", hint="`help` lists the commands")
        self._say(Help((COMMANDS[name],), one=True))
        return None

    def do_quit(self, argument: str, column: int) -> Decision | None:
        """quit
        Stop the app here (so does end of input, Ctrl-D, at the terminal)."""
        raise RerunQuit("quit at the rerun's console")

    # -- input and output ------------------------------------------------------------------------

    @property
    def _current(self) -> PendingCall:
        if self._pending is None:
            raise UsageError("no call is waiting for an answer")
        return self._pending

    def _read(self) -> str | None:
        """The next command line; None when a script has run out."""
        if self._lines is not None:
            raw = next(self._lines, None)
            if raw is None:
                return None
            line = raw.rstrip("\r\n")
            if self.json_out is None:
                self.out.print(Text(PROMPT + visible(line)), soft_wrap=True)
            return line
        while True:
            try:
                return self._prompt().prompt(PROMPT, in_thread=_loop_running())
            except KeyboardInterrupt:  # Ctrl-C clears the line
                continue
            except EOFError:
                raise RerunQuit("end of input at the rerun's console") from None

    def _prompt(self) -> Any:
        if self._prompt_session is None:
            from prompt_toolkit import PromptSession  # noqa: PLC0415 - only a terminal needs it

            from .console import command_history

            self._prompt_session = PromptSession(history=command_history(self._history), input=self._prompt_io[0],
                                                 output=self._prompt_io[1])
        return self._prompt_session

    def _say(self, record: Any) -> None:
        target = self.err if self.json_out is not None else self.out
        target.print(render(record), soft_wrap=True)

    def _show_stop(self, pending: PendingCall, hits: tuple[int, ...]) -> None:
        where = self._where(pending)
        if self.json_out is None:
            self.out.print(stop_view(pending, hits, self.stops, where), soft_wrap=True)
            return
        self.json_out.write(stop_line(pending, hits, self.stops, where))
        self.json_out.flush()

    def _where(self, pending: PendingCall) -> str | None:
        if pending.recorded is None or self.recording is None:
            return None
        return self.recording.where(pending.recorded)


COMMANDS = command_table(Stepper, ALIASES)


def _numbers(text: str) -> list[int]:
    numbers: dict[int, None] = {}  # in order, once each
    for part in text.replace(",", " ").split():
        number = as_number(part)
        if number is None:
            raise BreakpointError(f"clear: {part!r} is not a breakpoint number", hint="e.g. clear 1")
        numbers[number] = None
    return list(numbers)


def _loop_running() -> bool:
    """A prompt inside an asyncio app runs in a thread of its own (asyncio loops do not nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
