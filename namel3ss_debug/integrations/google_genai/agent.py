"""A call that runs google-genai's automatic function calling (AFC) as one `agent` span, over the LLM
calls the HTTP transport records and the `tool` spans of the functions it calls (`functions.py`).

The seams are public methods: `Models.generate_content` and `Chat.send_message` (and their async twins),
each a whole AFC loop when the config offers Python functions and leaves AFC on. The span is named
`generate_content (automatic function calling)` (`send_message (...)` for a chat), its inputs the model,
the contents (the message for a chat) and the functions' names, its outputs the text of the final
answer under `return`. It is not replayable: in a rerun the loop runs again, its LLM calls and
functions answered from the recording. A call with AFC off makes no span (its LLM call is still recorded).
A chat's own loop calls `Models.generate_content` with AFC turned off, so a chat turn is one span.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, acall, call
from .functions import FRAMEWORK, MARK

SUFFIX = " (automatic function calling)"
ANSWER = Shape(lambda response: {"return": answer_text(response)})

# How each hooked method says what it asks: (its config, its model, its inputs) from (self, args, kwargs).
Asked = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[Any, Any, dict[str, Any]]]


def generate_content_asked(models: Any, args: tuple[Any, ...],
                           kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """`Models.generate_content(*, model, contents, config=None)`."""
    config = kwargs.get("config")
    return config, kwargs.get("model"), {"model": kwargs.get("model"), "contents": kwargs.get("contents"),
                                         "functions": function_names(config)}


def send_message_asked(chat: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """`Chat.send_message(message, config=None)`: no config given is the chat's own (`Chats.create`'s)."""
    message = args[0] if args else kwargs.get("message")
    config = (args[1] if len(args) > 1 else kwargs.get("config")) or getattr(chat, "_config", None)
    model = getattr(chat, "_model", None)
    return config, model, {"model": model, "message": message, "functions": function_names(config)}


def with_agent_span(original: Callable[..., Any], name: str, asked: Asked) -> Callable[..., Any]:
    """`original` (a sync method), in an `agent` span named `name` when the call runs AFC."""

    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        opened = _opened(name, asked, self, args, kwargs)
        if opened is None:
            return original(self, *args, **kwargs)
        tracer, spec, inputs, attrs = opened
        return call(tracer, spec, ANSWER, inputs, lambda: original(self, *args, **kwargs), attrs=attrs)

    setattr(method, MARK, True)
    return method


def with_agent_span_async(original: Callable[..., Any], name: str, asked: Asked) -> Callable[..., Any]:
    """`with_agent_span` for a coroutine method."""

    @functools.wraps(original)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        opened = _opened(name, asked, self, args, kwargs)
        if opened is None:
            return await original(self, *args, **kwargs)
        tracer, spec, inputs, attrs = opened
        return await acall(tracer, spec, ANSWER, inputs, lambda: original(self, *args, **kwargs), attrs=attrs)

    setattr(method, MARK, True)
    return method


def _opened(name: str, asked: Asked, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """(tracer, spec, inputs, attrs) of the span this call gets, or None: not traced, or AFC off."""
    tracer = get_tracer()
    if tracer.run is None:
        return None
    try:
        config, model, inputs = asked(owner, args, kwargs)
        if not afc_runs(config):
            return None
    except Exception as exc:  # arguments shaped otherwise: the call runs with no agent span
        tracer.note_failure(exc)
        return None
    attrs = {"framework": FRAMEWORK, **({"model": str(model)} if model else {})}
    return tracer, ForeignSpec("agent", name + SUFFIX, replayable=False), inputs, attrs


def afc_runs(config: Any) -> bool:
    """Whether google-genai runs its AFC loop for this config (a dict or a `GenerateContentConfig`): it
    offers Python functions, no function declarations beside them (the SDK then leaves AFC off), and
    `automatic_function_calling` neither disables it nor allows fewer than one remote call."""
    tools = _field(config, "tools") or []
    if not function_names(config) or any(_field(tool, "function_declarations") for tool in tools
                                         if not callable(tool)):
        return False
    afc = _field(config, "automatic_function_calling")
    if afc is None:
        return True
    most = _field(afc, "maximum_remote_calls")
    if most is not None and int(most) <= 0:
        return False
    return not _field(afc, "disable")


def function_names(config: Any) -> list[str]:
    """The names of the Python functions the config offers the model."""
    return [str(getattr(tool, "__name__", tool)) for tool in _field(config, "tools") or [] if callable(tool)]


def answer_text(response: Any) -> str | None:
    """The text of the final answer's first candidate (thoughts left out), or None when it has none."""
    candidates = getattr(response, "candidates", None) or []
    parts = getattr(getattr(candidates[0], "content", None), "parts", None) if candidates else None
    texts = [part.text for part in parts or [] if getattr(part, "text", None) and not getattr(part, "thought", None)]
    return "".join(texts) if texts else None


def _field(value: Any, name: str) -> Any:
    """A field of a pydantic object of the SDK, or of the dict the app passed in its place."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


__all__ = ["afc_runs", "generate_content_asked", "send_message_asked", "with_agent_span", "with_agent_span_async"]
