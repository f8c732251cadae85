"""An agent's run (smolagents' `MultiStepAgent.run`, Agno's `Agent` and `Team` `run` / `arun`) as an `agent`
span over its LLM and tool calls.

The span is named after the agent (`name`, else its class); attrs: the framework, the agent's class and its
model's id. It is not answered in a rerun: the run goes on, and its LLM and tool calls are answered. A run
asked to stream returns its steps for the app to drive, the span current only while the framework makes the
next one (`streamed_runs.py`).
"""

from __future__ import annotations

from typing import Any, Callable

from ..tracer.core import Tracer
from .calls import ForeignSpec, Shape, acall, call
from .streamed_runs import Fold, aspanned_steps, spanned_steps


def agent_of(tracer: Tracer, framework: str, agent: Any, model_id: str) -> tuple[str, dict[str, Any]]:
    """The span's name and attrs, from the agent; its model's id is the model's attribute `model_id`."""
    kind = type(agent).__name__
    attrs: dict[str, Any] = {"framework": framework, "agent_class": kind}
    try:
        model = getattr(getattr(agent, "model", None), model_id, None)
        if model:
            attrs["model"] = str(model)
        return str(getattr(agent, "name", None) or kind), attrs
    except Exception as exc:  # an agent whose attributes fail when read: the span opens all the same
        tracer.note_failure(exc)
        return kind, attrs


def agent_run(tracer: Tracer, agent: tuple[str, dict[str, Any]], inputs: Any, invoke: Callable[[], Any], *,
              shape: Shape, streamed: bool, fold: Fold, asynchronous: bool = False) -> Any:
    """The run `invoke()` starts, in the span of `agent` (its name and attrs): its result, which `shape`
    describes, or when it `streamed` its steps, the span's output folded from them by `fold`.
    `asynchronous`: `invoke()` gives a coroutine, or an async iterator of steps."""
    name, attrs = agent
    spec = ForeignSpec("agent", name, replayable=False)
    if streamed:
        return (aspanned_steps if asynchronous else spanned_steps)(tracer, spec, inputs, attrs, invoke(), fold)
    return (acall if asynchronous else call)(tracer, spec, shape, inputs, invoke, attrs=attrs)


__all__ = ["agent_of", "agent_run"]
