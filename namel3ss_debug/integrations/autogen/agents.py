"""AgentChat's agent turns as `agent` spans and team runs as `chain` spans.

- agent: every agent class (autogen-core `component_type` "agent") that defines `on_messages_stream` has
  it wrapped as it is defined (`classes.py`), the app's own agent classes too. It is the one
  method all ways of running an agent go through: `run` calls `on_messages`, which the shipped agents
  answer from `on_messages_stream`; `run_stream` and a team's turn call it directly. The span is named
  after the agent; inputs: the new messages it was given; outputs: the text of its final response.
- team: a team class's `run_stream` (`BaseGroupChat`'s, which `run` goes through) is wrapped: a `chain`
  span named after the team, its task as inputs, the last message and the stop reason as outputs. The
  team's runtime starts its work in tasks during the run, so the agents' spans nest under it.

Both run in a rerun (only their LLM and tool calls are answered) and are kept current step by step
(`streams.py`), so the `llm` spans the HTTP transport records and the tool spans nest under them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape
from .streams import spanned, stepping
from .tools import FRAMEWORK

_MARK = "_namel3ss_debug"
DEFAULT_TEAM = "team"


# What is wrapped, by autogen-core's `component_type` of the class: the method every run goes through.
WRAPPED = {"agent": "on_messages_stream", "team": "run_stream"}


def wrap_class(cls: type) -> None:
    """Wrap the agent turn or team run `cls` defines (its `component_type` says which), if it defines
    one that is not abstract; idempotent."""
    kind = getattr(cls, "component_type", None)
    method = WRAPPED.get(kind) if isinstance(kind, str) else None
    original = cls.__dict__.get(method) if method else None
    if original is None or getattr(original, "__isabstractmethod__", False) or getattr(original, _MARK, False):
        return
    setattr(cls, method, _agent_turn(original) if method == "on_messages_stream" else _team_run(original))


def _agent_turn(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def on_messages_stream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        stream = original(self, messages, *args, **kwargs)
        tracer = get_tracer()
        if tracer.run is None or stepping() is self:  # a subclass's turn calling its base's: one span
            return stream
        name, inputs = _described(tracer, lambda: (str(self.name), {"messages": _texts(messages)}), "agent")
        return spanned(tracer, ForeignSpec("agent", name, replayable=False), inputs,
                       {"framework": FRAMEWORK, "agent_class": type(self).__name__}, stream, RESPONSE, _is_response,
                       owner=self)

    setattr(on_messages_stream, _MARK, True)
    return on_messages_stream


def _team_run(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run_stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        stream = original(self, *args, **kwargs)
        tracer = get_tracer()
        if tracer.run is None or stepping() is self:
            return stream
        name, inputs = _described(tracer, lambda: (_team_name(self), {"task": _task(kwargs.get("task"))}),
                                  DEFAULT_TEAM)
        return spanned(tracer, ForeignSpec("chain", name, replayable=False), inputs,
                       {"framework": FRAMEWORK, "team_class": type(self).__name__}, stream, TASK_RESULT,
                       _is_task_result, owner=self)

    setattr(run_stream, _MARK, True)
    return run_stream


def _described(tracer: Any, describe: Callable[[], tuple[str, Any]], default: str) -> tuple[str, Any]:
    """The span's name and inputs; on a failure of ours, a default name and no inputs."""
    try:
        return describe()
    except Exception as exc:  # AutoGen changed its messages: the span opens all the same
        tracer.note_failure(exc)
        return default, None


def _texts(messages: Any) -> list[dict[str, Any]]:
    return [{"source": getattr(message, "source", None), "content": message.to_text()} for message in messages]


def _task(task: Any) -> Any:
    if task is None or isinstance(task, str):
        return task
    if hasattr(task, "to_text"):
        return task.to_text()
    return _texts(task)


def _team_name(team: Any) -> str:
    return str(getattr(team, "name", None) or DEFAULT_TEAM)


def _is_response(item: Any) -> bool:
    return hasattr(item, "chat_message") and hasattr(item, "inner_messages")


def _is_task_result(item: Any) -> bool:
    return hasattr(item, "messages") and hasattr(item, "stop_reason")


def _response_outputs(response: Any) -> dict[str, Any]:
    return {"return": response.chat_message.to_text() if response is not None else None}


def _task_result_outputs(result: Any) -> dict[str, Any]:
    if result is None:
        return {"return": None}
    last = result.messages[-1].to_text() if result.messages else None
    return {"return": last, "stop_reason": result.stop_reason}


RESPONSE = Shape(_response_outputs)
TASK_RESULT = Shape(_task_result_outputs)

__all__ = ["wrap_class", "WRAPPED"]
