"""`export --to otlp`: a recorded run's spans sent in batches through the SDK's OTLP exporter
(`tracer/otlp/sdk.py`); the first batch the backend does not take ends the export with one line.

A batch is sent only when the receiver answers it with a 2xx (`tracer/otlp/answers.py`: a redirect is
not), and each batch's request holds to the timeout whole: connecting, sending, the answer and the SDK's
retries together. The SDK's own timeout bounds each socket operation, so a receiver that trickles its
answer a byte a second would hold it for ever; here the export waits for the SDK at most the timeout (and a
moment, so that the SDK's own reason wins when it has one), then gives up on it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from ...model.errors import Namel3ssDebugError
from ...otel.spans import SpanRecord
from ...tracer.otlp.answers import TIMEOUT_HINT, ExportAnswerLog, Refusal, no_answer, refusal, watched_exporter
from ...tracer.otlp.sdk import OtlpTarget, quiet_exporter_logs, readable_spans, reason_of

BATCH = 512
GRACE_SECONDS = 0.5  # past the timeout, before the export stops waiting for the SDK (which ends in 0.07 s)
_LATE = object()


class ExportError(Namel3ssDebugError):
    """The backend did not take the spans (unreachable, refused, redirected, timed out): exit 1."""


def send(spans: Iterable[SpanRecord], resource: Any, target: OtlpTarget, batch: int = BATCH) -> int:
    """Send the spans in batches through the SDK's exporter; the number sent. Raises ExportError (naming the
    endpoint and what the receiver did) at the first batch the backend does not take."""
    exporter, answers = watched_exporter(target)
    sent = 0
    try:
        pending: list[Any] = []
        for span in readable_spans(spans, resource):
            pending.append(span)
            if len(pending) >= batch:
                sent += _export(exporter, answers, pending, target, sent)
                pending = []
        if pending:
            sent += _export(exporter, answers, pending, target, sent)
    finally:
        with quiet_exporter_logs():
            exporter.shutdown()  # ends the SDK's waits between retries; a request given up on is left behind
    return sent


def _export(exporter: Any, answers: ExportAnswerLog | None, spans: list[Any], target: OtlpTarget, sent: int) -> int:
    from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: PLC0415 - the optional extra

    mark = answers.mark() if answers is not None else 0
    outcome = _within(target.timeout + GRACE_SECONDS, lambda: _heard_export(exporter, spans))
    why = refusal(answers.since(mark), target.endpoint, target.timeout) if answers is not None else None
    if outcome is _LATE:  # the tries that failed so far say why, if any did; else nothing came back
        why = why or Refusal(no_answer(target.timeout), TIMEOUT_HINT)
    elif why is None and outcome[0] is not SpanExportResult.SUCCESS:
        why = Refusal(reason_of(outcome[1]), "check that an OTLP receiver listens there, or give another --endpoint")
    if why is not None:
        done = f" ({sent} spans were sent before)" if sent else ""
        raise ExportError(f"could not send {len(spans)} spans to {target.endpoint} ({target.protocol}): "
                          f"{why.reason}{done}", hint=why.hint)
    return len(spans)


def _heard_export(exporter: Any, spans: list[Any]) -> tuple[Any, list[str]]:
    """The exporter's result and its log lines (kept, not printed), in the thread that exports."""
    from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: PLC0415 - the optional extra

    with quiet_exporter_logs() as heard:
        try:
            return exporter.export(spans), heard
        except Exception as error:  # the SDK catches its own; anything else is this batch's failure, in words
            heard.append(repr(error))
            return SpanExportResult.FAILURE, heard


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """`work()`'s result, or `_LATE` when it has not returned within `seconds`. It runs in a daemon thread,
    left to itself when late (the process is not kept waiting for it at exit, as a thread pool's would be)."""
    box: list[Any] = []
    worker = threading.Thread(target=lambda: box.append(work()), name="namel3ss-debug-otlp-export", daemon=True)
    worker.start()
    worker.join(seconds)
    return box[0] if box else _LATE
