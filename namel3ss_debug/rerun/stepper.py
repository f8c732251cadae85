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
- `breakpoints`: specs as `b` takes them (`rerun/breaks.py`); a bad one raises BreakError (a UsageError).
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
import difflib
import json
import os
import shlex
import subprocess
import tempfile
import threading
from dataclasses import replace as with_fields
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping

import orjson
from rich.console import Console, Group, RenderableType
from rich.text import Text

from ..model.errors import UsageError
from ..render.event_text import one_line
from ..render.json_text import fold, pretty_json, terminal_safe
from ..render.replay_view import render
from ..render.text import visible
from ..replay.breakpoints import parse_condition
from ..replay.commands import command_table, split
from ..replay.expr import MISSING, evaluate
from ..replay.outputs import Breakpoints, Help, Message, Value
from ..replay.session import pointer
from ..replay.view import EventView
from .breaks import BreakTable
from .answers import from_value
from .errors import RerunQuit
from .session import Decision, PendingCall
from .values import CodecError

PROMPT = "(rerun) "
SCHEMA = "namel3ss-debug/rerun-stop/v1"
FIELD_WIDTH = 160  # characters of a field on a stop; `inputs` and `p` show all of it
ALIASES = {"ok": "accept", "s": "step", "c": "continue", "cont": "continue", "b": "break", "cl": "clear",
           "h": "help", "?": "help", "q": "quit", "exit": "quit"}


class AnswerError(UsageError):
    """A replacement that is not JSON, or an editor that failed: the stop stays. `column` (1-based,
    in the command line) when known."""

    def __init__(self, message: str, *, column: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.column = column


class Stepper:
    """Decides each replayable call of a rerun: at a stop, by the user's commands; elsewhere, accept."""

    def __init__(self, console: Console, err_console: Console, *, step: bool = False,
                 breakpoints: Iterable[str] = (), lines: Iterable[str] | None = None, interactive: bool = False,
                 json_out: IO[bytes] | None = None, recording: Any = None, history: Path | None = None,
                 environ: Mapping[str, str] | None = None, prompt_input: Any = None, prompt_output: Any = None):
        self.out, self.err, self.json_out = console, err_console, json_out
        self.stepping = step
        self.breaks = BreakTable()
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
            hits = self.breaks.hit(pending)
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
        command = ALIASES.get(name, name)
        if command not in COMMANDS:
            self.errors += 1
            close = difflib.get_close_matches(name, [*COMMANDS, *ALIASES], n=3, cutoff=0.6)
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
            from_value("replaced", value, pending.codec, None, pending.generator)
        except CodecError as error:
            raise AnswerError(str(error), hint="give the fields the call's codec needs") from None
        self._say(Message(f"{self._current.live.key} returns {one_line(_json(value), FIELD_WIDTH)}"))
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
        created = self.breaks.add(argument, column)
        self._say(Message(f"Breakpoint {created.number} at {created.describe()}"))
        return None

    def do_clear(self, argument: str, column: int) -> Decision | None:
        """clear [NUMBER ...]
        Delete these breakpoints; without numbers, delete them all."""
        if not argument:
            self._say(Message(f"Deleted {self.breaks.clear()} breakpoint(s)"))
            return None
        for removed in self.breaks.remove(argument):
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
        self._say(Breakpoints(self.breaks.info()))
        return None

    def do_help(self, argument: str, column: int) -> Decision | None:
        """help [COMMAND]
        List the commands, or show one command's help."""
        if not argument:
            self._say(Help(tuple(COMMANDS.values()), one=False))
            return None
        name = ALIASES.get(argument, argument)
        if name not in COMMANDS:
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
            from prompt_toolkit.history import InMemoryHistory

            from ..replay.console import _history

            history = _history(self._history) if self._history is not None else InMemoryHistory()
            self._prompt_session = PromptSession(history=history, input=self._prompt_io[0],
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


COMMANDS = {name: with_fields(command, aliases=tuple(a for a, target in ALIASES.items() if target == name))
            for name, command in command_table(Stepper).items()}


# -- a stop, for people and as JSON -----------------------------------------------------------------

def stop_view(pending: PendingCall, hits: tuple[int, ...], number: int, where: str | None) -> RenderableType:
    """One header line, then the call's fields; everything from the trace shown as text."""
    why = f"breakpoint {', '.join(str(n) for n in hits)}" if hits else "step"
    lines = [Text.assemble((f"Stop {number} ", "bold cyan"), ("before ", "dim"),
                           (one_line(pending.live.key, 80), "bold"), (f"  ({why})", "dim"))]
    lines.append(_field("path", Text(one_line(pending.path))))
    lines.append(_field("recorded", Text(_recorded(pending, where))))
    lines.append(_field("inputs", Text(one_line(_json(pending.live.inputs, FIELD_WIDTH), FIELD_WIDTH))))
    label, shown, style = _result(pending)
    lines.append(_field(label, Text(shown, style=style)))
    return Group(*lines)


def _field(label: str, value: Text) -> Text:
    return Text.assemble((f"  {label:<8} ", "dim"), value)


def _recorded(pending: PendingCall, where: str | None) -> str:
    if pending.recorded is None:
        return "no recorded call here"
    return one_line(pending.recorded.key, 80) + (f" at {one_line(where, 120)}" if where else "")


def _result(pending: PendingCall) -> tuple[str, str, str]:
    """(label, text, style) of the answer about to be given."""
    answer = pending.answer
    if answer is None:
        if pending.miss is not None:
            then = "accept runs it live" if pending.on_miss == "live" else "accept stops the run, live runs it"
            return "result", one_line(f"no recorded result: {pending.miss}; {then}", FIELD_WIDTH), "yellow"
        return "result", "will run live", "yellow"
    source = f"  ({one_line(answer.source, 20)})"
    if answer.error is not None:
        text = f"{type(answer.error).__name__}: {answer.error}"
        return "raises", one_line(text, FIELD_WIDTH) + source, "red"
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    label = "yields" if "yielded" in outputs and "return" not in outputs else "returns"
    return label, one_line(_json(answer_json(answer), FIELD_WIDTH), FIELD_WIDTH) + source, ""


def stop_line(pending: PendingCall, hits: tuple[int, ...], number: int, where: str | None) -> bytes:
    """The stop as one JSON line (with a newline), control characters escaped."""
    answer = pending.answer
    document = {"schema": SCHEMA, "kind": "stop", "stop": number, "reason": "breakpoint" if hits else "step",
                "breakpoints": list(hits), "call": pending.live.key, "path": pending.path,
                "component": pending.live.component, "name": pending.live.name,
                "event_type": f"{pending.live.prefix}_start",
                "recorded": pending.recorded.key if pending.recorded is not None else None,
                "recorded_at": where, "inputs": pending.live.inputs, "miss": pending.miss,
                "answer": None if answer is None else _answer_document(answer)}
    try:
        data = orjson.dumps(document, default=repr)
    except (TypeError, orjson.JSONEncodeError):  # nested past orjson's 254 levels, or a lone surrogate
        data = json.dumps(fold(document, None), ensure_ascii=True, default=repr).encode()
    return terminal_safe(data) + b"\n"


def _answer_document(answer: Any) -> dict[str, Any]:
    error = answer.error
    return {"source": answer.source, "outputs": answer.outputs,
            "error": None if error is None else {"type": type(error).__name__, "message": str(error)}}


def answer_json(answer: Any) -> Any:
    """The answer as the JSON a replacement would be: its return value, a generator's items, or null
    for an exception or no answer."""
    if answer is None or answer.error is not None:
        return None
    outputs = answer.outputs if isinstance(answer.outputs, dict) else {}
    if "return" in outputs:
        return outputs["return"]
    return outputs["yielded"] if "yielded" in outputs else answer.value


def _json(value: Any, limit: int | None = None) -> str:
    try:
        return orjson.dumps(fold(value, limit), default=repr).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


# -- the replacement: inline JSON, or an editor ---------------------------------------------------

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


def _loop_running() -> bool:
    """A prompt inside an asyncio app runs in a thread of its own (asyncio loops do not nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
