"""OTLP export into a real receiver: an OTLP/HTTP server on 127.0.0.1 (http.server, decoding each request as
`ExportTraceServiceRequest` with opentelemetry-proto) hears every span of a run, from `export --to otlp`
and live while an example runs; a receiver that is down changes nothing for the app but one warning."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")

from support.otlpreceivers import GrpcReceiver, HttpReceiver
from support.tracehelpers import pair_spans, read_events

from namel3ss_debug.otel.spans import span_id_of

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "research_agent.py"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    yield server
    server.close()


def exported_tree(pairs: dict[str, Any]) -> dict[str, str | None]:
    """Each recorded span's exported id (hex) -> its parent's: ids derived from the run's id and ours. The
    run's start-up goes out as an event of the run's span, not as a span."""
    def hexed(start: dict[str, Any], span_id: str | None) -> str | None:
        return f"{span_id_of(start['run_id'], span_id):016x}" if span_id is not None else None

    return {hexed(start, span_id): hexed(start, start["parent_id"]) for span_id, (start, _end) in pairs.items()
            if start["name"] != "start-up"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], capture_output=True, text=True,
                          env=environ, cwd=cwd or ROOT, timeout=60)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("traces")
    done = cli("trace", "-o", str(directory), str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    return directory


def test_export_sends_every_span_with_its_parent(recorded: Path, receiver: HttpReceiver) -> None:
    done = cli("export", str(recorded), "--to", "otlp", "--endpoint", receiver.url, "--header", "X-Team=agents")
    assert done.returncode == 0, done.stderr
    events = read_events(recorded)
    pairs = pair_spans(events)
    assert {span["span_id"]: span["parent"] for span in receiver.spans} == exported_tree(pairs)
    assert {span["trace_id"] for span in receiver.spans} == {receiver.spans[0]["trace_id"]}
    assert f"sent {len(pairs) - 1} spans to {receiver.url}/v1/traces" in done.stderr
    assert receiver.spans[0]["headers"].get("x-team") == "agents"


def test_llm_and_tool_spans_carry_the_genai_attributes(recorded: Path, receiver: HttpReceiver) -> None:
    assert cli("export", str(recorded), "--to", "otlp", "--endpoint", receiver.url).returncode == 0
    llm = [span for span in receiver.spans if span["attributes"].get("namel3ss.component") == "llm"]
    planner = next(span for span in llm if span["attributes"]["namel3ss.name"] == "planner")
    assert planner["attributes"]["gen_ai.operation.name"] == "chat"
    assert planner["attributes"]["gen_ai.response.model"] == "fake-gpt"
    usage = (planner["attributes"]["gen_ai.usage.input_tokens"], planner["attributes"]["gen_ai.usage.output_tokens"])
    assert usage == (24, 11)
    assert "gen_ai.provider.name" in planner["attributes"]
    failed = next(span for span in receiver.spans if span["name"] == "execute_tool search" and span["status"] == 2)
    assert failed["attributes"]["gen_ai.tool.name"] == "search"
    assert failed["events"] == ["exception"]
    run = next(span for span in receiver.spans if span["parent"] is None)
    assert run["resource"]["service.name"] == "research_agent.py"
    assert run["resource"]["namel3ss.run_id"] == read_events(recorded)[0]["run_id"]
    assert "host.name" in run["resource"]


def test_exporting_twice_gives_the_same_ids(recorded: Path, receiver: HttpReceiver) -> None:
    for _ in range(2):
        assert cli("export", str(recorded), "--to", "otlp", "--endpoint", receiver.url).returncode == 0
    half = len(receiver.spans) // 2
    first, second = receiver.spans[:half], receiver.spans[half:]
    assert [(s["trace_id"], s["span_id"]) for s in first] == [(s["trace_id"], s["span_id"]) for s in second]


def test_an_unreachable_endpoint_is_one_line_and_exit_1(recorded: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = cli("export", str(recorded), "--to", "otlp", "--endpoint", url, "--timeout", "1")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert f"{url}/v1/traces" in done.stderr and "error" in done.stderr


def test_live_export_sends_every_span_while_the_example_runs(tmp_path: Path, receiver: HttpReceiver) -> None:
    plain = cli("trace", "-o", str(tmp_path / "plain"), str(EXAMPLE))
    done = cli("trace", "-o", str(tmp_path / "live"), str(EXAMPLE),
               env={"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
    assert done.returncode == plain.returncode == 0, done.stderr
    assert done.stdout == plain.stdout
    events = read_events(tmp_path / "live")
    pairs = pair_spans(events)
    assert {span["span_id"]: span["parent"] for span in receiver.spans} == exported_tree(pairs)
    assert "warning" not in done.stderr


def test_live_export_to_a_receiver_that_is_down_costs_one_warning(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    plain = cli("trace", "-o", str(tmp_path / "plain"), str(EXAMPLE))
    done = cli("trace", "-o", str(tmp_path / "live"), str(EXAMPLE),
               env={"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": url,
                    "OTEL_EXPORTER_OTLP_TIMEOUT": "1000"})
    assert (done.returncode, done.stdout) == (plain.returncode, plain.stdout)
    warnings = [line for line in done.stderr.splitlines() if "live export" in line]
    assert len(warnings) == 1 and url in warnings[0]
    assert "Traceback" not in done.stderr and "Transient error" not in done.stderr
    live, recorded = read_events(tmp_path / "live"), read_events(tmp_path / "plain")
    assert [(e["seq"], e["event_type"], e["span_id"]) for e in live] == [
        (e["seq"], e["event_type"], e["span_id"]) for e in recorded]
    assert live[-1]["event_type"] == "run_end"


@pytest.fixture
def grpc_receiver() -> Iterator[GrpcReceiver]:
    pytest.importorskip("grpc")
    server = GrpcReceiver()
    yield server
    server.close()


def test_export_over_grpc_sends_every_span_with_its_parent(recorded: Path, grpc_receiver: GrpcReceiver) -> None:
    done = cli("export", str(recorded), "--to", "otlp", "--protocol", "grpc", "--endpoint", grpc_receiver.url,
               "--header", "X-Team=agents")
    assert done.returncode == 0, done.stderr
    pairs = pair_spans(read_events(recorded))
    assert {span["span_id"]: span["parent"] for span in grpc_receiver.spans} == exported_tree(pairs)
    assert grpc_receiver.spans[0]["headers"].get("x-team") == "agents"


def test_live_export_over_grpc_sends_every_span(tmp_path: Path, grpc_receiver: GrpcReceiver) -> None:
    done = cli("trace", "-o", str(tmp_path / "live"), str(EXAMPLE),
               env={"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": grpc_receiver.url,
                    "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    assert done.returncode == 0, done.stderr
    pairs = pair_spans(read_events(tmp_path / "live"))
    assert {span["span_id"] for span in grpc_receiver.spans} == set(exported_tree(pairs))
    assert "warning" not in done.stderr


BLOCK_OTEL = '''
import importlib.abc, sys

class _NoOtel(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoOtel())
'''


def test_live_export_without_the_otel_extra_traces_as_usual_and_says_how_to_install(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BLOCK_OTEL, encoding="utf-8")
    plain = cli("trace", "-o", str(tmp_path / "plain"), str(EXAMPLE))
    done = cli("trace", "-o", str(tmp_path / "live"), str(EXAMPLE),
               env={"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "PYTHONPATH": str(tmp_path / "site")})
    assert (done.returncode, done.stdout) == (plain.returncode, plain.stdout)
    warnings = [line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug:")]
    assert warnings == ["namel3ss-debug: warning: live export is off: live export (exporters: otlp) needs the "
                        "OpenTelemetry packages (opentelemetry is not installed) (install them with: pip install "
                        "'namel3ss-debug[otel]'); the trace file is written as usual"], done.stderr
    live, recorded = read_events(tmp_path / "live"), read_events(tmp_path / "plain")
    assert [(e["seq"], e["event_type"]) for e in live] == [(e["seq"], e["event_type"]) for e in recorded]
