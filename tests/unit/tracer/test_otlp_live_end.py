"""The end of a live-exported run waits only while the receiver keeps answering (tracer/otlp/live.py).

The SDK's exporter is replaced by stand-ins that behave as it does against each kind of receiver: one
that answers, one that answers late, one that never answers (blocks until shut down), and one whose try
fails (the SDK logs the failed try, then backs off until shut down). The processor is the SDK's own.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

pytest.importorskip("opentelemetry.sdk.trace.export")

from opentelemetry.sdk.trace.export import SpanExportResult
from support.tracefactory import TraceBuilder

from namel3ss_debug.testing.capture import MemoryWriter
from namel3ss_debug.tracer.otlp.live import (
    END_WAIT_SECONDS,
    FIRST_ANSWER_SECONDS,
    MAX_QUEUE_SIZE,
    LiveOtlpWriter,
    ReceiverWatch,
)

SDK_LOGGER = logging.getLogger("opentelemetry.exporter.otlp.proto.http.trace_exporter")
HANG_S = 60  # against a hang only


class Receiver:
    """A stand-in for the SDK's exporter: `answer(n)` is how the n-th request goes (0 = at once, a number of
    seconds = that late, "never" = no answer until shut down, "refused" = a failed try, then a back-off,
    "after the spans" = once the run has made all its spans, however long that takes)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.took: list[int] = []
        self.stop = threading.Event()
        self.spans_made = threading.Event()  # set by `run` once the app's spans are all written
        self.asked = threading.Event()  # set by the first request

    def export(self, spans: Any) -> SpanExportResult:
        self.asked.set()
        answer = self.answers[min(len(self.took), len(self.answers) - 1)]
        if answer == "refused":
            SDK_LOGGER.warning("Transient error %s encountered while exporting span batch, retrying in 1.00s.",
                               "Connection refused")
            self.stop.wait(60)  # the SDK's back-off, cut short by shutdown
            return SpanExportResult.FAILURE
        if answer == "after the spans":
            if not self.spans_made.wait(60):
                return SpanExportResult.FAILURE
            answer = 0
        if answer == "never" and not self.stop.wait(60) or self.stop.wait(answer if answer != "never" else 0):
            return SpanExportResult.FAILURE
        self.took.append(len(spans))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.stop.set()


class Waits(threading.Condition):
    """The watch's condition, its waits seen: (how long each might last, whether something woke it before)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[float | None, bool]] = []

    def wait(self, timeout: float | None = None) -> bool:
        woken = super().wait(timeout)
        self.seen.append((timeout, woken))
        return woken

    def all_woken(self) -> bool:
        """Whether the end's every wait was ended by news from the exporter, none by its deadline."""
        return all(woken for _, woken in self.seen)


@dataclass
class End:
    """How a run's close went: its waits; when the first request went out, and when the close began and ended."""

    waits: Waits
    asked_at: float | None
    began_at: float
    ended_at: float

    @property
    def took(self) -> float:
        return self.ended_at - self.began_at


def run(receiver: Receiver, spans: int = 5, pause: float = 0.0) -> tuple[End, list[str]]:
    """A run of `spans` tool calls through a live writer, with a `pause` after the first that begins once the
    first request has gone out; how its close went and the warnings it gave."""
    trace = TraceBuilder()
    trace.run_start()
    warnings: list[str] = []
    writer = LiveOtlpWriter(MemoryWriter(), receiver, "http://127.0.0.1:1/v1/traces", warnings.append)
    waits = writer.exporter.changed = Waits()  # before any span: the SDK's worker exports none before
    for event in trace.events:
        writer.append(_line(event))
    for n in range(spans):
        trace.span("tool", f"call{n}", 1.0)
        for event in trace.events[-2:]:
            writer.append(_line(event))
        if n == 0 and pause:
            assert receiver.asked.wait(HANG_S)
            time.sleep(pause)
    receiver.spans_made.set()
    trace.run_end()
    writer.append(_line(trace.events[-1]))
    start = time.monotonic()
    writer.close()
    ended = time.monotonic()
    return End(waits, writer.exporter.asked_at, start, ended), warnings


def _line(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


def test_a_receiver_that_answers_gets_every_span_and_no_warning() -> None:
    receiver = Receiver(0)
    end, warnings = run(receiver)
    assert (sum(receiver.took), warnings) == (6, [])
    assert end.waits.all_woken()  # the end goes as soon as all is sent, not at a deadline (was: took < 1 s)


def test_a_receiver_that_never_answered_gets_the_first_answers_grace_and_no_more() -> None:
    end, warnings = run(Receiver("never"))
    assert end.asked_at is not None and end.ended_at >= end.asked_at + FIRST_ANSWER_SECONDS  # all the grace
    grace_left = end.asked_at + FIRST_ANSWER_SECONDS - end.began_at
    assert all(timeout is not None and timeout <= grace_left + 1e-9 for timeout, _ in end.waits.seen)  # no more
    assert warnings == [(f"live export to http://127.0.0.1:1/v1/traces failed (no answer in {FIRST_ANSWER_SECONDS:g} s)"
                         ": 6 of 6 spans not sent; the trace file has every event")]


def test_the_grace_counts_from_the_first_request_not_from_the_end() -> None:
    end, warnings = run(Receiver("never"), pause=FIRST_ANSWER_SECONDS + 0.3)  # asked before the pause
    assert end.waits.seen == [] and "(no answer in" in warnings[0]  # the grace was over: no wait (was < 0.2 s)


def test_a_failed_try_ends_the_wait_at_once_with_the_sdks_reason() -> None:
    end, warnings = run(Receiver("refused"))
    assert end.waits.all_woken()  # ended by the failed try, not by a deadline (was: took < 0.3 s)
    assert warnings == [("live export to http://127.0.0.1:1/v1/traces failed (Connection refused): 6 of 6 spans not "
                         "sent; the trace file has every event")]


def test_a_receiver_that_answered_is_waited_for_when_it_answers_late() -> None:
    receiver = Receiver(0, FIRST_ANSWER_SECONDS + 0.5)  # the first batch during the pause, the rest late
    end, warnings = run(receiver, pause=0.5)
    assert (len(receiver.took), sum(receiver.took), warnings) == (2, 6, [])
    assert end.took > FIRST_ANSWER_SECONDS + 0.4


class VirtualWaits(threading.Condition):
    """The watch's clock and its waits in virtual time: a wait of `t` s moves the clock on `t` s at once (no
    receiver answers meanwhile), so how long the end waited is read off the clock, not measured."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None, "a wait with no end"
        self.waits.append(timeout)
        self.now += timeout
        return False


def test_a_receiver_that_answered_is_waited_for_no_longer_than_the_limit() -> None:
    receiver, virtual = Receiver(0, "never"), VirtualWaits()
    watch = ReceiverWatch(receiver, lambda reason: None, clock=virtual.clock)
    watch.changed = virtual
    assert watch.export([1, 2]) is SpanExportResult.SUCCESS
    worker = threading.Thread(target=watch.export, args=([3],), daemon=True)
    worker.start()  # sent, never answered
    assert watch.settle(FIRST_ANSWER_SECONDS, 0.8) == "still sending 0.8 s after the run ended"
    assert virtual.waits == [0.8] and END_WAIT_SECONDS > 0.8  # the limit given, not the default
    receiver.shutdown()


def test_spans_the_full_queue_dropped_are_counted_in_one_warning() -> None:
    # the second batch is answered only once the app has made its spans: the queue fills however slow the machine
    receiver = Receiver(0, "after the spans", 0)
    _, warnings = run(receiver, spans=MAX_QUEUE_SIZE + 600, pause=0.3)
    assert len(warnings) == 1 and warnings[0].startswith("live export to http://127.0.0.1:1/v1/traces dropped ")
    dropped = int(warnings[0].split(" dropped ")[1].split(" of ")[0])
    assert dropped == MAX_QUEUE_SIZE + 601 - sum(receiver.took) and dropped > 0
