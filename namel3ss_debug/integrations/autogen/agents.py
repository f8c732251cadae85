"""AgentChat's agent turns as `agent` spans and team runs as `chain` spans.

- agent: every agent class (autogen-core `component_type` "agent") has the `on_messages` and
  `on_messages_stream` it defines wrapped as it is defined (`classes.py`), the app's own agent classes
  too: `run` calls `on_messages`, `run_stream` and a team's turn call `on_messages_stream`, and each
  answers from the other (the shipped agents stream; `BaseChatAgent`'s stream calls `on_messages`). The
  outermost makes the span (`streams.stepping`): one per turn. It is named after the agent; inputs: the
  new messages it was given; outputs: the text of its final response.
- team: a team class's `run_stream` (`BaseGroupChat`'s, which `run` goes through) is wrapped: a `chain`
  span named after the team, its task as inputs, the last message and the stop reason as outputs. The
  team's runtime starts its work in tasks during the run, so the agents' spans nest under it.

Both run in a rerun (only their LLM and tool calls are answered) and are kept current step by step
(`integrations/streamed_runs.py`), so the `llm` spans the HTTP transport records and the tool spans nest under them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, acall
from ..streamed_runs import aspanned_steps
from .streams import owning, stepping
from .tools import FRAMEWORK

_MARK = "_namel3ss_debug"
DEFAULT_TEAM = "team"


# What is wrapped, by autogen-core's `component_type` of the class: the methods a run goes through.
WRAPPED = {"agent": ("on_messages", "on_messages_stream"), "team": ("run_stream",)}


def wrap_class(cls: type) -> None:
    """Wrap the agent turns or team run `cls` defines (its `component_type` says which), those that are
    not abstract; idempotent."""
    kind = getattr(cls, "component_type", None)
    for method in WRAPPED.get(kind, ()) if isinstance(kind, str) else ():
        original = cls.__dict__.get(method)
        if original is None or getattr(original, "__isabstractmethod__", False) or getattr(original, _MARK, False):
            continue
        setattr(cls, method, _WRAPPERS[method](original))


def _agent_answer(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def on_messages(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        def invoke() -> Any:
            return original(self, messages, *args, **kwargs)

        tracer = get_tracer()
        if tracer.run is None or stepping() is self:
            return await invoke()
        name, inputs = _described(tracer, lambda: (str(self.name), {"messages": _texts(messages)}), "agent")
        with owning(self):
            return await acall(tracer, ForeignSpec("agent", name, replayable=False), RESPONSE, inputs, invoke,
                               attrs=_agent_attrs(self))

    setattr(on_messages, _MARK, True)
    return on_messages


def _agent_turn(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def on_messages_stream(self: Any, messages: Any, *args: Any, **kwargs: Any) -> Any:
        stream = original(self, messages, *args, **kwargs)
        tracer = get_tracer()
        if not _to_span(tracer, self, stream):
            return stream
        name, inputs = _described(tracer, lambda: (str(self.name), {"messages": _texts(messages)}), "agent")
        return aspanned_steps(tracer, ForeignSpec("agent", name, replayable=False), inputs, _agent_attrs(self),
                              stream, _final_of(_is_response), shape=RESPONSE, final=_is_response,
                              around=lambda: owning(self))

    setattr(on_messages_stream, _MARK, True)
    return on_messages_stream


def _team_run(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run_stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        stream = original(self, *args, **kwargs)
        tracer = get_tracer()
        if not _to_span(tracer, self, stream):
            return stream
        name, inputs = _described(tracer, lambda: (_team_name(self), {"task": _task(kwargs.get("task"))}),
                                  DEFAULT_TEAM)
        return aspanned_steps(tracer, ForeignSpec("chain", name, replayable=False), inputs,
                              {"framework": FRAMEWORK, "team_class": type(self).__name__}, stream,
                              _final_of(_is_task_result), shape=TASK_RESULT, final=_is_task_result,
                              around=lambda: owning(self))

    setattr(run_stream, _MARK, True)
    return run_stream


def _agent_attrs(agent: Any) -> dict[str, Any]:
    return {"framework": FRAMEWORK, "agent_class": type(agent).__name__}


def _to_span(tracer: Any, owner: Any, stream: Any) -> bool:
    """Whether the stream gets a span: while tracing, when it is an async stream (an app's class may
    define the method otherwise), and not a subclass's method calling its base's (one span)."""
    return tracer.run is not None and hasattr(stream, "__anext__") and stepping() is not owner


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


def _final_of(is_final: Callable[[Any], bool]) -> Callable[[Any, Any], Any]:
    """The fold that keeps the final item of a turn or a run: what its span describes."""
    return lambda answer, item: item if is_final(item) else answer


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
_WRAPPERS = {"on_messages": _agent_answer, "on_messages_stream": _agent_turn, "run_stream": _team_run}

__all__ = ["WRAPPED", "wrap_class"]
