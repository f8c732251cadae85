"""A span as the application sees it: set attributes, outputs, usage and model while it runs."""

from __future__ import annotations

from typing import Any


class Span:
    """An open span. Created by the tracer; ended exactly once by whoever started it."""

    __slots__ = ("run", "span_id", "parent_id", "component", "name", "prefix", "start_ns", "token",
                 "attrs", "outputs", "usage", "model", "status", "ended")

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

    @property
    def recording(self) -> bool:
        return True

    def set_attribute(self, key: str, value: Any) -> None:
        if self.attrs is None:
            self.attrs = {}
        self.attrs[key] = value

    def set_attributes(self, **attrs: Any) -> None:
        for key, value in attrs.items():
            self.set_attribute(key, value)

    def set_outputs(self, outputs: Any) -> None:
        self.outputs = outputs

    def set_model(self, model: str) -> None:
        self.model = model

    def set_status(self, status: str) -> None:
        """Override the end status (`completed`, `failed` or `skipped`)."""
        self.status = status

    def set_usage(self, input_tokens: int | None = None, output_tokens: int | None = None,
                  total_tokens: int | None = None, **extra: int) -> None:
        """Token usage for this span; `total_tokens` defaults to input + output."""
        usage = dict(extra)
        if input_tokens is not None:
            usage["input_tokens"] = input_tokens
        if output_tokens is not None:
            usage["output_tokens"] = output_tokens
        if total_tokens is None and (input_tokens is not None or output_tokens is not None):
            total_tokens = (input_tokens or 0) + (output_tokens or 0)
        if total_tokens is not None:
            usage["total_tokens"] = total_tokens
        self.usage = usage


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
