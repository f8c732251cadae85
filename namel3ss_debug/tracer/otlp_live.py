"""Live export (`exporters: ["jsonl", "otlp"]`): each span sent to an OTLP receiver while the app runs.

`LiveOtlpWriter` wraps the run's trace-file writer: every line goes to the file first, exactly as without
it; then the line, already redacted and truncated, is turned into spans (`model/otel_spans.py`) and handed
to the SDK's `BatchSpanProcessor`, whose queue is bounded and whose worker thread does the sending. A
receiver that is down costs one warning line and nothing else: the SDK's own log lines about it are kept
quiet, the queue drops what does not fit, and the end of the run waits for a receiver that has already
failed not at all (for one that has not, at most `END_WAIT_SECONDS`). Nothing here raises into the app.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ..model.errors import Namel3ssDebugError
from ..model.messages import warning_line
from ..model.otel_spans import SpanConverter
from .otlp_sdk import LOGGERS, SpanMaker, make_exporter, reason_of, require_otel, resolve_target

MAX_QUEUE_SIZE = 2048  # spans waiting to be sent; past it, new spans are dropped (the SDK's default)
END_WAIT_SECONDS = 3.0  # the most the end of a run waits for the last spans to be sent
_QUIET = threading.local()  # set while our processor emits or our exporter exports, in that thread


def warn(message: str) -> None:
    print(warning_line(message), file=sys.stderr, flush=True)


def live_writer(inner: Any, environ: Mapping[str, str], report: Callable[[str], None] = warn) -> Any:
    """`inner` wrapped to export live, or `inner` itself (with one warning) when the OpenTelemetry packages
    are missing or the OTEL_EXPORTER_OTLP_* variables are wrong."""
    try:
        target = resolve_target(environ)
        require_otel("live export (exporters: otlp)")
        exporter = make_exporter(target)
    except Namel3ssDebugError as error:  # its text ends with its hint
        report(f"live export is off: {error}; the trace file is written as usual")
        return inner
    return LiveOtlpWriter(inner, exporter, target.endpoint, report)


class LiveOtlpWriter:
    """A trace-file writer that also sends each span as it ends (see the module's docstring)."""

    def __init__(self, inner: Any, exporter: Any, endpoint: str, report: Callable[[str], None] = warn):
        from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415 - the optional extra

        self.inner = inner
        self.endpoint = endpoint
        self.report = report
        self.converter = SpanConverter()
        self.maker = SpanMaker()
        self.exporter = _WatchedExporter(exporter, self._failed)
        _quiet_sdk_loggers()
        self.processor = BatchSpanProcessor(self.exporter, max_queue_size=MAX_QUEUE_SIZE)
        self.warned = False
        self.broken = False  # our own conversion failed: stop exporting, keep writing the file

    def __getattr__(self, name: str) -> Any:  # path, paths, index, deleted...: the file writer's
        return getattr(self.inner, name)

    def should_rotate(self, line_length: int) -> bool:
        return self.inner.should_rotate(line_length)

    def rotate(self) -> Any:
        return self.inner.rotate()

    def append(self, line: bytes) -> None:
        self.inner.append(line)  # the file first: whatever happens next, the line is written
        if not self.broken:
            self._send(lambda: self.converter.feed(orjson.loads(line)))

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            if not self.broken:
                self._send(self.converter.finish)
            self._end()

    def _end(self) -> None:
        """Send what is queued: at once if the receiver already failed, else for at most END_WAIT_SECONDS;
        then stop the exporter, which cuts its retries short (the SDK's own shutdown would wait 30 s)."""
        if self.exporter.failed:
            self.exporter.shutdown()
        closer = threading.Thread(target=self._shutdown_quietly, name="namel3ss-debug-otlp-end", daemon=True)
        closer.start()
        closer.join(0 if self.exporter.failed else END_WAIT_SECONDS)
        if closer.is_alive():
            self.exporter.shutdown()
            closer.join(END_WAIT_SECONDS)

    def _shutdown_quietly(self) -> None:
        _QUIET.on = True
        try:
            self.processor.shutdown()
        except Exception:  # the app must never see our failure
            pass

    def _send(self, spans: Callable[[], list[Any]]) -> None:
        _QUIET.on = True
        try:
            for span in spans():
                self.processor.on_end(self.maker.make(span, self.converter.resource))
        except Exception as exc:  # a line we cannot convert: stop sending, never stop writing
            self.broken = True
            self._warn_once(f"live export stopped: {exc!r}; the trace file has every event")
        finally:
            _QUIET.on = False

    def _failed(self, reason: str) -> None:
        self._warn_once(f"live export to {self.endpoint} failed ({reason}); the trace file has every event")

    def _warn_once(self, message: str) -> None:
        if not self.warned:
            self.warned = True
            self.report(message)


class _WatchedExporter:
    """The SDK's exporter, with its failures heard (the first one's reason) instead of logged."""

    def __init__(self, inner: Any, on_failure: Callable[[str], None]):
        self.inner = inner
        self.on_failure = on_failure
        self.failed = False
        self.stopped = False
        self.heard: list[str] = []

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: PLC0415 - the optional extra

        _QUIET.on, _QUIET.heard = True, self.heard
        try:
            result = self.inner.export(spans)
        except Exception as exc:
            self.heard.append(repr(exc))
            result = SpanExportResult.FAILURE
        finally:
            _QUIET.on, _QUIET.heard = False, None
        if result is not SpanExportResult.SUCCESS:
            self.failed = True
            self.on_failure(reason_of(self.heard))
        return result

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        if self.stopped:
            return
        self.stopped = True
        _QUIET.on = True
        try:
            self.inner.shutdown()
        except Exception:  # the app must never see our failure
            pass
        finally:
            _QUIET.on = False

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _DropOurs(logging.Filter):
    """Drops the SDK's log records made on behalf of our live export (the thread says so); keeps the
    first reason for the warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(_QUIET, "on", False):
            return True
        heard = getattr(_QUIET, "heard", None)
        if heard is not None and len(heard) < 8:
            heard.append(record.getMessage())
        return False


_FILTER = _DropOurs()


def _quiet_sdk_loggers() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
