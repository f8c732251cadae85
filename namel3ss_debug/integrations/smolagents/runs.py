"""A smolagents agent run (`MultiStepAgent.run`) as an `agent` span over its LLM and tool calls.

The span is named after the agent (`name`, else its class: `ToolCallingAgent`, `CodeAgent`); inputs:
the task; outputs: the final answer under `return` (a `RunResult`'s `output` when the run returns
one); attrs: the framework, the agent's class and its model's id. It is not answered in a rerun: the
run goes on, and its LLM and tool calls are answered.

A run asked to stream (`stream=True`, as smolagents' Gradio UI asks) returns its steps as a generator
the app drives: the span opens when the app asks for the first step and ends after the last (its
output the `FinalAnswerStep`'s), current only while the run's own code makes the next step, never
while the app handles one. An app that stops reading ends it there.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator

from ...tracer.api import get_tracer
from ...tracer.context import current, reset_current
from ..calls import ForeignSpec, Shape, call, end, open_span

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
            return streamed(tracer, spec, {"task": task}, attrs, original(self, task, *args, **kwargs))
        return call(tracer, spec, RUN, {"task": task}, lambda: original(self, task, *args, **kwargs), attrs=attrs)

    setattr(run, MARK, True)
    return run


def streamed(tracer: Any, spec: ForeignSpec, inputs: Any, attrs: dict[str, Any],
             steps: Iterator[Any]) -> Iterator[Any]:
    """The run's steps as smolagents yields them, in the agent span (opened when the first is asked for)."""
    span = open_span(tracer, spec, inputs, attrs=attrs, activate=False)
    final = None
    try:
        while True:
            token = current.set(span) if span is not None else None
            try:
                step = next(steps)
            except StopIteration:
                break
            finally:
                if token is not None:
                    reset_current(token, span)
            if type(step).__name__ == FINAL:
                final = getattr(step, "output", None)
            yield step
    except GeneratorExit:  # the app stopped reading: the run ends there
        tracer.end_span(span)
        raise
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise
    finally:
        steps.close()
    end(tracer, span, RUN, final)


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
