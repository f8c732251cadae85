"""OTLP/JSON as the Collector's file exporter writes it: each example's run, exported, parses as
`ExportTraceServiceRequest` with protobuf's own json_format (once the hex ids are turned back into the
base64 of protobuf's JSON mapping), one span per start/end pair, with the right parents."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.tracehelpers import pair_spans, read_events

from namel3ss_debug.interop.otlp.json_lines import any_value, write_otlp_json
from namel3ss_debug.otel.spans import RunResource, SpanRecord, span_id_of

json_format = pytest.importorskip("google.protobuf.json_format")
trace_service = pytest.importorskip("opentelemetry.proto.collector.trace.v1.trace_service_pb2")

ROOT = Path(__file__).parents[3]
EXAMPLES = ["research_agent.py", "chain_app.py", "async_multi_agent.py", "openai_app.py"]


def protobuf_json(line: str) -> str:
    """OTLP/JSON -> protobuf's JSON mapping: hex trace and span ids as base64 (the spec's one difference)."""
    document = json.loads(line)
    for resource in document["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    return json.dumps(document)


def parsed(path: Path) -> list:
    return [json_format.Parse(protobuf_json(line), trace_service.ExportTraceServiceRequest())
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module", params=EXAMPLES)
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if request.param == "openai_app.py":
        pytest.importorskip("openai")
    directory = tmp_path_factory.mktemp("run")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    command = [sys.executable, "-m", "namel3ss_debug"]
    done = subprocess.run([*command, "trace", "-o", str(directory), str(ROOT / "examples" / request.param)],
                          capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    out = directory.parent / f"{directory.name}.otlp.json"
    done = subprocess.run([*command, "export", str(directory), "--to", "otlp-json", str(out)],
                          capture_output=True, text=True, env=environ, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return directory, out


def test_each_example_parses_as_otlp_json_with_a_span_per_pair(exported: tuple[Path, Path]) -> None:
    directory, out = exported
    requests = parsed(out)
    spans = [span for request in requests for rs in request.resource_spans
             for ss in rs.scope_spans for span in ss.spans]
    pairs = pair_spans(read_events(directory))
    [startup] = [span_id for span_id, (start, _end) in pairs.items() if start["name"] == "start-up"]
    del pairs[startup]  # an event of the run's span (test_otel_spans.py)
    run_id = next(iter(pairs.values()))[0]["run_id"]

    def exported_id(span_id: str | None) -> str | None:
        return f"{span_id_of(run_id, span_id):016x}" if span_id is not None else None

    assert {span.span_id.hex(): (span.parent_span_id.hex() or None) for span in spans} == {
        exported_id(span_id): exported_id(start["parent_id"]) for span_id, (start, _end) in pairs.items()}
    assert len({span.trace_id for span in spans}) == 1
    assert requests[0].resource_spans[0].scope_spans[0].scope.name == "namel3ss-debug"


def test_the_ids_are_hex_as_the_collector_writes_them(exported: tuple[Path, Path]) -> None:
    _, out = exported
    span = json.loads(out.read_text(encoding="utf-8").splitlines()[0])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16)
    assert len(span["spanId"]) == 16 and int(span["spanId"], 16)


def test_a_long_run_is_written_in_batches_of_one_request_a_line() -> None:
    spans = [SpanRecord(1, n + 1, None, "s", "INTERNAL", 0, 1, "OK", None, {}) for n in range(5)]
    out = io.StringIO()
    assert write_otlp_json(spans, RunResource({"service.name": "x"}), out, batch=2) == 5
    lines = out.getvalue().splitlines()
    assert [len(json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"]) for line in lines] == [2, 2, 1]


def test_values_follow_protobufs_json_mapping() -> None:
    assert any_value(3) == {"intValue": "3"}
    assert any_value(True) == {"boolValue": True}
    assert any_value(float("nan")) == {"doubleValue": "NaN"}
    assert any_value(["a"]) == {"arrayValue": {"values": [{"stringValue": "a"}]}}
