"""The wrapper both SDK integrations put around a `create` method: one span per call, a stream when
`stream=True`, and calls that return raw HTTP responses passed through."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

from ..tracer.api import get_tracer
from .calls import ForeignSpec, Shape, acall, astream_call, call, stream_call
from .sdk_values import request_inputs

_MARK = "__namel3ss_debug__"  # on our wrappers: installing twice wraps once


@dataclass(frozen=True)
class Endpoint:
    """One SDK method, as recorded and replayed: a plain call and a streamed one."""

    spec: ForeignSpec
    stream_spec: ForeignSpec
    shape: Shape
    stream_shape: Shape


def install_sdk(resources: str, types: str, class_names: tuple[str, str], required: tuple[str, ...],
                endpoint_for: Callable[[ModuleType], Endpoint],
                also: Callable[[ModuleType, Endpoint], list[str]] | None = None) -> list[str]:
    """Wrap `create` of the SDK's resource classes in the module `resources` (and what `also`
    wraps there), with the endpoint made from its `types` module; returns the hook points (or
    types) this SDK version lacks."""
    try:
        resource_module, types_module = importlib.import_module(resources), importlib.import_module(types)
    except ImportError:
        return [f"{resources}.{name}.create" for name in class_names]
    lacking = [f"{types}.{name}" for name in required if getattr(types_module, name, None) is None]
    if lacking:
        return lacking
    endpoint = endpoint_for(types_module)
    missing = patch_create(resource_module, class_names, endpoint)
    return missing + (also(resource_module, endpoint) if also is not None else [])


def is_ours(function: Any) -> bool:
    return bool(getattr(function, _MARK, False))


def mark(function: Callable[..., Any]) -> Callable[..., Any]:
    setattr(function, _MARK, True)
    return function


def patch_create(module: ModuleType, class_names: tuple[str, str], endpoint: Endpoint) -> list[str]:
    """Wrap `create` of the sync and async resource classes in `module`; returns the ones missing."""
    missing = []
    for class_name, wrap in zip(class_names, (sync_create, async_create)):
        owner = getattr(module, class_name, None)
        original = getattr(owner, "create", None)
        if original is None:
            missing.append(f"{module.__name__}.{class_name}.create")
        elif not is_ours(original):
            setattr(owner, "create", wrap(original, endpoint))
    return missing


def sync_create(original: Callable[..., Any], endpoint: Endpoint) -> Callable[..., Any]:
    @functools.wraps(original)
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or raw_response(kwargs):
            return original(self, *args, **kwargs)
        inputs, model = request_inputs(kwargs), requested_model(kwargs)
        invoke = functools.partial(original, self, *args, **kwargs)
        if kwargs.get("stream") is True:
            return stream_call(tracer, endpoint.stream_spec, endpoint.stream_shape, inputs, invoke, model=model)
        return call(tracer, endpoint.spec, endpoint.shape, inputs, invoke, model=model)

    return mark(create)


def async_create(original: Callable[..., Any], endpoint: Endpoint) -> Callable[..., Any]:
    @functools.wraps(original)
    async def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or raw_response(kwargs):
            return await original(self, *args, **kwargs)
        inputs, model = request_inputs(kwargs), requested_model(kwargs)
        invoke = functools.partial(original, self, *args, **kwargs)
        if kwargs.get("stream") is True:
            return await astream_call(tracer, endpoint.stream_spec, endpoint.stream_shape, inputs, invoke,
                                      model=model)
        return await acall(tracer, endpoint.spec, endpoint.shape, inputs, invoke, model=model)

    return mark(create)


def raw_response(kwargs: dict[str, Any]) -> bool:
    """`with_raw_response` / `with_streaming_response` calls return HTTP responses, not the SDK's
    types: they are passed through untraced (both SDKs mark them with this header)."""
    headers = kwargs.get("extra_headers")
    return isinstance(headers, dict) and any(str(key).lower() == "x-stainless-raw-response" for key in headers)


def requested_model(kwargs: dict[str, Any]) -> str | None:
    model = kwargs.get("model")
    return model if isinstance(model, str) else None
