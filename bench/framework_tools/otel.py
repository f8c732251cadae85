"""OpenTelemetry in: one tool call as an OpenInference TOOL span on the app's own SDK tracer provider
(an in-memory exporter behind a SimpleSpanProcessor), the way an instrumentation records a tool, with no
LLM and no network. Under tracing our span processor, added to the provider as it is constructed,
turns the span into a `tool` span."""

from __future__ import annotations

from collections.abc import Callable


def make() -> Callable[[], None]:
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - the SDK is imported by the bench
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415 - as above
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: PLC0415 - as above

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")

    def get_weather(city: str) -> str:
        return "sunny, 24 C" if city == "Lisbon" else "clear, 18 C"

    def one_call() -> None:
        with tracer.start_as_current_span("get_weather", attributes={
                "openinference.span.kind": "TOOL", "tool.name": "get_weather", "tool_call.id": "call_1",
                "input.value": '{"city": "Lisbon"}'}) as span:
            span.set_attribute("output.value", get_weather("Lisbon"))
        exporter.clear()

    return one_call
