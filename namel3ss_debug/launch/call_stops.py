"""The rerun's console commands, without I/O (`replay TRACE --rerun --step`): at a stop before a replayable
call, look at it, set breakpoints, and answer it (accept the answer shown, replace it, or run it live).

    session = RerunSession(call_breakpoints(), step=True, recording=recording, edit=editor)
    stop = session.arrive(pending)       # a CallStop to show, or None: the call is not a stop
    session.execute('replace {"hits": []}')  # records to show; a command that answers the call ends the stop
    session.leave()                      # the Decision (accept when none was made), for the rerun

The shell (`shell/rerun_console.py`) reads the lines and writes the records; `edit` is a function of the shell's
that runs the user's editor on the answer as JSON (`edit(value) -> the saved text, or None if unchanged`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import orjson

from ..model.errors import UsageError
from ..model.rerun_protocol import REPLACED, RerunQuit
from ..model.values import CodecError
from ..model.json_types import JsonValue
from ..replay.breakpoints import BreakpointTable, parse_condition
from ..replay.commands import CommandSession, numbers
from ..replay.expr import MISSING, evaluate
from ..replay.outputs import Message, Output, Value
from ..replay.reports import breakpoint_list, clear_breakpoints, set_breakpoint
from ..transport import apis
from ..rerun.answers import answer_json, from_value
from ..rerun.answerer import Decision, PendingCall
from ..recording.calls import Recording
from .call_targets import call_view

class AnswerError(UsageError):
    """A replacement that is not JSON, or an editor that failed: the stop stays. `column` (1-based,
    in the command line) when known."""

    def __init__(self, message: str, *, column: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.column = column


@dataclass(frozen=True)
class CallStop(Output):
    """A stop before a call: the call, the breakpoints hit (none when stepping), the stop's number in
    the rerun, and where the recorded call it matched is (`trace.jsonl:14`)."""

    pending: PendingCall
    hits: tuple[int, ...]
    number: int
    where: str | None


@dataclass(frozen=True)
class Replaced(Output):
    """A call's answer replaced at the console: `key returns value`."""

    key: str
    value: JsonValue


def _editable(pending: PendingCall) -> JsonValue:
    """The answer shown, as a replacement would give it: an LLM request's as the model's answer (text and tool
    calls), where its record says one; any other as the JSON of its return value."""
    answer = pending.answer
    said = None
    if answer is not None and not answer.raises and pending.live.component in ("llm", "http"):
        said = apis.neutral_answer(pending.live.name, answer.value)
    return said if said is not None else answer_json(answer)


class RerunSession(CommandSession):
    """The breakpoints, whether to stop at every call (stepping), and the call waiting at a stop."""

    def __init__(self, breakpoints: BreakpointTable, *, step: bool = False, recording: Recording | None = None,
                 edit: Callable[[JsonValue], str | None] | None = None):
        super().__init__()
        self.breakpoints = breakpoints
        self.stepping = step
        self.recording = recording  # to say where a matched call was recorded
        self.edit = edit
        self.stops = 0
        self.decision: Decision | None = None
        self._pending: PendingCall | None = None

    def arrive(self, pending: PendingCall) -> CallStop | None:
        """The stop before this call, or None when it is none (not stepping, no breakpoint hit)."""
        hits = self.breakpoints.hits(pending, call_view)
        if not (self.stepping or hits):
            return None
        self.stops += 1
        self._pending, self.decision, self.done = pending, None, False
        return CallStop(pending, hits, self.stops, self._where(pending))

    def leave(self) -> Decision:
        """The decision made at the stop (accept, when the commands ran out first); the stop is over."""
        decision = self.decision or Decision("accept")
        self._pending, self.decision, self.done = None, None, False
        return decision

    def _decide(self, action: str, value: JsonValue = None) -> list[Output]:
        self.decision, self.done = Decision(action, value), True
        return []

    # -- the answer ------------------------------------------------------------------------------

    def do_accept(self, argument: str, column: int) -> list[Output]:
        """accept
        Give the call the answer shown; when stepping, stop again before the next call."""
        return self._decide("accept")

    def do_step(self, argument: str, column: int) -> list[Output]:
        """step
        Give the call the answer shown, and stop before the next replayable call."""
        self.stepping = True
        return self._decide("accept")

    def do_continue(self, argument: str, column: int) -> list[Output]:
        """continue
        Give the call the answer shown, and run on to the next breakpoint (or the end of the run)."""
        self.stepping = False
        return self._decide("accept")

    def do_replace(self, argument: str, column: int) -> list[Output]:
        """replace JSON
        The call returns this JSON value instead of the answer shown: replace {"hits": []}.

        A generator yields the items of a JSON list. The value goes through the call's codec, as a
        recorded one does."""
        if not argument:
            raise AnswerError("replace needs a JSON value", hint='e.g. replace {"hits": []}')
        return self._replaced(parse_json(argument, column))

    def do_edit(self, argument: str, column: int) -> list[Output]:
        """edit
        Edit the answer as JSON in $VISUAL or $EDITOR (else vi); what you save is what the call returns.

        An LLM request's answer is given as {"content": ..., "tool_calls": [...]}, not as its HTTP
        response. Leave the file as it was to keep the answer shown. The editor runs as its own
        program, without a shell."""
        pending = self._current
        if self.edit is None:
            raise AnswerError("no editor at this console", hint="replace JSON gives the answer inline")
        saved = self.edit(_editable(pending))
        if saved is None:
            return [Message("unchanged: the answer shown stays (accept gives it)")]
        return self._replaced(parse_json(saved, None))

    def do_live(self, argument: str, column: int) -> list[Output]:
        """live
        Run this call for real (a model, a tool, the network) instead of answering it from the recording."""
        return [Message(f"{self._current.live.key} runs live"), *self._decide("live")]

    def _replaced(self, value: JsonValue) -> list[Output]:
        pending = self._current
        try:  # a value the call's codec cannot rebuild is refused here, and the stop stays
            from_value(REPLACED, value, pending.codec, None, pending.generator)
        except CodecError as error:
            raise AnswerError(str(error), hint="give the fields the call's codec needs") from None
        return [Replaced(pending.live.key, value), *self._decide("replace", value)]

    # -- breakpoints and looking -----------------------------------------------------------------

    def do_break(self, argument: str, column: int) -> list[Output]:
        """break [TARGET [if CONDITION]]
        Stop before the calls TARGET names; without one, list the breakpoints.

        TARGET: a component (llm, tool), an event type (llm_call_start), component:name
        (tool:search, patterns such as tool:search*), component:name#N (the N-th such call
        of the rerun), a name (search), or errors (an answer that raises, or no recorded
        result). CONDITION reads the call as `p` shows it: inputs.query == "x",
        "timeout" in error.message, source == "mocked"."""
        if not argument:
            return [breakpoint_list(self.breakpoints)]
        return [set_breakpoint(self.breakpoints, argument, column)]

    def do_clear(self, argument: str, column: int) -> list[Output]:
        """clear [NUMBER ...]
        Delete these breakpoints; without numbers, delete them all."""
        chosen = numbers(argument, "clear", "a breakpoint number", required=False) if argument else None
        return clear_breakpoints(self.breakpoints, chosen)

    def do_p(self, argument: str, column: int) -> list[Output]:
        """p [EXPRESSION]
        Print a field or expression of the call as JSON on one line (inputs.query, outputs, error.type,
        key, path, source); without one, every field.

        The fields: component, name, event_type, inputs, key, path, and of the answer shown
        outputs, error, source; recorded is the key of the recorded call it matched."""
        pending = self._current
        if not argument:
            return [Value("<call>", pending.view(), pretty=True)]
        value = evaluate(parse_condition(argument, column), call_view(pending).resolve)
        return [Value(argument, None if value is MISSING else value, value is MISSING)]

    def do_inputs(self, argument: str, column: int) -> list[Output]:
        """inputs
        Show the call's inputs in full, as indented JSON."""
        return [Value("inputs", self._current.live.inputs, pretty=True)]

    def do_info(self, argument: str, column: int) -> list[Output]:
        """info
        List the breakpoints, with how often each was reached."""
        return [breakpoint_list(self.breakpoints)]

    def do_quit(self, argument: str, column: int) -> list[Output]:
        """quit
        Stop the app here (so does end of input, Ctrl-D, at the terminal)."""
        raise RerunQuit("quit at the rerun's console")

    @property
    def _current(self) -> PendingCall:
        if self._pending is None:
            raise UsageError("no call is waiting for an answer")
        return self._pending

    def _where(self, pending: PendingCall) -> str | None:
        if pending.recorded is None or self.recording is None:
            return None
        return self.recording.where(pending.recorded)


COMMANDS = RerunSession.commands


def parse_json(text: str, column: int | None) -> JsonValue:
    """A replacement value; `column` is where `text` starts in the command line (None: a file)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if column is None:
            raise AnswerError(f"the saved file is not JSON: line {error.lineno} column {error.colno}: "
                              f"{error.msg}", hint="the answer shown stays; edit again") from None
        raise AnswerError(f"column {column + error.pos}: not JSON: {error.msg}", column=column + error.pos,
                          hint='the answer shown stays; e.g. replace {"hits": []}') from None
