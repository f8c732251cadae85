"""A smolagents `ToolCallingAgent`'s tool calls as `tool` spans with the model's call ids.

`execute_tool_call(tool_name, arguments)`, where a call runs, is not given the call's id; the step's
`process_tool_calls(chat_message, memory_step)`, called before any of them runs, has the model's
message with every call's id, name and arguments (the very objects later passed on). So the ids are
noted there, per agent and by tool name and arguments, in the model's order, and each call takes
its own when it runs (the step runs several calls on threads of its own: each takes one by its name
and arguments). A call no step noted (the app calling `execute_tool_call` itself) is linked to its
LLM call by name and arguments instead.

Handled errors. `execute_tool_call` wraps whatever a tool raises in smolagents' own `AgentToolExecutionError`
(`AgentToolCallError` for arguments it refused), raised `from` the tool's exception, and the step puts that
error in the agent's memory, so the model reads it and the run goes on. The span ends failed with the
tool's own exception (a `KeyError`, its message and stack; smolagents' error itself when it has no cause)
and `error.handled: true`; its `outputs.raised` keep smolagents' error (type and message: what the model
is told). A rerun raises smolagents' error again, made from those, over the recorded exception.
"""

from __future__ import annotations

import functools
import json
import threading
import weakref
from collections import deque
from typing import Any, Callable

from ...tracer.api import get_tracer
from ...tracer.core import Tracer
from ...tracer.events import type_name
from ..calls import ForeignSpec, Telling, told_call
from ..tools import RESULT, tool_attrs
from .runs import FRAMEWORK, MARK

Key = tuple[str, str]


class CallIds:
    """The ids of the tool calls an agent's step is about to run, by tool name and arguments."""

    def __init__(self) -> None:
        self._waiting: weakref.WeakKeyDictionary[Any, dict[Key, deque[str]]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def note(self, agent: Any, calls: list[Any]) -> None:
        """A new step's calls (`ChatMessageToolCall`s): what an earlier step left untaken is dropped."""
        waiting: dict[Key, deque[str]] = {}
        for tool_call in calls:
            function = tool_call.function
            waiting.setdefault(key_of(function.name, function.arguments), deque()).append(str(tool_call.id))
        with self._lock:
            self._waiting[agent] = waiting

    def take(self, agent: Any, name: str, arguments: Any) -> str | None:
        """The id of the first call noted for this tool and these arguments not taken yet, or None."""
        with self._lock:
            ids = self._waiting.get(agent, {}).get(key_of(name, arguments))
            return ids.popleft() if ids else None


def key_of(name: Any, arguments: Any) -> Key:
    """A tool call's name and arguments as a key (smolagents runs a call without arguments with `{}`)."""
    return str(name), json.dumps(arguments or {}, sort_keys=True, default=repr)


CALL_IDS = CallIds()


def noting_call_ids(original: Callable[..., Any]) -> Callable[..., Any]:
    """`ToolCallingAgent.process_tool_calls`, noting the ids of the calls of the model's message first."""

    @functools.wraps(original)
    def process_tool_calls(self: Any, chat_message: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is not None:
            try:
                CALL_IDS.note(self, list(chat_message.tool_calls or ()))
            except Exception as exc:  # a message of another shape: the calls are linked by arguments
                tracer.note_failure(exc)
        return original(self, chat_message, *args, **kwargs)

    setattr(process_tool_calls, MARK, True)
    return process_tool_calls


def recording_tool_calls(original: Callable[..., Any]) -> Callable[..., Any]:
    """`ToolCallingAgent.execute_tool_call`, each call a `tool` span (a managed agent's run excepted)."""

    @functools.wraps(original)
    def execute_tool_call(self: Any, tool_name: str, arguments: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or tool_name in (getattr(self, "managed_agents", None) or {}):
            return original(self, tool_name, arguments)
        try:
            call_id = CALL_IDS.take(self, tool_name, arguments)
        except Exception as exc:  # arguments that cannot be keyed: linked by arguments
            tracer.note_failure(exc)
            call_id = None
        return run_tool_call(tracer, self, str(tool_name), arguments, call_id,
                             lambda: original(self, tool_name, arguments))

    setattr(execute_tool_call, MARK, True)
    return execute_tool_call


def run_tool_call(tracer: Tracer, agent: Any, name: str, arguments: Any, call_id: str | None,
                  invoke: Callable[[], Any]) -> Any:
    """The call in a `tool` span, or the rerun's answer; an error smolagents hands the model ends it
    failed and handled, with the tool's own exception (see the module's docstring)."""
    attrs = tool_attrs(tracer, FRAMEWORK, call_id, name=name if call_id is None else None, arguments=arguments)
    telling = Telling(told_model, functools.partial(raised_again, tracer, agent))
    try:
        return told_call(tracer, ForeignSpec("tool", name), RESULT, arguments, invoke, telling, attrs=attrs)
    except Exception as error:
        as_smolagents_raises(tracer, agent, error)
        raise


def told_model(error: Exception) -> tuple[BaseException, dict[str, Any]] | None:
    """The tool's own exception and smolagents' error as the step hands it to the model (its type and
    message), or None for an error that ends the run (`AgentGenerationError`) or is not smolagents'."""
    from smolagents.utils import AgentError, AgentGenerationError  # noqa: PLC0415 - smolagents is running

    if not isinstance(error, AgentError) or isinstance(error, AgentGenerationError):
        return None
    cause = error.__cause__ if isinstance(error.__cause__, Exception) else error
    return cause, {"raised": {"type": type_name(error), "message": str(error.message)}}


def raised_again(tracer: Tracer, agent: Any, error: BaseException, outputs: Any) -> BaseException:
    """What a rerun raises over a recorded handled error: smolagents' error the recording says it raised
    (recorded without its outputs: an `AgentToolExecutionError` saying the exception)."""
    raised = outputs.get("raised") if isinstance(outputs, dict) else None
    if not isinstance(raised, dict):
        raised = {"message": f"{type(error).__name__}: {error}"}
    from smolagents import utils  # noqa: PLC0415 - smolagents is running

    kind = getattr(utils, str(raised.get("type", "")).rsplit(".", 1)[-1], None)
    if not (isinstance(kind, type) and issubclass(kind, utils.AgentError)):
        kind = utils.AgentToolExecutionError
    try:
        rebuilt: BaseException = kind(str(raised.get("message", "")), agent.logger)
        return rebuilt
    except Exception as exc:  # another constructor: the recorded exception goes on as it was rebuilt
        tracer.note_failure(exc)
        return error


def as_smolagents_raises(tracer: Any, agent: Any, error: Exception) -> None:
    """A smolagents error a rerun raised again from the recording, made as smolagents makes it.

    smolagents' `AgentError(message, logger)` logs its message as it is made, and keeps it as `message`
    (read when the step is written to memory); the rerun rebuilds it without its constructor, which
    takes the agent's logger. Errors raised live have their `message` and are left as they are."""
    if hasattr(error, "message") or not type(error).__module__.startswith("smolagents"):
        return
    try:
        error.__init__(str(error), agent.logger)  # type: ignore[misc]
    except Exception as exc:  # another constructor: the error goes on as it was rebuilt
        tracer.note_failure(exc)


__all__ = ["CALL_IDS", "CallIds", "noting_call_ids", "recording_tool_calls", "run_tool_call"]
