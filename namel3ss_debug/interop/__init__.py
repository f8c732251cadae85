"""Conversions of a recorded run to other tools' formats: OpenTelemetry spans (OTLP, OTLP/JSON) and Perfetto.

The span records come from `otel/spans.py` (pure: events in, span records out). `otlp/sdk_export` loads the
optional OpenTelemetry packages (`pip install 'namel3ss-debug[otel]'`) inside the functions that need them;
`otlp/json_lines` and `perfetto` need none.
"""
