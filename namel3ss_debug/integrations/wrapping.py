"""Wrapping a framework's method once: our wrapper carries a mark, and a method that has it is not wrapped
again, so installing a hook twice leaves it as it is.

Most wrappers do nothing while no run is traced, and while one is do something else around the method:
`traced_method` (or `atraced_method`, for a coroutine method) makes such a wrapper from that something
else, a function `while_tracing(tracer, invoke, instance, /, ...)` given the call's own arguments, where
`invoke()` runs the method with them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ..tracer.api import get_tracer

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def wrap_once(owner: Any, name: str, wrap: Wrap, mark: str) -> None:
    """Set `owner.name` (its own, not inherited) to `wrap(original)`, unless the method there carries `mark`."""
    original = owner.__dict__[name]
    if not getattr(original, mark, False):
        setattr(owner, name, wrap(original))


def traced_method(while_tracing: Callable[..., Any], mark: str) -> Wrap:
    """A `Wrap` whose wrapper runs the method as it is while no run is traced, else returns
    `while_tracing(tracer, invoke, self, *args, **kwargs)`; the wrapper carries `mark`."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = get_tracer()
            if tracer.run is None:
                return original(self, *args, **kwargs)
            return while_tracing(tracer, lambda: original(self, *args, **kwargs), self, *args, **kwargs)

        setattr(method, mark, True)
        return method

    return wrap


def atraced_method(while_tracing: Callable[..., Any], mark: str) -> Wrap:
    """`traced_method` for a coroutine method: `while_tracing` is a coroutine function, and `invoke()` gives
    the method's coroutine."""

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            tracer = get_tracer()
            if tracer.run is None:
                return await original(self, *args, **kwargs)
            return await while_tracing(tracer, lambda: original(self, *args, **kwargs), self, *args, **kwargs)

        setattr(method, mark, True)
        return method

    return wrap
