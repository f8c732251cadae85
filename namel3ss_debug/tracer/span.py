"""A span as the application sees it: set attributes, outputs, usage and model while it runs."""

from __future__ import annotations

import math
from typing import Any

from .serialize import safe_text

STATUSES = ("completed", "failed", "skipped")


class Span:
    """An open span. Created by the tracer; ended exactly once by whoever started it. Its setters take
    whatever the app hands them and never raise: a key or model that cannot be printed is recorded as
    `<unprintable TYPE>`, a status or count that is not one is dropped."""

    __slots__ = ("run", "span_id", "parent_id", "component", "name", "prefix", "start_ns", "token",
                 "attrs", "outputs", "usage", "model", "status", "ended", "request")

    def __init__(self, run: Any, span_id: str, parent_id: str | None, component: str, name: str, prefix: str):
        self.run = run
        self.span_id = span_id
        self.parent_id = parent_id
        self.component = component
        self.name = name
        self.prefix = prefix
        self.start_ns = 0
        self.token: Any = None
        self.attrs: dict[str, Any] | None = None
        self.outputs: Any = None
        self.usage: dict[str, Any] | None = None
        self.model: str | None = None
        self.status: str | None = None
        self.ended = False
        self.request: Any = None  # an OpenTelemetry `llm` span's: the inputs of the request made inside it

    @property
    def recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: Any) -> None:
        if self.attrs is None:
            self.attrs = {}
        self.attrs[key if type(key) is str else safe_text(key)] = value

    def set_attributes(self, **attrs: Any) -> None:
        for key, value in attrs.items():
            self.set_attribute(key, value)

    def set_outputs(self, outputs: Any) -> None:
        self.outputs = outputs

    def set_model(self, model: str) -> None:
        self.model = model_text(model)

    def set_status(self, status: str) -> None:
        """Override the end status: `completed`, `failed` or `skipped` (anything else is ignored)."""
        if type(status) is str and status in STATUSES:
            self.status = status

    def set_usage(self, input_tokens: int | None = None, output_tokens: int | None = None,
                  total_tokens: int | None = None, **extra: int) -> None:
        """Token usage for this span; `total_tokens` defaults to input + output."""
        counts = {**extra, "input_tokens": input_tokens, "output_tokens": output_tokens}
        counted = {key: _count(value) for key, value in counts.items()}
        usage = {key: count for key, count in counted.items() if count is not None}
        if total_tokens is None and ("input_tokens" in usage or "output_tokens" in usage):
            total_tokens = usage.get("input_tokens", 0) + usage.get("output_tokens", 0)
        total = _count(total_tokens)
        if total is not None:
            usage["total_tokens"] = total
        self.usage = usage


def _count(value: Any) -> int | None:
    """Token counts are integers from 0 to 2**63 - 1; `12.0` is accepted as 12, anything else dropped
    (a subclass whose conversion fails too)."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        number = float.__float__(value) if isinstance(value, float) else int.__index__(value)
    except Exception:
        return None
    if isinstance(number, float) and not (math.isfinite(number) and number.is_integer()):
        return None
    return int(number) if 0 <= number < 2**63 else None


def model_text(model: Any) -> str | None:
    """A model's name as text, or None for none (and for one that cannot be printed: a made-up name
    would be priced and compared as if it were one)."""
    if model is None or type(model) is str:
        return model
    text = safe_text(model)
    return None if text.startswith("<unprintable ") else text


class RootSpan:
    """Stands for the run's root span (`run_start`) where no span of the run is current."""

    __slots__ = ("span_id",)
    component = "app"

    def __init__(self, span_id: str):
        self.span_id = span_id


class NoopSpan:
    """What the API hands out when tracing is off: accepts everything, records nothing."""

    __slots__ = ()
    span_id = None
    recording = False

    def set_attribute(self, key: str, value: Any) -> None:
        pass

    def set_attributes(self, **attrs: Any) -> None:
        pass

    def set_outputs(self, outputs: Any) -> None:
        pass

    def set_model(self, model: str) -> None:
        pass

    def set_status(self, status: str) -> None:
        pass

    def set_usage(self, *args: Any, **kwargs: Any) -> None:
        pass


NOOP_SPAN = NoopSpan()
