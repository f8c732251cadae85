"""`export --to otlp`: a recorded run's spans sent in batches through the SDK's OTLP exporter
(`tracer/otlp_sdk.py`); the first batch the backend does not take ends the export with one line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model.errors import Namel3ssDebugError
from ..model.otel_spans import SpanRecord
from ..tracer.otlp_sdk import OtlpTarget, make_exporter, quiet_exporter_logs, readable_spans, reason_of

BATCH = 512


class ExportError(Namel3ssDebugError):
    """The backend did not take the spans (unreachable, refused, timed out): exit 1."""


def send(spans: Iterable[SpanRecord], resource: Any, target: OtlpTarget, batch: int = BATCH) -> int:
    """Send the spans in batches through the SDK's exporter; the number sent. Raises ExportError (naming the
    endpoint and the exporter's reason) at the first batch the backend does not take."""
    exporter = make_exporter(target)
    sent = 0
    try:
        pending: list[Any] = []
        for span in readable_spans(spans, resource):
            pending.append(span)
            if len(pending) >= batch:
                sent += _export(exporter, pending, target, sent)
                pending = []
        if pending:
            sent += _export(exporter, pending, target, sent)
    finally:
        with quiet_exporter_logs():
            exporter.shutdown()
    return sent


def _export(exporter: Any, spans: list[Any], target: OtlpTarget, sent: int) -> int:
    from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: PLC0415 - the optional extra

    with quiet_exporter_logs() as heard:
        result = exporter.export(spans)
    if result is not SpanExportResult.SUCCESS:
        reason = reason_of(heard)
        done = f" ({sent} spans were sent before)" if sent else ""
        raise ExportError(f"could not send {len(spans)} spans to {target.endpoint} ({target.protocol}): {reason}{done}",
                          hint="check that an OTLP receiver listens there, or give another --endpoint")
    return len(spans)

