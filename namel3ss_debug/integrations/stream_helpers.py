"""anthropic's `messages.stream()` helper, recorded and replayed as a streamed `messages.create`.

The helper does not call `create`: it builds the request (`self._post(..., stream=True)`) and hands
it to a `MessageStreamManager`, which sends it when the app enters `with` and wraps the raw event
stream in a `MessageStream` (text_stream, get_final_message...). So the manager's request is
replaced by one that goes through `stream_call`: the span opens when the request is sent, records
the raw events as the `MessageStream` reads them, and under `replay --rerun` the `MessageStream`
reads the recorded events instead, without a request. The request is a private attribute of the
manager: where this SDK version's manager lacks it, the helper's calls run untraced.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any, Callable

from ..tracer.api import get_tracer
from .calls import astream_call, stream_call
from .sdk_calls import Endpoint, is_ours, mark, requested_model
from .sdk_values import request_inputs

_REQUEST = {"Messages": "_MessageStreamManager__api_request",
            "AsyncMessages": "_AsyncMessageStreamManager__api_request"}


def patch_stream_helpers(resources: ModuleType, endpoint: Endpoint) -> list[str]:
    """Wrap `stream` of the sync and async messages resources; returns the ones missing."""
    missing = []
    for class_name, traced_request in (("Messages", _sync_request), ("AsyncMessages", _async_request)):
        owner = getattr(resources, class_name, None)
        original = getattr(owner, "stream", None)
        if original is None:
            missing.append(f"{resources.__name__}.{class_name}.stream")
        elif not is_ours(original):
            setattr(owner, "stream", _stream(original, endpoint, _REQUEST[class_name], traced_request))
    return missing


def _inputs(kwargs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The request as a streamed `create` records it (read before the SDK reads an iterable of messages)."""
    inputs = {**request_inputs(kwargs), "stream": True}
    return inputs, requested_model(kwargs)


def _stream(original: Callable[..., Any], endpoint: Endpoint, attribute: str,
            traced_request: Callable[..., Any]) -> Callable[..., Any]:
    """`stream(...)` whose manager sends `traced_request(...)` in place of its own request, when it has one."""
    @functools.wraps(original)
    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(self, *args, **kwargs)
        inputs, model = _inputs(kwargs)
        manager = original(self, *args, **kwargs)
        replaced = traced_request(tracer, endpoint, inputs, getattr(manager, attribute, None), model)
        if replaced is not None:
            setattr(manager, attribute, replaced)
        return manager

    return mark(stream)


def _sync_request(tracer: Any, endpoint: Endpoint, inputs: dict[str, Any], request: Any, model: str | None) -> Any:
    """The sync manager's request is a callable that sends it."""
    if not callable(request):
        return None
    return functools.partial(stream_call, tracer, endpoint.stream_spec, endpoint.stream_shape, inputs, request,
                             model=model)


def _async_request(tracer: Any, endpoint: Endpoint, inputs: dict[str, Any], request: Any, model: str | None) -> Any:
    """The async manager's request is an awaitable, not yet awaited."""
    if request is None or not hasattr(request, "__await__"):
        return None
    return _traced(tracer, endpoint, inputs, request, model)


async def _traced(tracer: Any, endpoint: Endpoint, inputs: dict[str, Any], request: Any, model: str | None) -> Any:
    try:
        return await astream_call(tracer, endpoint.stream_spec, endpoint.stream_shape, inputs, lambda: request,
                                  model=model)
    finally:
        close = getattr(request, "close", None)
        if callable(close):
            close()  # a rerun answered without awaiting it: closed, so Python does not warn of it
