"""One decorator factory for sync, async, generator and async-generator functions (vcrpy's way).

When tracing is off, the wrapper costs one attribute test and a call.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from ..model.events import span_prefix
from .context import current
from .core import Tracer, restore

_SELF_NAMES = ("self", "cls")


def make_binder(fn: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]]:
    """Map a call's arguments to parameter names once per call, without `inspect.bind` per call."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return lambda args, kwargs: {"args": list(args), **kwargs}
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), "args")
    skip = positional[0] if positional and positional[0] in _SELF_NAMES else None
    count = len(positional)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        inputs = dict(zip(positional, args))
        if len(args) > count:
            inputs[star] = list(args[count:])
        if kwargs:
            inputs.update(kwargs)
        if skip is not None:
            inputs.pop(skip, None)
        return inputs

    return bind


def traced(tracer: Tracer, component: str, *, default_name: str | None = None, prefix: str | None = None,
           **options: Any) -> Callable[..., Any]:
    """Build a decorator usable bare (`@trace_tool_call`) or with keywords (`@trace_tool_call(name=...)`)."""

    def decorator_factory(fn: Callable[..., Any] | None = None, *, name: str | None = None,
                          model: str | None = None, attrs: dict[str, Any] | None = None,
                          capture_inputs: bool = True) -> Any:
        def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
            spec = _CallSpec(tracer, component, name or default_name or func.__name__,
                             prefix or span_prefix(component), model, attrs,
                             make_binder(func) if capture_inputs else None)
            return _wrap(func, spec)

        return decorate(fn) if fn is not None else decorate

    return decorator_factory


class _CallSpec:
    __slots__ = ("tracer", "component", "name", "prefix", "model", "attrs", "bind")

    def __init__(self, tracer: Tracer, component: str, name: str, prefix: str, model: str | None,
                 attrs: dict[str, Any] | None, bind: Any):
        self.tracer, self.component, self.name, self.prefix = tracer, component, name, prefix
        self.model, self.attrs, self.bind = model, attrs, bind

    def open(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, activate: bool = True) -> Any:
        inputs = self.bind(args, kwargs) if self.bind is not None else None
        model = self.model
        if model is None and self.component == "llm" and inputs is not None:
            given = inputs.get("model")
            model = given if isinstance(given, str) else None
        return self.tracer.start_span(self.component, self.name, self.prefix, inputs=inputs,
                                      attrs=dict(self.attrs) if self.attrs else None, model=model,
                                      activate=activate)


def _wrap(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(fn):
        wrapper = _async_generator_wrapper(fn, spec)
    elif inspect.iscoroutinefunction(fn):
        wrapper = _async_wrapper(fn, spec)
    elif inspect.isgeneratorfunction(fn):
        wrapper = _generator_wrapper(fn, spec)
    else:
        wrapper = _sync_wrapper(fn, spec)
    return functools.wraps(fn)(wrapper)


def _sync_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    tracer = spec.tracer

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return fn(*args, **kwargs)
        span = spec.open(args, kwargs)
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            tracer.end_span(span, error=exc)
            raise
        tracer.end_span(span, result=result)
        return result

    return wrapper


def _async_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    tracer = spec.tracer

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return await fn(*args, **kwargs)
        span = spec.open(args, kwargs)
        try:
            result = await fn(*args, **kwargs)
        except BaseException as exc:
            tracer.end_span(span, error=exc)
            raise
        tracer.end_span(span, result=result)
        return result

    return wrapper


def _generator_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    """The span is current only while the generator's own code runs, between its yields."""
    tracer = spec.tracer

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return (yield from fn(*args, **kwargs))
        span = spec.open(args, kwargs, activate=False)
        generator = fn(*args, **kwargs)
        items: list[Any] = []
        sent: Any = None
        thrown: BaseException | None = None
        inner: Any = span  # the generator's own current span, kept across its yields
        while True:
            token = current.set(inner) if span is not None else None
            try:
                item = generator.throw(thrown) if thrown is not None else generator.send(sent)
            except StopIteration as stop:
                _finish(tracer, span, items, stop.value)
                return stop.value
            except BaseException as exc:
                tracer.end_span(span, error=exc)
                raise
            finally:
                inner = current.get()
                _reset(token)
            items.append(item)
            try:
                sent, thrown = (yield item), None
            except GeneratorExit:
                generator.close()
                _end_early(tracer, span, items)
                raise
            except BaseException as exc:
                sent, thrown = None, exc

    return wrapper


def _async_generator_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    tracer = spec.tracer

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            async for item in fn(*args, **kwargs):
                yield item
            return
        span = spec.open(args, kwargs, activate=False)
        generator = fn(*args, **kwargs)
        items: list[Any] = []
        sent: Any = None
        thrown: BaseException | None = None
        inner: Any = span
        while True:
            token = current.set(inner) if span is not None else None
            try:
                item = await (generator.athrow(thrown) if thrown is not None else generator.asend(sent))
            except StopAsyncIteration:
                _finish(tracer, span, items, None)
                return
            except BaseException as exc:
                tracer.end_span(span, error=exc)
                raise
            finally:
                inner = current.get()
                _reset(token)
            items.append(item)
            try:
                sent, thrown = (yield item), None
            except GeneratorExit:
                await generator.aclose()
                _end_early(tracer, span, items)
                raise
            except BaseException as exc:
                sent, thrown = None, exc

    return wrapper


def _finish(tracer: Tracer, span: Any, items: list[Any], value: Any) -> None:
    if span is not None:
        span.outputs = {"yielded": items} if value is None else {"yielded": items, "return": value}
    tracer.end_span(span)


def _end_early(tracer: Tracer, span: Any, items: list[Any]) -> None:
    if span is not None:
        span.set_attribute("closed_early", True)
        span.outputs = {"yielded": items}
    tracer.end_span(span)


def _reset(token: Any) -> None:
    if token is not None:
        try:
            current.reset(token)
        except ValueError:
            current.set(token.old_value if token.old_value is not token.MISSING else None)


__all__ = ["traced", "make_binder", "restore"]
