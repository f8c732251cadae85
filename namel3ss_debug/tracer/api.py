"""The library API an application imports: decorators, context managers, instant events, configure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..model.events import COMPONENTS, CUSTOM_SPAN_PREFIX, SPAN_EVENT_PREFIXES, span_prefix
from .context import current
from .core import Tracer
from .decorators import traced
from .serialize import safe_text
from .span import NOOP_SPAN, NoopSpan, Span, model_text

_TRACER = Tracer()


def get_tracer() -> Tracer:
    """The process's tracer: `get_tracer().active`, `.run.paths`, `.flush()`, `.end_run()`."""
    return _TRACER


def current_span() -> Span | NoopSpan:
    """The span the calling code runs in (a no-op span when not tracing)."""
    span = current.get()
    return span if span is not None and _TRACER.run is not None and span.run is _TRACER.run else NOOP_SPAN


class span:  # lower case: used like a function, `with span("plan", component="agent") as s:`
    """A span around a block, sync (`with`) or async (`async with`); yields a `Span`. Whatever it is
    handed, it never raises: a name that cannot be printed is recorded as `<unprintable TYPE>`."""

    def __init__(self, name: str, component: str = "custom", *, event_prefix: str | None = None,
                 inputs: Any = None, attrs: dict[str, Any] | None = None, model: str | None = None):
        attrs = _attrs(attrs)
        if type(component) is not str or component not in COMPONENTS:
            # keep the trace valid; the caller's word survives in attrs
            attrs = {**(attrs or {}), "component": safe_text(component)}
            component = "custom"
        self._args = (component, safe_text(name), _prefix(event_prefix, component))
        self._kwargs = {"inputs": inputs, "attrs": attrs, "model": model_text(model)}
        self._span: Span | None = None

    def __enter__(self) -> Span | NoopSpan:
        self._span = _TRACER.start_span(*self._args, **self._kwargs)
        return self._span if self._span is not None else NOOP_SPAN

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        _TRACER.end_span(self._span, error=exc)

    async def __aenter__(self) -> Span | NoopSpan:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)


def _prefix(event_prefix: str | None, component: str) -> str:
    """A known prefix as given; any other becomes `custom_<prefix>` in lower-case ASCII (`custom_*`)."""
    if event_prefix is None:
        return span_prefix(component)
    event_prefix = safe_text(event_prefix)
    if event_prefix in SPAN_EVENT_PREFIXES and event_prefix != "run":
        return event_prefix
    cleaned = re.sub(r"[^a-z0-9]+", "_", event_prefix.lower()).strip("_").removeprefix("custom_") or "span"
    return f"custom_{cleaned}" if cleaned != "span" else CUSTOM_SPAN_PREFIX


def _attrs(attrs: Any) -> dict[str, Any] | None:
    """Attributes are an object; anything else is kept under `value`. A dict of the app's own type is
    copied into a plain one (its methods are the app's, and may fail); one that cannot be copied is kept
    under `value` too."""
    if attrs is None or type(attrs) is dict:
        return attrs
    try:
        if isinstance(attrs, Mapping):  # asks the object's __class__, which may fail too
            return dict(attrs)
    except Exception:
        pass
    return {"value": attrs}


def trace_agent_turn(agent_name: str, turn_number: int, **attrs: Any) -> span:
    """A span for one turn of an agent: `agent_turn_start/end`."""
    return span(agent_name, "agent", event_prefix="agent_turn", attrs={"turn": turn_number, **attrs})


def trace_chain_step(chain_name: str, step: Any, **attrs: Any) -> span:
    """A span for one step of a chain: `chain_step_start/end`, named after the chain."""
    return span(chain_name, "chain", event_prefix="chain_step", attrs={"step": step, **attrs})


def trace_memory_operation(operation: str, key: str | None = None, value: Any = None, *,
                           store: str | None = None, summarization: bool = False, **attrs: Any) -> str | None:
    """An instant `memory_operation` (or `memory_summarization`) event: read, write, delete, search..."""
    run = _TRACER.run
    if run is None:
        return None
    try:
        if run.redactor is not None and value is not None and isinstance(key, str) \
                and run.redactor.is_sensitive_key(str.__str__(key)):
            from ..redaction.patterns import REDACTED  # noqa: PLC0415 - loaded already: the run's redactor needs it

            value = REDACTED  # the value stored under `api_key` is a secret however it is wrapped
        inputs = {k: v for k, v in (("key", key), ("value", value)) if v is not None} or None
        event_type = "memory_summarization" if summarization is True else "memory_operation"
        operation = safe_text(operation)
        attrs = {"operation": operation, **({"store": store} if store is not None and store != "" else {}), **attrs}
    except Exception as exc:  # an object of the app's that fails when asked: dropped and counted, never raised
        _TRACER.note_failure(exc)
        return None
    return _TRACER.instant(event_type, "memory", operation, inputs=inputs, attrs=attrs)


def trace_validation(name: str, passed: bool, *, errors: Any = None, inputs: Any = None, **attrs: Any) -> str | None:
    """A validation that has already happened, as a `validation_start/end` pair of zero duration; a `passed`
    that cannot be told true or false is recorded as given, with the status `failed`."""
    opened = _TRACER.start_span("validation", safe_text(name), "validation", inputs=inputs, attrs=attrs or None)
    if opened is None:
        return None
    opened.set_status("completed" if _truth(passed) else "failed")
    opened.set_outputs({"passed": passed, **({"errors": errors} if errors is not None else {})})
    _TRACER.end_span(opened)
    return opened.span_id


def _truth(value: Any) -> bool:
    try:
        return bool(value)
    except Exception:
        return False


def trace_error(exc: BaseException, **attrs: Any) -> str | None:
    """Record a handled exception as an `error_occurred` event under the current span."""
    return _TRACER.record_error(exc, **attrs)


def mark(name: str, **attrs: Any) -> str | None:
    """A `performance_marker`: a named point in time, with free-form attributes."""
    return _TRACER.instant("performance_marker", "custom", safe_text(name), attrs=attrs or None)


trace_agent_execution = traced(_TRACER, "agent")
trace_prompt_execution = traced(_TRACER, "prompt")
trace_chain_execution = traced(_TRACER, "chain")
trace_llm_call = traced(_TRACER, "llm")
trace_tool_call = traced(_TRACER, "tool")
