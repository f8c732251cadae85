"""One decorator factory for sync, async, generator and async-generator functions (vcrpy's way).

When tracing is off, the wrapper costs one attribute test and a call. While `replay --rerun` runs the
app (`tracer.rerun` is set), a replayable call asks the rerun for its answer before running: a
recorded or mocked result comes back without the wrapped function running at all.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Mapping
from typing import Any, Callable

from ..model.events import span_prefix
from ..model.messages import warning_line
from ..model.rerun_protocol import ServedAnswer
from .answering import answer_for
from .answering import deliver as _deliver
from .context import current, reset_current
from .core import Tracer
from .serialize import safe_text
from .span import Span, model_text

_SELF_NAMES = ("self", "cls")
REPLAYABLE_COMPONENTS = ("llm", "tool")  # replayable by default; other decorators take replayable=True
MAX_RECORDED_YIELDS = 1000  # a stream may never end: its span keeps the first items and counts the rest


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


def traced(tracer: Tracer, component: str) -> Callable[..., Any]:
    """Build a decorator usable bare (`@trace_tool_call`), with keywords (`@trace_tool_call(name=...)`)
    or with the name alone (`@trace_tool_call("search")`). Whatever it is handed, it never raises: `attrs`
    that are not a dict are kept under `value` (as `span` does), a name that cannot be printed is recorded
    as `<unprintable TYPE>`, a codec that cannot decode is left out with a warning, and what is not
    callable is given back as it came."""

    def decorator_factory(fn: Callable[..., Any] | str | None = None, *, name: str | None = None,
                          model: str | None = None, attrs: dict[str, Any] | None = None,
                          capture_inputs: bool = True, replayable: bool | None = None, codec: Any = None) -> Any:
        attrs, codec = _attrs_of(attrs), _codec_of(codec)
        if type(fn) is str:
            fn, name = None, name if name is not None else fn

        def decorate(func: object) -> object:  # anything: a str subclass as the name comes here too
            if not callable(func):
                return func
            try:
                spec = _CallSpec(tracer, component, safe_text(name) if name is not None else _name_of(func),
                                 span_prefix(component), model_text(model), attrs, make_binder(func),
                                 _flag(capture_inputs, True),
                                 _flag(replayable, component in REPLAYABLE_COMPONENTS), codec)
                return _wrap(func, spec)
            except Exception as exc:  # an object of the app's that fails when asked: left as it came
                tracer.note_failure(exc)
                return func

        return decorate(fn) if fn is not None else decorate

    return decorator_factory


def _attrs_of(attrs: Any) -> dict[str, Any] | None:
    """A copy of the attributes as a plain dict; anything else kept under `value`."""
    if attrs is None:
        return None
    try:
        if isinstance(attrs, Mapping):
            return dict(attrs)
    except Exception:
        pass
    return {"value": attrs}


def _codec_of(codec: Any) -> Any:
    """The codec if it can decode (a class, a callable, an object with `decode`); else None, with a warning:
    a rerun then gives the app the recorded JSON value, as for a call with no codec."""
    try:
        if codec is None or callable(codec) or callable(getattr(codec, "decode", None)):
            return codec
    except Exception:
        pass
    _warn(f"codec= takes a class, a callable or an object with decode(value), not {type(codec).__qualname__}: "
          "left out")
    return None


def _warn(message: str) -> None:
    if sys.stderr is not None:  # no stderr (pythonw): nothing to say it on, and no error
        print(warning_line(message), file=sys.stderr)


def _flag(value: Any, default: bool) -> bool:
    """A yes/no the app gave: None and what cannot be told true or false are the default."""
    if value is None:
        return default
    try:
        return bool(value)
    except Exception:
        return default


def _name_of(fn: Any) -> str:
    """The span name for a callable: its `__name__`, the name a partial wraps, else its type's name."""
    try:
        name = getattr(fn, "__name__", None)
    except Exception:
        name = None
    if isinstance(name, str):
        return str.__str__(name)
    if isinstance(fn, functools.partial):
        return _name_of(fn.func)
    return type(fn).__name__


class _CallSpec:
    """What a decorated function's calls share: where they are recorded, and how a rerun answers them."""

    __slots__ = ("tracer", "component", "name", "prefix", "model", "attrs", "binder", "capture", "replayable",
                 "codec", "mock_codec", "generator")

    def __init__(self, tracer: Tracer, component: str, name: str, prefix: str, model: str | None,
                 attrs: dict[str, Any] | None, binder: Any, capture: bool, replayable: bool, codec: Any):
        self.tracer, self.component, self.name, self.prefix = tracer, component, name, prefix
        self.model, self.attrs, self.binder, self.capture = model, attrs, binder, capture
        self.replayable, self.codec = replayable, codec
        self.mock_codec: Any = None  # a value the user types is rebuilt as a recorded one is (`codec`)
        self.generator = False  # set by _wrap: a generator's answer is the items it yields

    def open(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, activate: bool = True) -> Any:
        """The call's span, or None when not tracing (or when the call's arguments fail when asked)."""
        try:
            inputs = self.binder(args, kwargs) if self.capture else None
            model = self.model
            if model is None and self.component == "llm" and inputs is not None:
                given = inputs.get("model")
                model = str.__str__(given) if isinstance(given, str) else None
        except Exception as exc:
            self.tracer.note_failure(exc)
            return None
        attrs = dict(self.attrs) if self.attrs else None
        if self.component == "tool":
            attrs = self._asked_by(inputs, attrs)
        return self.tracer.start_span(self.component, self.name, self.prefix, inputs=inputs, attrs=attrs,
                                      model=model, activate=activate)

    def _asked_by(self, inputs: Any, attrs: dict[str, Any] | None) -> dict[str, Any] | None:
        """A decorated tool's attrs, linked to the LLM call that asked for it (`tracer/asks.py`): the newest
        call not recorded yet with this name and these arguments, else with this name. The call is then
        this span's, so the request that carries its result makes no second span of it."""
        run = self.tracer.run
        if run is None or not run.asks:
            return attrs
        try:
            claimed = run.asks.claim(self.name, inputs)
            by = "name_and_arguments"
            if claimed is None:
                claimed, by = run.asks.claim_named(self.name), "name"
        except Exception as exc:  # inputs that fail when asked: the span goes unlinked
            self.tracer.note_failure(exc)
            return attrs
        if claimed is None:
            return attrs
        linked = {**(attrs or {}), "llm_span_id": claimed[1], "linked_by": by}
        if claimed[0] is not None:
            linked["tool_call_id"] = claimed[0]
        return linked


def _wrap(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    spec.generator = inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn)
    if inspect.isasyncgenfunction(fn):
        wrapper = _async_generator_wrapper(fn, spec)
    elif inspect.iscoroutinefunction(fn):
        wrapper = _async_wrapper(fn, spec)
    elif inspect.isgeneratorfunction(fn):
        wrapper = _generator_wrapper(fn, spec)
    else:
        wrapper = _sync_wrapper(fn, spec)
    functools.wraps(fn)(wrapper)  # copies only the attributes `fn` has: partials have no __name__
    if not hasattr(fn, "__name__"):
        wrapper.__name__ = wrapper.__qualname__ = _name_of(fn)
    return wrapper


def _sync_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    tracer = spec.tracer

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return fn(*args, **kwargs)
        call = _Call(spec, args, kwargs)
        if call.answer is not None:
            return call.deliver()
        with call:
            call.result = fn(*args, **kwargs)
        return call.result

    return wrapper


def _async_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    tracer = spec.tracer

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return await fn(*args, **kwargs)
        call = _Call(spec, args, kwargs)
        if call.answer is not None:
            return call.deliver()
        with call:
            call.result = await fn(*args, **kwargs)
        return call.result

    return wrapper


def _generator_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    """The span is current only while the generator's own code runs, between its yields."""
    tracer = spec.tracer

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if tracer.run is None:
            return (yield from fn(*args, **kwargs))
        generator = fn(*args, **kwargs)  # before the span: a call with wrong arguments opens none
        span = spec.open(args, kwargs, activate=False)
        answer = _answer(spec, span, args, kwargs) if tracer.rerun is not None else None
        if answer is not None:
            generator.close()  # never started: its body does not run
            yield from answer.items
            return _deliver(tracer, span, answer)
        stream = _Stream(tracer, span)
        while True:
            try:
                with stream:  # a StopIteration ends the span with the generator's return value
                    item = stream.resume(generator)
            except StopIteration as stop:
                return stop.value
            stream.record(item)
            try:
                stream.sent = yield item
            except GeneratorExit:
                _close_early(stream, generator)
                raise
            except BaseException as exc:
                stream.sent, stream.thrown = None, exc

    return wrapper


def _async_generator_wrapper(fn: Callable[..., Any], spec: _CallSpec) -> Callable[..., Any]:
    """Like the generator wrapper; with tracing off the same loop runs without a span.

    An async generator has no `yield from`, and `async for` would drop `asend()` values, swallow
    `athrow()` and leave the inner generator open after `aclose()`: so one loop forwards all three.
    """
    tracer = spec.tracer

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        generator = fn(*args, **kwargs)
        span = spec.open(args, kwargs, activate=False) if tracer.run is not None else None
        answer = _answer(spec, span, args, kwargs) if tracer.rerun is not None else None
        if answer is not None and span is not None:  # the generator never starts: its body does not run
            for item in answer.items:
                yield item
            _deliver(tracer, span, answer)
            return
        stream = _Stream(tracer, span)
        while True:
            try:
                with stream:
                    item = await stream.resume_async(generator)
            except StopAsyncIteration:
                return
            stream.record(item)
            try:
                stream.sent = yield item
            except GeneratorExit:
                await _aclose_early(stream, generator)
                raise
            except BaseException as exc:
                stream.sent, stream.thrown = None, exc

    return wrapper


def _answer(spec: _CallSpec, span: Span | None, args: tuple[Any, ...],
            kwargs: dict[str, Any]) -> ServedAnswer | None:
    """The rerun's answer to this call, or None to run it live (`answering.answer_for`)."""
    if spec.tracer.rerun is None or span is None or not spec.replayable:
        return None
    return answer_for(spec.tracer, spec, span, spec.binder(args, kwargs))


class _Call:
    """One call of a decorated function while tracing, for the sync and the async wrapper alike: its span, the
    rerun's answer (None to run it), and the span ended with what the function returned or raised."""

    __slots__ = ("tracer", "span", "answer", "result")

    def __init__(self, spec: _CallSpec, args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.tracer = spec.tracer
        self.span = spec.open(args, kwargs)
        self.answer = _answer(spec, self.span, args, kwargs) if self.tracer.rerun is not None else None
        self.result: Any = None

    def deliver(self) -> Any:
        assert self.answer is not None
        return _deliver(self.tracer, self.span, self.answer)

    def __enter__(self) -> _Call:
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        # None: what the function raised goes on to its caller
        if error is not None:
            self.tracer.end_span(self.span, error=error)
        else:
            self.tracer.end_span(self.span, result=self.result)


class _Stream:
    """What a generator wrapper keeps across yields: its span (None when not tracing), the span current
    inside the generator, the first items with their count, and what the caller sent or threw in last.

    `with stream:` runs the generator's own code: its current span made current, and the span ended when
    the code returns or raises."""

    __slots__ = ("tracer", "span", "inner", "items", "count", "sent", "thrown", "token")

    def __init__(self, tracer: Tracer, span: Any):
        self.tracer, self.span, self.inner = tracer, span, span
        self.items: list[Any] = []
        self.count = 0
        self.sent: Any = None
        self.thrown: BaseException | None = None
        self.token: Any = None

    def __enter__(self) -> _Stream:
        self.token = current.set(self.inner) if self.span is not None else None
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> None:
        if isinstance(error, StopIteration):
            self.finish(error.value)
        elif isinstance(error, StopAsyncIteration):
            self.finish(None)
        elif error is not None:
            self.fail(error)
        # Remember a span the generator left open across its yield, then give the caller its own back.
        if self.token is not None:
            self.inner = current.get()
            _reset(self.token)

    def resume(self, generator: Any) -> Any:
        """The generator's next item, after what the caller sent or threw in."""
        thrown, self.thrown = self.thrown, None
        return generator.throw(thrown) if thrown is not None else generator.send(self.sent)

    def resume_async(self, generator: Any) -> Any:
        """`resume` for an async generator: the awaitable of its next item."""
        thrown, self.thrown = self.thrown, None
        return generator.athrow(thrown) if thrown is not None else generator.asend(self.sent)

    def record(self, item: Any) -> None:
        if self.span is not None:
            self.count += 1
            if len(self.items) < MAX_RECORDED_YIELDS:
                self.items.append(item)

    def outputs(self) -> dict[str, Any]:
        outputs: dict[str, Any] = {"yielded": self.items, "yield_count": self.count}
        if self.count > len(self.items):
            outputs["yielded_truncated"] = True
        return outputs

    def finish(self, value: Any) -> None:
        if self.span is not None:
            self.span.outputs = self.outputs() if value is None else {**self.outputs(), "return": value}
        self.tracer.end_span(self.span)

    def fail(self, exc: BaseException) -> None:
        self.tracer.end_span(self.span, error=exc)

    def end_early(self) -> None:
        if self.span is not None:
            self.span.set_attribute("closed_early", True)
            self.span.outputs = self.outputs()
        self.tracer.end_span(self.span)


def _close_early(stream: _Stream, generator: Any) -> None:
    # Close inside the generator's own context: spans it holds open end there, and restore its
    # current span, not the caller's.
    with stream:
        generator.close()
    stream.end_early()


async def _aclose_early(stream: _Stream, generator: Any) -> None:
    with stream:  # as in _close_early
        await generator.aclose()
    stream.end_early()


def _reset(token: Any) -> None:
    if token is not None:
        reset_current(token)


__all__ = ["traced", "make_binder"]
