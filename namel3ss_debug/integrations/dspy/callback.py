"""The callback DSPy runs for every module call while tracing: a `ReAct` module's run as an `agent` span.

DSPy calls `on_module_start` right before the module's body and `on_module_end` right after it, in the
same thread and the same coroutine (`with_callbacks`), so the span made current at the start is the
current span for the whole body (its LLM calls and tool calls nest under it) and is undone at the end.
Other modules (the `Predict` and `ChainOfThought` a `ReAct` runs inside) make no span: the agent span
holds their LLM calls directly. Inputs: the module's keyword arguments; outputs: the `Prediction`'s
fields (the answer, and the trajectory of thoughts, tool calls and observations); attrs: the
signature, the tools the agent may call and the model.

The callback goes in through `Settings.get`, which `with_callbacks` asks for the active callbacks on
every call: while tracing, ours follows the app's, whatever `dspy.configure` or `dspy.context` set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback

from ...tracer.api import get_tracer
from ...tracer.serialize import to_jsonable

FRAMEWORK = "dspy"
MARK = "__namel3ss_debug__"
FINISH = "finish"  # the tool every ReAct adds to end its loop (not one of the app's)


class AgentSpans(BaseCallback):  # type: ignore[misc]  # DSPy's class: Any to mypy, as DSPy is (pyproject)
    """Opens an `agent` span when a `ReAct` module's call starts, and ends it with the call."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}  # DSPy's call id -> our span

    def on_module_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        tracer = get_tracer()
        if tracer.run is None or not isinstance(instance, dspy.ReAct):
            return
        try:
            span = tracer.start_span("agent", type(instance).__name__, "agent_execution",
                                     inputs=module_inputs(inputs), attrs=agent_attrs(instance))
            if span is not None:
                self._open[call_id] = span
        except Exception as exc:  # ours: the agent runs on without its span
            tracer.note_failure(exc)

    def on_module_end(self, call_id: str, outputs: Any | None, exception: BaseException | None = None) -> None:
        span = self._open.pop(call_id, None)
        if span is None:
            return
        try:
            if exception is None:
                span.outputs = {"return": prediction_fields(outputs)}
            get_tracer().end_span(span, error=exception)
        except Exception as exc:  # ours: the span stays unclosed, the run goes on
            span.run.recorder.note_failure(exc)


    def runs_react(self, span: Any) -> bool:
        """Whether `span` is the agent span of a `ReAct` run going on (the span current where it calls a tool)."""
        return span is not None and any(span is open_span for open_span in list(self._open.values()))


def module_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """`Module.__call__(*args, **kwargs)`'s arguments as DSPy hands them over: the keyword arguments
    (the signature's input fields), and the positional ones when there are any."""
    given = {str(key): to_jsonable(value) for key, value in (inputs.get("kwargs") or {}).items()}
    args = inputs.get("args")
    return {"args": to_jsonable(list(args)), **given} if args else given


def agent_attrs(agent: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {"framework": FRAMEWORK}
    signature = getattr(getattr(agent, "signature", None), "signature", None)
    if isinstance(signature, str):
        attrs["signature"] = signature
    tools = getattr(agent, "tools", None)
    if isinstance(tools, dict):
        attrs["tools"] = [str(name) for name in tools if name != FINISH]
    model = getattr(dspy.settings.get("lm"), "model", None)
    if isinstance(model, str):
        attrs["model"] = model
    return attrs


def prediction_fields(outputs: Any) -> Any:
    """A `Prediction`'s fields as JSON; anything else as the tracer writes any value."""
    items = getattr(outputs, "items", None)
    if not callable(items):
        return to_jsonable(outputs)
    return {str(key): to_jsonable(value) for key, value in items()}


CALLBACK = AgentSpans()


def install_callback(settings_class: type) -> None:
    """Make `settings_class.get("callbacks")` (`dspy.settings`') end with ours while tracing; idempotent."""
    original = settings_class.__dict__["get"]
    if not getattr(original, MARK, False):
        settings_class.get = with_ours(original)  # type: ignore[attr-defined]


def with_ours(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get(self: Any, key: str, default: Any = None) -> Any:
        value = original(self, key, default)
        if key != "callbacks" or get_tracer().run is None:
            return value
        try:
            given = list(value or ())
            return given if CALLBACK in given else [*given, CALLBACK]
        except Exception as exc:  # not a list of callbacks: the app's value as it is
            get_tracer().note_failure(exc)
            return value

    setattr(get, MARK, True)
    return get
