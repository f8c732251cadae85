"""OpenTelemetry spans from other libraries (GenAI semantic conventions, OpenInference, OpenLLMetry) as
spans of the running trace: `namel3ss_debug/otel/attributes.py` reads a span's attributes, `processor.py` is
the span processor that `hook.py` adds to the app's own tracer providers. Nothing here imports
OpenTelemetry: the processor is duck-typed to the SDK's `SpanProcessor`."""
