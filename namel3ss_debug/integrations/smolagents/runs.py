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

from typing import Any, Callable

from ...tracer.core import Tracer
from ..agent_runs import agent_of, agent_run
from ..calls import Shape
from ..wrapping import traced_method

FRAMEWORK = "smolagents"
MARK = "__namel3ss_debug__"
RUN = Shape(lambda result: {"return": getattr(result, "output", result)})
FINAL = "FinalAnswerStep"  # the last step of a streamed run, holding the answer


def with_agent_span(original: Callable[..., Any]) -> Callable[..., Any]:
    """`MultiStepAgent.run`, in an `agent` span while tracing."""
    return traced_method(_run, MARK)(original)


def _run(tracer: Tracer, invoke: Callable[[], Any], agent: Any, /, task: Any, *args: Any, **kwargs: Any) -> Any:
    return agent_run(tracer, agent_of(tracer, FRAMEWORK, agent, "model_id"), {"task": task}, invoke, shape=RUN,
                     streamed=_streamed(args, kwargs), fold=final_answer)


def final_answer(answer: Any, step: Any) -> Any:
    """A streamed run's answer: the `FinalAnswerStep`'s output, its last step."""
    return getattr(step, "output", None) if type(step).__name__ == FINAL else answer


def _streamed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether the run was asked to stream: `run(task, stream=True)` or `run(task, True)`."""
    return bool(kwargs.get("stream", args[0] if args else False))


__all__ = ["with_agent_span"]
