"""OpenTelemetry in: spans of the app's OpenTelemetry SDK tracer providers (GenAI semantic conventions,
OpenInference, OpenLLMetry, Logfire, frameworks' built-in instrumentation) recorded as our spans.

Installed when the app imports `opentelemetry.sdk.trace`: our span processor (`otel/processor.py`) is
added with the SDK's public `TracerProvider.add_span_processor` to the global provider if it is an SDK one,
and to every SDK `TracerProvider` constructed from then on (the constructor is wrapped to add it once the
provider is built). Nothing is replaced: the app's provider, processors and exporters get every span as
before. An app that only uses the OpenTelemetry API, with no SDK provider, makes non-recording spans,
which no processor sees: there is nothing to record.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from ...tracer.api import get_tracer
from .processor import OtelSpanProcessor

_MARK = "_namel3ss_debug_processor"
_processor: OtelSpanProcessor | None = None


def install(module: ModuleType) -> list[str]:
    """Add our processor to the SDK tracer providers, present and future; the hook points missing."""
    global _processor
    provider_class = getattr(module, "TracerProvider", None)
    if provider_class is None or not hasattr(provider_class, "add_span_processor"):
        return ["TracerProvider.add_span_processor"]
    if _processor is None:
        _processor = OtelSpanProcessor(get_tracer())
    init = provider_class.__init__
    if not getattr(init, _MARK, False):
        provider_class.__init__ = _constructor(init, _processor)
    _attach_global(provider_class, _processor)
    return []


def _constructor(init: Any, processor: OtelSpanProcessor) -> Any:
    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        attach(self, processor)

    setattr(__init__, _MARK, True)
    return __init__


def attach(provider: Any, processor: OtelSpanProcessor) -> None:
    """Add the processor to one provider, once; never raises into the app."""
    try:
        if getattr(provider, _MARK, None) is None:
            provider.add_span_processor(processor)
            setattr(provider, _MARK, processor)
    except Exception as exc:  # ours: that provider's spans go unrecorded, the app goes on
        get_tracer().note_failure(exc)


def _attach_global(provider_class: type, processor: OtelSpanProcessor) -> None:
    """The provider the app set globally before the hook was installed (a process traced late)."""
    from opentelemetry import trace  # noqa: PLC0415 - the SDK is imported (we are its import's hook)

    provider = getattr(trace, "_TRACER_PROVIDER", None)  # read, not get_tracer_provider(): that would set one
    if isinstance(provider, provider_class):
        attach(provider, processor)
