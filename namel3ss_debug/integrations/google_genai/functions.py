"""The Python functions google-genai calls for the model (automatic function calling) as `tool` spans.

Every AFC loop of the SDK hands the model's answer and its map of functions (name -> the app's
function) to `get_function_response_parts` (or its async twin), which looks each function up by the
name of a `function_call` part, in the parts' order, and calls it. `recorded_map` gives that function a
map whose look-up returns the function wrapped for that part: the wrapper runs the function's body in
a `tool` span (`integrations/tools.py`) named after the function, its inputs the arguments the model
sent, linked to the LLM call that asked by the part's `id` when Gemini gives one, else by name and
arguments. A rerun gives the recorded result back and the body does not run (unless `--live-tools`).

The wrapper keeps what the SDK reads of a function (its name, signature, annotations and docstring,
through `functools.wraps`, and whether it is a coroutine function), so the SDK converts the arguments
and calls it as it would the app's. MCP tools (`McpToGenAiToolAdapter`) are left as they are: the MCP
hook records their calls.

Handled errors. The SDK catches any `Exception` a function raises and sends the model
`{"error": str(exception)}` in its place, and the loop goes on: the span ends failed with the exception
(type, message, stack) and `error.handled: true` (`ForeignSpec.handled`). A rerun raises the recorded
exception again where the body would have, for the SDK to make the same message of it.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Awaitable, Callable

from ...tracer.api import get_tracer
from ..tools import arun_tool, run_tool

FRAMEWORK = "google-genai"
MARK = "__namel3ss_debug__"
HANDLED = (Exception,)  # what get_function_response_parts catches and sends the model as {"error": str(e)}


def recording_parts(original: Callable[..., Any]) -> Callable[..., Any]:
    """`get_function_response_parts`, calling each function through a `tool` span."""

    @functools.wraps(original)
    def get_function_response_parts(response: Any, function_map: Any, *args: Any, **kwargs: Any) -> Any:
        return original(response, recorded_map(response, function_map), *args, **kwargs)

    setattr(get_function_response_parts, MARK, True)
    return get_function_response_parts


def recording_parts_async(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`get_function_response_parts_async`, as `recording_parts`."""

    @functools.wraps(original)
    async def get_function_response_parts_async(response: Any, function_map: Any, *args: Any, **kwargs: Any) -> Any:
        return await original(response, recorded_map(response, function_map), *args, **kwargs)

    setattr(get_function_response_parts_async, MARK, True)
    return get_function_response_parts_async


def recorded_map(response: Any, function_map: Any) -> Any:
    """The map the SDK looks the functions up in, each function it gives recorded; the app's map as it
    is when nothing is traced, or when the answer cannot be read (a failure of ours, counted)."""
    tracer = get_tracer()
    if tracer.run is None or not isinstance(function_map, dict):
        return function_map
    try:
        return RecordingFunctions(function_map, function_calls(response))
    except Exception as exc:  # an answer shaped otherwise: the functions run unrecorded
        tracer.note_failure(exc)
        return function_map


def function_calls(response: Any) -> list[Any]:
    """The `function_call`s of the answer's first candidate, in order: the ones the SDK calls."""
    candidates = getattr(response, "candidates", None) or []
    parts = getattr(getattr(candidates[0], "content", None), "parts", None) if candidates else None
    return [part.function_call for part in parts or [] if getattr(part, "function_call", None) is not None]


class RecordingFunctions(dict[str, Any]):  # the SDK's map: name -> function
    """The SDK's function map; looking a function up gives it wrapped for the next call of that name."""

    def __init__(self, functions: dict[str, Any], calls: list[Any]):
        super().__init__(functions)
        self._calls = list(calls)

    def __getitem__(self, name: str) -> Any:
        function = super().__getitem__(name)
        try:
            return recorded_function(function, name, self._next_call(name))
        except Exception as exc:  # a function we cannot wrap: it runs unrecorded
            get_tracer().note_failure(exc)
            return function

    def _next_call(self, name: str) -> Any:
        for index, call in enumerate(self._calls):
            if getattr(call, "name", None) == name:
                return self._calls.pop(index)
        return None


def recorded_function(function: Any, name: str, call: Any) -> Any:
    """`function` run in a `tool` span for the model's `call` (None: one we did not see asked for)."""
    if not (inspect.isfunction(function) or inspect.ismethod(function)):
        return function  # an MCP adapter or a callable object: the SDK checks its type, so it stays as given
    call_id = getattr(call, "id", None) or None
    arguments = getattr(call, "args", None)
    by_arguments = call_id is None  # no id: linked to its LLM call by name and arguments

    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def recorded_async(**kwargs: Any) -> Any:
            given = kwargs if arguments is None else arguments
            return await arun_tool(get_tracer(), FRAMEWORK, name, given, lambda: function(**kwargs),
                                   call_id=call_id, link_by_arguments=by_arguments, handled=HANDLED)

        return recorded_async

    @functools.wraps(function)
    def recorded(**kwargs: Any) -> Any:
        given = kwargs if arguments is None else arguments
        return run_tool(get_tracer(), FRAMEWORK, name, given, lambda: function(**kwargs),
                        call_id=call_id, link_by_arguments=by_arguments, handled=HANDLED)

    return recorded


__all__ = ["FRAMEWORK", "RecordingFunctions", "recording_parts", "recording_parts_async"]
