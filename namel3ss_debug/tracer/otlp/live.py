"""Live export (`exporters: ["jsonl", "otlp"]`): each span sent to an OTLP receiver while the app runs.

`LiveOtlpWriter` wraps the run's trace-file writer: every line goes to the file first, exactly as without
it; then the line, already redacted and truncated, is turned into spans (`otel/spans.py`) and handed
to the SDK's `BatchSpanProcessor`, whose queue is bounded and whose worker thread does the sending, a
batch every `SEND_EVERY_SECONDS`. A receiver that is down costs one warning line and at most a fraction of
a second: the SDK's own log lines about it are kept quiet, the queue drops what does not fit, and the end
of the run waits only while the receiver keeps answering (`ReceiverWatch.settle`): not at all once a try
has failed (a refused connection fails within milliseconds), at most `FIRST_ANSWER_SECONDS` from its first
request for a receiver that has never answered (a port that accepts and never answers, a blackholed
host), and at most `END_WAIT_SECONDS` for one that has. A batch is sent only when the receiver answers it
with a 2xx (`otlp_answers.py`): a redirect is a failed try, warned about. Nothing here raises into the app.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ...model.errors import Namel3ssDebugError
from ...model.messages import warning_line
from ...otel.spans import SpanConverter
from .answers import ExportAnswerLog, refusal, watched_exporter
from .sdk import DEFAULT_TIMEOUT, LOGGERS, SpanMaker, endpoint_variable, reason_of, require_otel, resolve_target
from ..ours import OURS
from ..provenance import exported
from ..recorder import Writer

if TYPE_CHECKING:  # the optional extra, loaded by a writer that exports live
    from opentelemetry.sdk.trace import SpanProcessor

MAX_QUEUE_SIZE = 2048  # spans waiting to be sent; past it, new spans are dropped (the SDK's default)
# The SDK's 5 s between batches would leave every span of a short run to its end, and the receiver unheard
# from until then; a batch every 0.2 s sends spans while the app runs and learns early whether anyone answers.
SEND_EVERY_SECONDS = 0.2
FIRST_ANSWER_SECONDS = 0.5  # from its first request, the most a receiver that never answered gets at the end
END_WAIT_SECONDS = 3.0  # the most the end of a run waits for a receiver that is answering
_QUIET = OURS  # `on` while our processor emits or our exporter exports, in that thread


def warn(message: str) -> None:
    print(warning_line(message), file=sys.stderr, flush=True)


def _quiet_shutdown(part: Any) -> None:
    """`part.shutdown()` (the SDK's processor or exporter) with its log records dropped as ours; its failure is
    ours too, and the app must never see it."""
    _QUIET.on = True
    try:
        part.shutdown()
    except Exception:  # the app must never see our failure
        pass


def live_writer(inner: Writer, environ: Mapping[str, str], report: Callable[[str], None] = warn,
                source: str = "default") -> Writer:
    """`inner` wrapped to export live, or `inner` itself (with one warning) when the OpenTelemetry packages
    are missing or the OTEL_EXPORTER_OTLP_* variables are wrong. `source`: where `exporters` came from, said
    once with the receiver's address (`provenance.py`)."""
    try:
        target = resolve_target(environ)
        require_otel("live export (exporters: otlp)")
        exporter, answers = watched_exporter(target)
    except Namel3ssDebugError as error:  # its text ends with its hint
        report(f"live export is off: {error}; the trace file is written as usual")
        return inner
    exported(source, target.endpoint, endpoint_variable(environ))
    return LiveOtlpWriter(inner, exporter, target.endpoint, report, answers=answers, timeout=target.timeout)


class LiveOtlpWriter:
    """A trace-file writer that also sends each span as it ends (see the module's docstring)."""

    def __init__(self, inner: Writer, exporter: Any, endpoint: str, report: Callable[[str], None] = warn,
                 clock: Callable[[], float] = time.monotonic, *, answers: ExportAnswerLog | None = None,
                 timeout: float = DEFAULT_TIMEOUT):
        from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415 - the optional extra

        self.inner = inner
        self.endpoint = endpoint
        self.report = report
        self.converter = SpanConverter()
        self.maker = SpanMaker()
        self.exporter = ReceiverWatch(exporter, self._failed, clock, answers, endpoint, timeout)
        _quiet_sdk_loggers()
        # typed by its base class, whose methods are annotated (BatchSpanProcessor's shutdown is not)
        self.processor: SpanProcessor = BatchSpanProcessor(
            self.exporter,  # type: ignore[arg-type]  # a SpanExporter by its methods: the SDK is an optional extra
            max_queue_size=MAX_QUEUE_SIZE, schedule_delay_millis=SEND_EVERY_SECONDS * 1000)
        self.given = 0  # spans handed to the processor; the exporter counts those the receiver took
        self.warned = False
        self.warn_lock = threading.Lock()  # the worker's failure and the end's verdict may both warn
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

    def settle(self) -> None:
        self.inner.settle()

    def close(self, last: Callable[[], bytes] | None = None) -> None:
        try:
            self.inner.close(last)
        finally:
            if not self.broken:
                self._send(self.converter.finish)
            self._end()

    def _end(self) -> None:
        """Send what is queued while the receiver keeps answering (`ReceiverWatch.settle`); past that, stop
        the exporter, which cuts its retries short and closes a gRPC channel. An HTTP request already sent
        keeps the SDK's worker (a daemon thread) until its timeout, but nobody waits for it."""
        closer = threading.Thread(target=self._shutdown_quietly, name="namel3ss-debug-otlp-end", daemon=True)
        closer.start()
        why = self.exporter.settle(FIRST_ANSWER_SECONDS, END_WAIT_SECONDS)
        if why is not None:
            self.exporter.shutdown()
        unsent = self.given - self.exporter.sent
        if why is not None and unsent:
            self._warn_once(f"live export to {self.endpoint} failed ({why}): {unsent} of {self.given} spans "
                            f"not sent; the trace file has every event")
        elif unsent:  # every batch went, so the queue was full at some point
            self._warn_once(f"live export to {self.endpoint} dropped {unsent} of {self.given} spans (more than "
                            f"{MAX_QUEUE_SIZE} waited at once); the trace file has every event")

    def _shutdown_quietly(self) -> None:
        try:
            _quiet_shutdown(self.processor)
        finally:
            self.exporter.finish()

    def _send(self, spans: Callable[[], list[Any]]) -> None:
        _QUIET.on = True
        try:
            for span in spans():
                self.processor.on_end(self.maker.make(span, self.converter.resource))
                self.given += 1
        except Exception as exc:  # a line we cannot convert: stop sending, never stop writing
            self.broken = True
            self._warn_once(f"live export stopped: {exc!r}; the trace file has every event")
        finally:
            _QUIET.on = False

    def _failed(self, reason: str) -> None:
        self._warn_once(f"live export to {self.endpoint} failed ({reason}); the trace file has every event")

    def _warn_once(self, message: str) -> None:
        with self.warn_lock:
            if self.warned:
                return
            self.warned = True
        self.report(message)


class ReceiverWatch:
    """The SDK's exporter, watched: whether the receiver answered its last request, whether a try has failed
    since (the SDK logs each failed try before it backs off; those records are heard here, not printed),
    when the first request went out, and how many spans the receiver took. With `answers` (OTLP/HTTP), a
    batch the SDK counts as sent that was not answered with a 2xx (a redirect) is a failed try."""

    def __init__(self, inner: Any, on_failure: Callable[[str], None], clock: Callable[[], float] = time.monotonic,
                 answers: ExportAnswerLog | None = None, endpoint: str = "", timeout: float = DEFAULT_TIMEOUT):
        self.inner = inner
        self.answers, self.endpoint, self.timeout = answers, endpoint, timeout
        self.on_failure = on_failure
        self.clock = clock
        self.changed = threading.Condition()
        self.answered = False  # the last request was answered with success
        self.failing = False  # a try has failed since the last success
        self.asked_at: float | None = None  # when the first request went out
        self.sent = 0
        self.finished = False  # the processor has sent (or given up on) everything
        self.stopped = False
        self.heard: list[str] = []

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult  # noqa: PLC0415 - the optional extra

        if self.stopped:  # the end gave up on the receiver: the worker's last batches go nowhere, at once
            return SpanExportResult.FAILURE
        with self.changed:
            if self.asked_at is None:
                self.asked_at = self.clock()
        _QUIET.on, _QUIET.watch = True, self
        mark = self.answers.mark() if self.answers is not None else 0
        try:
            result = self.inner.export(spans)
        except Exception as exc:
            self.hear(repr(exc))
            result = SpanExportResult.FAILURE
        finally:
            _QUIET.on, _QUIET.watch = False, None
        if result is SpanExportResult.SUCCESS and self.answers is not None:
            refused = refusal(self.answers.since(mark), self.endpoint, self.timeout)
            if refused is not None:
                self.hear(refused.reason)
                result = SpanExportResult.FAILURE
        with self.changed:
            if result is SpanExportResult.SUCCESS:
                self.answered, self.failing = True, False
                self.sent += len(spans)
            else:
                self.answered, self.failing = False, True
            self.changed.notify_all()
        if result is not SpanExportResult.SUCCESS:
            self.on_failure(reason_of(self.heard))
        return result

    def hear(self, message: str) -> None:
        """One of the SDK's log records made while exporting: a try that failed."""
        if len(self.heard) < 8:
            self.heard.append(message)
        with self.changed:
            self.failing = True
            self.changed.notify_all()

    def finish(self) -> None:
        with self.changed:
            self.finished = True
            self.changed.notify_all()

    def settle(self, first_answer: float, limit: float) -> str | None:
        """Wait until everything is sent (None) or the receiver stops answering (why not): a try failed;
        no answer `first_answer` s after the first request, when none was ever answered; `limit` s gone."""
        start = self.clock()
        with self.changed:
            while not self.finished:
                if self.failing:
                    return reason_of(self.heard)
                if self.answered:
                    deadline, why = start + limit, f"still sending {limit:g} s after the run ended"
                else:
                    asked = self.asked_at if self.asked_at is not None else start
                    deadline, why = min(asked + first_answer, start + limit), f"no answer in {first_answer:g} s"
                left = deadline - self.clock()
                if left <= 0:
                    return why
                self.changed.wait(left)
        return None

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            _quiet_shutdown(self.inner)
        finally:
            _QUIET.on = False

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _DropOurs(logging.Filter):
    """Drops the SDK's log records made on behalf of our live export (the thread says so); a record made
    while exporting is a failed try, heard by the watch (its first words become the warning's reason)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(_QUIET, "on", False):
            return True
        watch = getattr(_QUIET, "watch", None)
        if watch is not None and record.levelno >= logging.WARNING:
            watch.hear(record.getMessage())
        return False


_FILTER = _DropOurs()


def _quiet_sdk_loggers() -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
