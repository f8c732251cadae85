"""`export --to otlp --timeout 3` against receivers that misbehave: each export ends, exits 1 with one line
saying what the receiver did, and never says "sent" for spans the receiver did not answer with a 2xx (a
redirect is not followed, and not success). Real processes; the live export's exit against a trickling
receiver and a redirect too. No wall-clock budget for an export: where a receiver keeps it waiting, it is
timed from below (it waited the whole timeout); each process's 60 s timeout is a guard against a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")

from support.otlpreceivers import (
    Blackhole,
    Dripping,
    HttpReceiver,
    SlowReading,
    StatusReceiver,
    refused_url,
    run_exporting_app,
)
from support.tracefactory import TraceBuilder, one_llm_call

TIMEOUT = 3.0


def environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}


def export(trace: Path, url: str, timeout: float = TIMEOUT) -> tuple[float, subprocess.CompletedProcess]:
    """`namel3ss-debug export TRACE --to otlp --endpoint URL --timeout 3`, timed to its exit."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "export", str(trace), "--to", "otlp",
                           "--endpoint", url, "--timeout", f"{timeout:g}"],
                          cwd=trace.parent, env=environ(), capture_output=True, text=True, timeout=60)
    return time.perf_counter() - start, done


def exported(receiver: Any, trace: Path) -> tuple[float, subprocess.CompletedProcess]:
    """`export` of `trace` to `receiver`, which is closed after."""
    try:
        return export(trace, receiver.url)
    finally:
        receiver.close()


def failed(done: subprocess.CompletedProcess) -> str:
    """Asserts the export failed in one line, no traceback; returns the line."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert " sent " not in done.stderr and done.stderr.startswith("namel3ss-debug: error: could not send 2 spans to ")
    return done.stderr


def big_run(path: Path) -> Path:
    """A run whose request is about 3 MB: far more than a receiver's window and the sender's buffers take."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "plan", 5, inputs={"prompt": "p" * 3_000_000})
    trace.run_end()
    return trace.write(path)


def test_a_receiver_that_never_answers(tmp_path) -> None:
    hole = Blackhole()
    took, done = exported(hole, one_llm_call(tmp_path / "run.jsonl"))
    assert "no answer within 3 s (check that the receiver at that address is up, or give a longer --timeout)" \
        in failed(done)
    assert took >= TIMEOUT


def test_a_receiver_that_trickles_its_answer_a_byte_a_second(tmp_path) -> None:
    """Each byte comes well within the SDK's socket timeout; only the request's timeout taken whole ends it
    (before: it never ended)."""
    drip = Dripping()
    took, done = exported(drip, one_llm_call(tmp_path / "run.jsonl"))
    assert "no answer within 3 s" in failed(done) and took >= TIMEOUT


def test_a_receiver_that_reads_the_request_a_byte_a_second(tmp_path) -> None:
    reader = SlowReading()
    _, done = exported(reader, big_run(tmp_path / "run.jsonl"))
    assert "the receiver did not read the request within 3 s" in failed(done)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_itself_is_not_sent_and_not_followed(tmp_path, status) -> None:
    """The SDK took any 3xx for success: this said 'sent 2 spans' for spans nobody took."""
    receiver = StatusReceiver(status)
    receiver.headers["Location"] = receiver.url + "/v1/traces"
    _, done = exported(receiver, one_llm_call(tmp_path / "run.jsonl"))
    line = failed(done)
    assert f": the receiver answered {status} " in line and " to itself (check the receiver's address and path" in line
    assert receiver.requests == 1


def test_a_redirect_elsewhere_is_not_followed_and_names_where_it_points(tmp_path) -> None:
    elsewhere = HttpReceiver()
    receiver = StatusReceiver(307, {"Location": elsewhere.url + "/v1/traces"})
    try:
        _, done = exported(receiver, one_llm_call(tmp_path / "run.jsonl"))
    finally:
        elsewhere.close()
    line = failed(done)
    assert f"the receiver answered 307 Temporary Redirect to {elsewhere.url}/v1/traces (give --endpoint " \
           f"{elsewhere.url}/v1/traces; an export does not follow a redirect" in line
    assert elsewhere.spans == []


@pytest.mark.parametrize("status, reason", [(503, "Service Unavailable"), (429, "Too Many Requests")])
def test_a_receiver_that_asks_to_be_retried_past_the_timeout(tmp_path, status, reason) -> None:
    receiver = StatusReceiver(status, {"Retry-After": "86400"})
    _, done = exported(receiver, one_llm_call(tmp_path / "run.jsonl"))
    assert (f"the receiver answered {status} {reason} and asked to be retried in 86400 s, past the 3 s timeout "
            "(try again later, or give a --timeout longer than the wait it asks for)"
            in failed(done))
    assert receiver.requests == 1


def test_a_receiver_that_keeps_failing_is_retried_within_the_timeout(tmp_path) -> None:
    receiver = StatusReceiver(502, {"Retry-After": "1"})
    _, done = exported(receiver, one_llm_call(tmp_path / "run.jsonl"))
    line = failed(done)
    assert receiver.requests >= 2 and f"the receiver answered 502 Bad Gateway ({receiver.requests} tries)" in line


def test_any_2xx_is_taken_for_sent(tmp_path) -> None:
    receiver = StatusReceiver(202)
    _, done = exported(receiver, one_llm_call(tmp_path / "run.jsonl"))
    assert done.returncode == 0 and "sent 2 spans to" in done.stderr and receiver.requests == 1


LIVE_END_BOUND = 0.5 + 1.0  # otlp_live.FIRST_ANSWER_SECONDS for a receiver never answered, and the noise


def run_app(tmp_path: Path, url: str) -> tuple[float, subprocess.CompletedProcess]:
    """The app with live export to `url` (`NAMEL3SS_DEBUG_EXPORTERS=jsonl,otlp`), timed to its exit."""
    env = {**environ(), "NAMEL3SS_DEBUG_ENABLED": "1", "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": str(tmp_path / "traces"),
           "NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": url}
    return run_exporting_app(tmp_path, env)


def test_live_export_to_a_trickling_receiver_does_not_hold_the_apps_exit(tmp_path) -> None:
    refused, _ = run_app(tmp_path, refused_url())  # the same app and SDK, its exporter failing at once
    drip = Dripping()
    try:
        took, done = run_app(tmp_path, drip.url)
    finally:
        drip.close()
    assert took - refused < LIVE_END_BOUND, (took, refused)
    assert "Traceback" not in done.stderr
    assert "warning: live export to" in done.stderr and "failed (no answer in 0.5 s)" in done.stderr


def test_live_export_warns_that_a_redirect_took_nothing(tmp_path) -> None:
    receiver = StatusReceiver(308)
    receiver.headers["Location"] = receiver.url + "/v1/traces"
    try:
        _, done = run_app(tmp_path, receiver.url)
    finally:
        receiver.close()
    assert "failed (the receiver answered 308 Permanent Redirect to itself)" in done.stderr
