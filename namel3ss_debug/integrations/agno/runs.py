"""An Agno `Agent` or `Team` run (`run`, `arun`) as an `agent` span over its LLM calls, tool calls and
member runs.

The span is named after the agent or team (`name`, else its class); inputs: the run's input; outputs:
the `RunOutput`'s content under `return`; attrs: the framework, the class and the model's id. It is
not answered in a rerun: the run goes on, and its LLM and tool calls are answered.

A streamed run (`stream=True`, or an agent made with `stream=True`) returns the run's events for the
app to drive, from `run` a generator, from `arun` an async one: the span is current only while Agno
makes the next event (`integrations/streamed_runs.py`), and its output is the completed run's content
when an event carries it, else the content the run streamed, joined. A background `arun` (a run that
goes on after it returns) is left as it is: its calls are recorded, under the app's current span.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any, Callable

from ...tracer.core import Tracer
from ..agent_runs import agent_of, agent_run
from ..calls import Shape
from ..streamed_runs import Fold
from ..wrapping import traced_method

FRAMEWORK = "agno"
MARK = "__namel3ss_debug__"
# Agno's module -> the class whose runs are spans, and the module of the events its streamed runs yield.
OWNERS = {"agno.agent.agent": ("Agent", "agno.run.agent"), "agno.team.team": ("Team", "agno.run.team")}
RUN = Shape(lambda result: {"return": getattr(result, "content", result)})


def install(module: ModuleType) -> list[str]:
    """Wrap the module's `Agent` (or `Team`) `run` and `arun`; the hook points it lacks (nothing done then)."""
    name, events = OWNERS.get(module.__name__, OWNERS["agno.agent.agent"])
    owner = getattr(module, name, None)
    missing = [f"{name}.{method}" for method in ("run", "arun") if not callable(getattr(owner, method, None))]
    if missing:
        return missing
    for method, wrap in (("run", spanned_run), ("arun", spanned_arun)):
        original = getattr(owner, method)
        if not getattr(original, MARK, False):
            setattr(owner, method, wrap(original, answer_in(events)))
    return []


def spanned_run(original: Callable[..., Any], answer: Fold) -> Callable[..., Any]:
    """`run`, in an `agent` span while tracing; `answer` folds a streamed run's events into its answer."""
    return traced_method(functools.partial(_spanned, answer, False), MARK)(original)


def spanned_arun(original: Callable[..., Any], answer: Fold) -> Callable[..., Any]:
    """`arun` (a method returning the run's coroutine, or its async iterator of events), in an `agent`
    span while tracing (a background run excepted). The run starts when its coroutine is awaited, under
    the span."""
    return traced_method(functools.partial(_spanned, answer, True), MARK)(original)


def _spanned(answer: Fold, asynchronous: bool, tracer: Tracer, invoke: Callable[[], Any], runner: Any, /,
             input: Any, *args: Any, **kwargs: Any) -> Any:
    if asynchronous and kwargs.get("background"):
        return invoke()
    return agent_run(tracer, agent_of(tracer, FRAMEWORK, runner, "id"), {"input": input}, invoke, shape=RUN,
                     streamed=streamed(runner, kwargs), fold=answer, asynchronous=asynchronous)


def streamed(runner: Any, kwargs: dict[str, Any]) -> bool:
    """Whether the run streams: `stream=` given, else the agent's or team's own `stream`."""
    stream = kwargs.get("stream")
    return bool(getattr(runner, "stream", None) if stream is None else stream)


def answer_in(events: str) -> Fold:
    """How a streamed run's events (of Agno's module `events`: a team's, or an agent's) make its answer:
    a completed run's content, else the content events' text joined. Events of other modules (a team
    member's, passed on by its team) are not its own."""

    def answer(so_far: Any, event: Any) -> Any:
        if type(event).__module__ != events:
            return so_far
        kind, content = type(event).__name__, getattr(event, "content", None)
        if kind == "RunCompletedEvent" and content is not None:
            return content
        if kind == "RunContentEvent" and isinstance(content, str):
            return (so_far or "") + content
        return so_far

    return answer


__all__ = ["answer_in", "install", "spanned_arun", "spanned_run"]
