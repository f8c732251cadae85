"""A smolagents agent run (`MultiStepAgent.run`) as an `agent` span over its LLM and tool calls.

The span is named after the agent (`name`, else its class: `ToolCallingAgent`, `CodeAgent`); inputs:
the task; outputs: the final answer under `return` (a `RunResult`'s `output` when the run returns
one); attrs: the framework, the agent's class and its model's id. It is not answered in a rerun: the
run goes on, and its LLM and tool calls are answered.

A run asked to stream (`stream=True`, as smolagents' Gradio UI asks) returns its steps as a generator
the app drives: the span is current only while smolagents makes the next step, and its output is the
last step's, the `FinalAnswerStep` (`integrations/streamed_runs.py`).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, call
from ..streamed_runs import spanned_steps

FRAMEWORK = "smolagents"
MARK = "__namel3ss_debug__"
RUN = Shape(lambda result: {"return": getattr(result, "output", result)})
FINAL = "FinalAnswerStep"  # the last step of a streamed run, holding the answer


def with_agent_span(original: Callable[..., Any]) -> Callable[..., Any]:
    """`MultiStepAgent.run`, in an `agent` span while tracing."""

    @functools.wraps(original)
    def run(self: Any, task: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, task, *args, **kwargs)
        name, attrs = agent_of(tracer, self)
        spec = ForeignSpec("agent", name, replayable=False)
        if _streamed(args, kwargs):
            return spanned_steps(tracer, spec, {"task": task}, attrs, original(self, task, *args, **kwargs),
                                 final_answer)
        return call(tracer, spec, RUN, {"task": task}, lambda: original(self, task, *args, **kwargs), attrs=attrs)

    setattr(run, MARK, True)
    return run


def final_answer(answer: Any, step: Any) -> Any:
    """A streamed run's answer: the `FinalAnswerStep`'s output, its last step."""
    return getattr(step, "output", None) if type(step).__name__ == FINAL else answer


def _streamed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether the run was asked to stream: `run(task, stream=True)` or `run(task, True)`."""
    return bool(kwargs.get("stream", args[0] if args else False))


def agent_of(tracer: Any, agent: Any) -> tuple[str, dict[str, Any]]:
    """The span's name and attrs, from the agent."""
    kind = type(agent).__name__
    attrs: dict[str, Any] = {"framework": FRAMEWORK, "agent_class": kind}
    try:
        model = getattr(getattr(agent, "model", None), "model_id", None)
        if model:
            attrs["model"] = str(model)
        return str(getattr(agent, "name", None) or kind), attrs
    except Exception as exc:  # an agent whose attributes fail when read: the span opens all the same
        tracer.note_failure(exc)
        return kind, attrs


__all__ = ["with_agent_span"]
