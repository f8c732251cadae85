"""Agno's tool calls (`FunctionCall.execute` / `aexecute`) as `tool` spans with the model's call ids.

Agno runs each tool call the model asked for through one `FunctionCall` (the tool's `Function`, the
parsed `arguments`, the model's `call_id`): `execute` (a sync tool, in a thread under `arun`) or
`aexecute`. Each runs the tool's pre-hook, tool hooks, body and post-hook, and returns a
`FunctionExecutionResult`: the tool's result, or a failure holding only the error's message (Agno
catches the tool's exception, tells the model that message, and the run goes on). The span records the
result under `outputs.return`; an exception Agno raises on (`StopAgentRun`, `RetryAgentRun`) is the
span's error as it is. In a rerun the recorded result (or failure) is made into the
`FunctionExecutionResult` Agno expects, `FunctionCall.result` (or `error`) set as Agno sets it, and none
of the hooks or the body runs.

Handled errors. Agno keeps only `str(exception)` on the failure, but hands the exception itself to
`log_exception` as it catches it; that function of `agno.tools.function` is wrapped to note it for the
call running (`_SEEN`). A failure ends the span failed with the tool's own exception (type, message,
stack; `ToolFailed` with Agno's message when none was seen), `error.handled: true`, its outputs
`{"error": message}`: what the model is told.

A tool whose body is a generator is left as it is: Agno iterates it after `execute` returns, so its
work happens outside the call, and a recorded result could not stand for it. Such are a team's
delegations to its members (`delegate_task_to_member(s)`), whose body runs the member agents: they run
in a rerun too, each member run an `agent` span whose LLM and tool calls are answered.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Telling, atold_call, told_call
from ..tools import RESULT, tool_attrs

FRAMEWORK = "agno"
MARK = "__namel3ss_debug__"


class ToolFailed(Exception):
    """A tool call Agno reported as failed, with the message Agno kept (and, when run, Agno's result and
    the exception Agno caught, when it was seen)."""

    def __init__(self, message: str, outcome: Any = None, cause: BaseException | None = None):
        super().__init__(message)
        self.outcome, self.cause = outcome, cause


# The exceptions Agno logged while the tool call running in this context ran.
_SEEN: ContextVar[list[BaseException] | None] = ContextVar("namel3ss_debug_agno_seen", default=None)


def install(module: ModuleType) -> list[str]:
    """Wrap `FunctionCall.execute` and `aexecute`; the hook points this Agno lacks (nothing done then)."""
    function_call = getattr(module, "FunctionCall", None)
    outcome = getattr(module, "FunctionExecutionResult", None)
    missing = [f"FunctionCall.{method}" for method in ("execute", "aexecute")
               if not callable(getattr(function_call, method, None))]
    if missing or outcome is None:
        return missing or ["FunctionExecutionResult"]
    logger = getattr(module, "log_exception", None)
    if callable(logger) and not getattr(logger, MARK, False):  # without it, failures stay `ToolFailed`
        setattr(module, "log_exception", noting_exceptions(logger))  # noqa: B010 - a module's, not typed
    for method, wrap in (("execute", recording_execute), ("aexecute", recording_aexecute)):
        original = getattr(function_call, method)
        if not getattr(original, MARK, False):
            setattr(function_call, method, wrap(original, outcome))
    return []


def recording_execute(original: Callable[..., Any], outcome: type) -> Callable[..., Any]:
    """`FunctionCall.execute`, the call a `tool` span while tracing; `outcome`: Agno's result class."""

    @functools.wraps(original)
    def execute(self: Any) -> Any:
        tracer = get_tracer()
        recorded = _Recorded.of(tracer, self, outcome)
        if recorded is None:
            return original(self)

        def invoke() -> Any:
            with _noting() as seen:
                done = original(self)
            return result_of(done, recorded.ran, seen)

        try:
            result = told_call(tracer, recorded.spec, RESULT, recorded.arguments, invoke, TELLING, attrs=recorded.attrs)
        except ToolFailed as failed:
            return recorded.failed(failed)
        return recorded.given(result)

    setattr(execute, MARK, True)
    return execute


def recording_aexecute(original: Callable[..., Any], outcome: type) -> Callable[..., Any]:
    """`FunctionCall.aexecute`, as `recording_execute`."""

    @functools.wraps(original)
    async def aexecute(self: Any) -> Any:
        tracer = get_tracer()
        recorded = _Recorded.of(tracer, self, outcome)
        if recorded is None:
            return await original(self)

        async def invoke() -> Any:
            with _noting() as seen:
                done = await original(self)
            return result_of(done, recorded.ran, seen)

        try:
            result = await atold_call(tracer, recorded.spec, RESULT, recorded.arguments, invoke, TELLING,
                                      attrs=recorded.attrs)
        except ToolFailed as failed:
            return recorded.failed(failed)
        return recorded.given(result)

    setattr(aexecute, MARK, True)
    return aexecute


class _Recorded:
    """A `FunctionCall` run while tracing, as `execute` and `aexecute` record it: its span (the tool's name,
    arguments and attrs), and what Agno gets back: Agno's own outcome when the tool ran, else one made as
    Agno makes it from the recorded result or failure."""

    def __init__(self, tracer: Any, function_call: Any, outcome: type, described: tuple[str, Any, str | None]):
        name, self.arguments, call_id = described
        self.spec = ForeignSpec("tool", name)
        self.attrs = tool_attrs(tracer, FRAMEWORK, call_id, name=None if call_id else name, arguments=self.arguments)
        self.function_call, self.outcome = function_call, outcome
        self.ran: list[Any] = []  # Agno's outcome, when the tool ran (`result_of`)

    @classmethod
    def of(cls, tracer: Any, function_call: Any, outcome: type) -> _Recorded | None:
        """The call to record; None while no run is traced, or for a call left to run as it is."""
        described = described_call(tracer, function_call) if tracer.run is not None else None
        return cls(tracer, function_call, outcome, described) if described is not None else None

    def given(self, result: Any) -> Any:
        """What Agno gets of the call that gave `result`: its own outcome, or the recorded result as one."""
        return self.ran[0] if self.ran else answered(self.function_call, self.outcome, result)

    def failed(self, failed: ToolFailed) -> Any:
        """What Agno gets of a failed call: its own outcome, or the recorded failure as one."""
        return failed.outcome or answered_failure(self.function_call, self.outcome, str(failed))


@contextmanager
def _noting() -> Iterator[list[BaseException]]:
    """The exceptions Agno logs while the tool call runs in this context (`_SEEN`)."""
    seen: list[BaseException] = []
    token = _SEEN.set(seen)
    try:
        yield seen
    finally:
        _SEEN.reset(token)


def described_call(tracer: Any, function_call: Any) -> tuple[str, Any, str | None] | None:
    """The tool's name, its arguments and the model's call id; None for a call left to run as it is: a
    tool whose body is a generator (seen through Agno's argument-validating wrapper), or a call that
    cannot be looked at."""
    try:
        body = inspect.unwrap(function_call.function.entrypoint)
        if inspect.isgeneratorfunction(body) or inspect.isasyncgenfunction(body):
            return None
        call_id = function_call.call_id
        return str(function_call.function.name), function_call.arguments or {}, str(call_id) if call_id else None
    except Exception as exc:  # a FunctionCall of another shape
        tracer.note_failure(exc)
        return None


def result_of(outcome: Any, ran: list[Any], seen: list[BaseException]) -> Any:
    """The tool's result, Agno's outcome kept in `ran`; a failure raises `ToolFailed`, over the exception
    Agno caught when `seen` has it (the last one logged whose text is Agno's message)."""
    if getattr(outcome, "status", None) == "failure":
        message = str(outcome.error or "")
        cause = next((exc for exc in reversed(seen) if _text(exc) == message), None)
        raise ToolFailed(message, outcome, cause)
    ran.append(outcome)
    return outcome.result


def _text(exc: BaseException) -> str | None:
    try:
        return str(exc)
    except Exception:  # an exception that cannot say itself is not the one Agno kept the text of
        return None


def told(error: Exception) -> tuple[BaseException, dict[str, Any]] | None:
    """A failure Agno told the model: the exception it caught (or the `ToolFailed`), and its message."""
    if not isinstance(error, ToolFailed):
        return None
    return error.cause or error, {"error": str(error)}


def raised_again(error: BaseException, outputs: Any) -> BaseException:
    """A recorded failure, raised again as the `ToolFailed` that gives Agno its failed result."""
    said = outputs.get("error") if isinstance(outputs, dict) else None
    return ToolFailed(said if isinstance(said, str) else str(error))


TELLING = Telling(told, raised_again)


def noting_exceptions(original: Callable[..., Any]) -> Callable[..., Any]:
    """Agno's `log_exception`, noting an exception it is given for the tool call running (`_SEEN`)."""

    @functools.wraps(original)
    def log_exception(msg: Any, *args: Any, **kwargs: Any) -> Any:
        seen = _SEEN.get()
        if seen is not None and isinstance(msg, BaseException):
            seen.append(msg)
        return original(msg, *args, **kwargs)

    setattr(log_exception, MARK, True)
    return log_exception


def answered(function_call: Any, outcome: type, result: Any) -> Any:
    """The recorded result, as Agno's own run of the call would have left it."""
    function_call.result = result
    return outcome(status="success", result=result)


def answered_failure(function_call: Any, outcome: type, message: str) -> Any:
    """The recorded failure, as Agno leaves a call whose tool raised."""
    function_call.error = message
    return outcome(status="failure", error=message)


__all__ = ["ToolFailed", "install", "recording_aexecute", "recording_execute"]
