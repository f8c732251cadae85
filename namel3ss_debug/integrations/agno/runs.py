"""An Agno `Agent` or `Team` run (`run`, `arun`) as an `agent` span over its LLM calls, tool calls and
member runs.

The span is named after the agent or team (`name`, else its class); inputs: the run's input; outputs:
the `RunOutput`'s content under `return`; attrs: the framework, the class and the model's id. It is
not answered in a rerun: the run goes on, and its LLM and tool calls are answered. A streamed run
(`stream=True`, or an agent made with `stream=True`) returns events the app drives, and a background
`arun` a run that goes on after it returns: both are left as they are (their calls are recorded, under
the app's current span).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, acall, call

FRAMEWORK = "agno"
MARK = "__namel3ss_debug__"
OWNERS = {"agno.agent.agent": "Agent", "agno.team.team": "Team"}  # module -> the class whose runs are spans
RUN = Shape(lambda result: {"return": getattr(result, "content", result)})


def install(module: ModuleType) -> list[str]:
    """Wrap the module's `Agent` (or `Team`) `run` and `arun`; the hook points it lacks (nothing done then)."""
    name = OWNERS.get(module.__name__, "Agent")
    owner = getattr(module, name, None)
    missing = [f"{name}.{method}" for method in ("run", "arun") if not callable(getattr(owner, method, None))]
    if missing:
        return missing
    for method, wrap in (("run", spanned_run), ("arun", spanned_arun)):
        original = getattr(owner, method)
        if not getattr(original, MARK, False):
            setattr(owner, method, wrap(original))
    return []


def spanned_run(original: Callable[..., Any]) -> Callable[..., Any]:
    """`run`, in an `agent` span while tracing (a streamed run excepted)."""

    @functools.wraps(original)
    def run(self: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or streamed(self, kwargs):
            return original(self, input, *args, **kwargs)
        name, attrs = runner_of(tracer, self)
        return call(tracer, ForeignSpec("agent", name, replayable=False), RUN, {"input": input},
                    lambda: original(self, input, *args, **kwargs), attrs=attrs)

    setattr(run, MARK, True)
    return run


def spanned_arun(original: Callable[..., Any]) -> Callable[..., Any]:
    """`arun` (a method returning the run's coroutine), in an `agent` span while tracing (a streamed or
    background run excepted). The run starts when its coroutine is awaited, under the span."""

    @functools.wraps(original)
    def arun(self: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or streamed(self, kwargs) or kwargs.get("background"):
            return original(self, input, *args, **kwargs)
        name, attrs = runner_of(tracer, self)
        return acall(tracer, ForeignSpec("agent", name, replayable=False), RUN, {"input": input},
                     lambda: original(self, input, *args, **kwargs), attrs=attrs)

    setattr(arun, MARK, True)
    return arun


def streamed(runner: Any, kwargs: dict[str, Any]) -> bool:
    """Whether the run streams: `stream=` given, else the agent's or team's own `stream`."""
    stream = kwargs.get("stream")
    return bool(getattr(runner, "stream", None) if stream is None else stream)


def runner_of(tracer: Any, runner: Any) -> tuple[str, dict[str, Any]]:
    """The span's name and attrs, from the agent or team."""
    kind = type(runner).__name__
    attrs: dict[str, Any] = {"framework": FRAMEWORK, "agent_class": kind}
    try:
        model = getattr(getattr(runner, "model", None), "id", None)
        if model:
            attrs["model"] = str(model)
        return str(getattr(runner, "name", None) or kind), attrs
    except Exception as exc:  # attributes that fail when read: the span opens all the same
        tracer.note_failure(exc)
        return kind, attrs


__all__ = ["install", "spanned_arun", "spanned_run"]
