"""Agno's tool calls (`FunctionCall.execute` / `aexecute`) as `tool` spans with the model's call ids.

Agno runs each tool call the model asked for through one `FunctionCall` (the tool's `Function`, the
parsed `arguments`, the model's `call_id`): `execute` (a sync tool, in a thread under `arun`) or
`aexecute`. Each runs the tool's pre-hook, tool hooks, body and post-hook, and returns a
`FunctionExecutionResult`: the tool's result, or a failure holding only the error's message (Agno
catches the tool's exception). The span records the result under `outputs.return`, or the failure as
its error (`ToolFailed`, with that message); an exception Agno raises on (`StopAgentRun`,
`RetryAgentRun`) is the span's error as it is. In a rerun the recorded result (or failure) is made
into the `FunctionExecutionResult` Agno expects, `FunctionCall.result` (or `error`) set as Agno sets
it, and none of the hooks or the body runs.

A tool whose body is a generator is left as it is: Agno iterates it after `execute` returns, so its
work happens outside the call, and a recorded result could not stand for it. Such are a team's
delegations to its members (`delegate_task_to_member(s)`), whose body runs the member agents: they run
in a rerun too, each member run an `agent` span whose LLM and tool calls are answered.
"""

from __future__ import annotations

import functools
import inspect
from types import ModuleType
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..tools import arun_tool, run_tool

FRAMEWORK = "agno"
MARK = "__namel3ss_debug__"


class ToolFailed(Exception):
    """A tool call Agno reported as failed, with the message Agno kept (and, when run, Agno's result)."""

    def __init__(self, message: str, outcome: Any = None):
        super().__init__(message)
        self.outcome = outcome


def install(module: ModuleType) -> list[str]:
    """Wrap `FunctionCall.execute` and `aexecute`; the hook points this Agno lacks (nothing done then)."""
    function_call = getattr(module, "FunctionCall", None)
    outcome = getattr(module, "FunctionExecutionResult", None)
    missing = [f"FunctionCall.{method}" for method in ("execute", "aexecute")
               if not callable(getattr(function_call, method, None))]
    if missing or outcome is None:
        return missing or ["FunctionExecutionResult"]
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
        described = described_call(tracer, self) if tracer.run is not None else None
        if described is None:
            return original(self)
        name, arguments, call_id = described
        ran: list[Any] = []
        try:
            result = run_tool(tracer, FRAMEWORK, name, arguments, lambda: result_of(original(self), ran),
                              call_id=call_id, link_by_arguments=call_id is None)
        except ToolFailed as failed:
            return failed.outcome or answered_failure(self, outcome, str(failed))
        return ran[0] if ran else answered(self, outcome, result)

    setattr(execute, MARK, True)
    return execute


def recording_aexecute(original: Callable[..., Any], outcome: type) -> Callable[..., Any]:
    """`FunctionCall.aexecute`, as `recording_execute`."""

    @functools.wraps(original)
    async def aexecute(self: Any) -> Any:
        tracer = get_tracer()
        described = described_call(tracer, self) if tracer.run is not None else None
        if described is None:
            return await original(self)
        name, arguments, call_id = described
        ran: list[Any] = []

        async def invoke() -> Any:
            return result_of(await original(self), ran)

        try:
            result = await arun_tool(tracer, FRAMEWORK, name, arguments, invoke, call_id=call_id,
                                     link_by_arguments=call_id is None)
        except ToolFailed as failed:
            return failed.outcome or answered_failure(self, outcome, str(failed))
        return ran[0] if ran else answered(self, outcome, result)

    setattr(aexecute, MARK, True)
    return aexecute


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


def result_of(outcome: Any, ran: list[Any]) -> Any:
    """The tool's result, Agno's outcome kept in `ran`; a failure raises `ToolFailed` (the span's error)."""
    if getattr(outcome, "status", None) == "failure":
        raise ToolFailed(str(outcome.error or ""), outcome)
    ran.append(outcome)
    return outcome.result


def answered(function_call: Any, outcome: type, result: Any) -> Any:
    """The recorded result, as Agno's own run of the call would have left it."""
    function_call.result = result
    return outcome(status="success", result=result)


def answered_failure(function_call: Any, outcome: type, message: str) -> Any:
    """The recorded failure, as Agno leaves a call whose tool raised."""
    function_call.error = message
    return outcome(status="failure", error=message)


__all__ = ["ToolFailed", "install", "recording_aexecute", "recording_execute"]
