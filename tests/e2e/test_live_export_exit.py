"""Live export's cost at the app's exit, measured on real processes: a receiver that is down (a refused port,
or a listener that accepts and never answers) adds at most a fraction of a second to the app's run, over
http/protobuf and grpc; a receiver that answers, even slowly, still gets every span."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest

pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")
pytest.importorskip("opentelemetry.exporter.otlp.proto.grpc.trace_exporter")

from support.otlpreceivers import Blackhole, GrpcReceiver, HttpReceiver, refused_url, run_exporting_app

from namel3ss_debug.otel.spans import SpanConverter

EXTRA_LIMIT = 1.5  # seconds over the same app without export; measured 0.0-0.6 s (see below)


def run_app(tmp_path: Path, name: str, pause: float = 0.0, **otel: str) -> tuple[float, subprocess.CompletedProcess]:
    """The app run as a user runs it (`NAMEL3SS_DEBUG_ENABLED=1 python app.py`), timed to its exit; its trace
    is written to `tmp_path / name`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    environ.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / name))
    if otel:
        environ.update(NAMEL3SS_DEBUG_EXPORTERS="jsonl,otlp", **otel)
    return run_exporting_app(tmp_path, environ, pause)


def fastest(tmp_path: Path, name: str, runs: int = 2, **otel: str) -> tuple[float, subprocess.CompletedProcess]:
    """The fastest of a few runs (the machine's noise only ever adds time); each run's trace in `name-N`."""
    results = [run_app(tmp_path, f"{name}-{n}", **otel) for n in range(runs)]
    return min(results, key=lambda result: result[0])


def span_names(directory: Path) -> list[str]:
    """The spans the run's trace file makes (our own converter, as the live export makes them)."""
    converter = SpanConverter()
    names = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_bytes().splitlines():
            names += [span.name for span in converter.feed(orjson.loads(line))]
    return sorted(names + [span.name for span in converter.finish()])


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_a_receiver_that_is_down_adds_at_most_a_fraction_of_a_second(tmp_path: Path, protocol: str) -> None:
    hole = Blackhole()
    try:
        plain, _ = fastest(tmp_path, "plain")
        refused, refused_run = fastest(tmp_path, "refused", OTEL_EXPORTER_OTLP_ENDPOINT=refused_url(),
                                       OTEL_EXPORTER_OTLP_PROTOCOL=protocol)
        silent, silent_run = fastest(tmp_path, "silent", OTEL_EXPORTER_OTLP_ENDPOINT=hole.url,
                                     OTEL_EXPORTER_OTLP_PROTOCOL=protocol)
    finally:
        hole.close()
    print(f"{protocol}: plain {plain:.2f} s, refused {refused:.2f} s, never answers {silent:.2f} s")
    assert refused - plain < EXTRA_LIMIT and silent - plain < EXTRA_LIMIT
    for done in (refused_run, silent_run):  # one line says so, and nothing of the SDK's own logging (beside the
        # note that names where the export and its receiver's address came from)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert lines[0].startswith('namel3ss-debug: note: exporters has "otlp" (from env NAMEL3SS_DEBUG_EXPORTERS)')
        assert lines[1:] == [line for line in lines if "warning: live export to" in line] != []
    spans = len(span_names(tmp_path / "silent-0"))
    assert f"(no answer in 0.5 s): {spans} of {spans} spans not sent" in silent_run.stderr


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_a_short_app_sends_every_span_to_a_receiver_that_answers(tmp_path: Path, protocol: str) -> None:
    receiver = HttpReceiver() if protocol == "http/protobuf" else GrpcReceiver()
    try:
        _, done = run_app(tmp_path, "live", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
                          OTEL_EXPORTER_OTLP_PROTOCOL=protocol)
    finally:
        receiver.close()
    assert sorted(receiver.names) == span_names(tmp_path / "live") and len(receiver.names) > 40
    assert "warning" not in done.stderr


def test_a_receiver_that_answered_is_waited_for_past_the_first_answers_grace(tmp_path: Path) -> None:
    receiver = HttpReceiver(delay=1.2)  # the first batch at once, the last one 1.2 s after it is sent
    try:
        took, done = run_app(tmp_path, "live", pause=0.6, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url)
    finally:
        receiver.close()
    assert receiver.requests >= 2
    assert sorted(receiver.names) == span_names(tmp_path / "live") and len(receiver.names) > 40
    assert "warning" not in done.stderr and took >= 1.8
