"""`dspy.Tool.__call__` and `dspy.Tool.acall`, wrapped: each tool call a `tool` span, answered by a rerun.

The wrapper replaces the body inside DSPy's callback wrapper (`with_callbacks`, applied again to it), so
the app's `on_tool_start` / `on_tool_end` callbacks run as before, in a rerun too, and only the body
(argument validation and the tool's function) is answered from the recording there. The span is named
after the tool, its inputs the arguments the agent parsed from the model's text, its result what the
function returned. A `ReAct` model names its tools in the text of its answer and gives no call id, so
the span carries none and is linked to no LLM call (no wire rule could pair it either).

The `finish` tool every `ReAct` adds to end its loop makes no span: it is DSPy's, returns a constant,
and is not a tool of the app's.

A tool that raises inside a `ReAct` run (called by the run itself: its agent span is the current span) is
a failed span marked `error.handled: true`: `ReAct` catches any `Exception` a tool raises and makes it the
step's observation ("Execution error in NAME: ..."), and the loop goes on. A tool called otherwise (by
the app, by another tool) fails unmarked: what becomes of its exception is its caller's. `ReAct` shows
the model the first five frames of the error's traceback, so the
frames of our own wrappers are taken out of it (all but the one that raises it on), and the model sees
DSPy's frames and the tool's, as without the tracer. In a rerun the recorded error is raised again
without the tool's frames (its body does not run): the model's next request differs from the recorded
one, and the rerun says so (`not reproduced`); with `--live-tools` the body runs and raises as recorded.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

from dspy.utils.callback import with_callbacks

from ...tracer.api import get_tracer
from ...tracer.context import current
from ...tracer.serialize import to_jsonable
from ..tools import arun_tool, run_tool
from ..wrapping import Wrap, wrap_once
from .callback import CALLBACK, FINISH, FRAMEWORK, MARK

REACT_MODULE = "dspy.predict.react"  # where ReAct's own `finish` function is defined
OURS = "namel3ss_debug."
HANDLED = (Exception,)  # what ReAct makes an observation of


def wrap_tools(tool_class: type) -> None:
    """Wrap the bodies of `tool_class.__call__` and `.acall` (`dspy.Tool`'s); idempotent."""
    for name, wrap in (("__call__", _call), ("acall", _acall)):
        wrap_once(tool_class, name, functools.partial(_body_wrapped, wrap), MARK)


def _body_wrapped(wrap: Wrap, original: Any) -> Callable[..., Any]:
    """`wrap` around the method's body, under dspy's callbacks again."""
    wrapped: Callable[..., Any] = with_callbacks(wrap(original.__wrapped__))
    return wrapped


def _call(body: Callable[..., Any]) -> Callable[..., Any]:
    # `**kwargs` alone, as the body has: `with_callbacks` hands the callbacks the arguments by the signature
    @functools.wraps(body)
    def __call__(self: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or _is_finish(self):
            return body(self, **kwargs)
        try:
            return run_tool(tracer, FRAMEWORK, str(self.name), arguments(kwargs), lambda: body(self, **kwargs),
                            handled=handled_here())
        except Exception as exc:
            # the same exception, our frames cut from its traceback: `from` would overwrite the cause it has
            raise exc.with_traceback(without_ours(exc.__traceback__))  # noqa: B904

    setattr(__call__, MARK, True)
    return __call__


def _acall(body: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(body)
    async def acall(self: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or _is_finish(self):
            return await body(self, **kwargs)
        try:
            return await arun_tool(tracer, FRAMEWORK, str(self.name), arguments(kwargs),
                                   lambda: body(self, **kwargs), handled=handled_here())
        except Exception as exc:
            # the same exception, our frames cut from its traceback: `from` would overwrite the cause it has
            raise exc.with_traceback(without_ours(exc.__traceback__))  # noqa: B904

    setattr(acall, MARK, True)
    return acall


def handled_here() -> tuple[type[BaseException], ...]:
    """The exceptions the caller hands the model: a `ReAct` run's (its agent span is current), else none."""
    return HANDLED if CALLBACK.runs_react(current.get()) else ()


def without_ours(traceback: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without the frames of namel3ss-debug's own code (its wrappers between DSPy and the
    tool's body)."""
    kept: list[types.TracebackType] = []
    while traceback is not None:
        if not str(traceback.tb_frame.f_globals.get("__name__", "")).startswith(OURS):
            kept.append(traceback)
        traceback = traceback.tb_next
    rebuilt = None
    for frame in reversed(kept):
        rebuilt = types.TracebackType(rebuilt, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
    return rebuilt


def _is_finish(tool: Any) -> bool:
    return getattr(tool, "name", None) == FINISH and getattr(getattr(tool, "func", None), "__module__", None) == \
        REACT_MODULE


def arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {str(key): to_jsonable(value) for key, value in kwargs.items()}
