"""Conversions of a recorded run to other tools' formats: OpenTelemetry spans (OTLP, OTLP/JSON) and Perfetto.

`otel_spans` is pure (events in, span records out); `otlp` and `otlp_json` load the optional OpenTelemetry
packages (`pip install 'namel3ss-debug[otel]'`) inside the functions that need them.
"""
