"""Runs exported into a real backend, arize-phoenix, on 127.0.0.1 (HTTP and gRPC: tests/receivers/
phoenix_loopback.py), and read back from Phoenix's own REST API: every span of every run lands, whether
sent by `export --to otlp` one run after another (over OTLP/HTTP and gRPC) or live while an app runs, and
every LLM span carries its model and the name its user gave the call.

Phoenix keeps one span per span id: before the ids were derived from the run, the second and later runs
(whose spans all count from 1 too) kept 0 to 2 of their spans, and `export` still said "sent".

Phoenix runs from a virtual environment of its own (tests/support/venvs.py), built once and reused.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

import pytest
from support.venvs import venv_python

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
PHOENIX = ("arize-phoenix==20.26.0",)
STARTUP_TIMEOUT_S = 180
LANDING_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Phoenix:
    """A Phoenix server of the test's own; `spans()` reads back every span it stored."""

    def __init__(self, python: Path, directory: Path):
        self.http_port, self.grpc_port = free_port(), free_port()
        environ = {key: value for key, value in os.environ.items() if not key.startswith(("PHOENIX_", "OTEL_"))}
        environ.update(PHOENIX_WORKING_DIR=str(directory), PHOENIX_HOST="127.0.0.1",
                       PHOENIX_PORT=str(self.http_port), PHOENIX_GRPC_PORT=str(self.grpc_port),
                       PHOENIX_TELEMETRY_ENABLED="false")
        self.log = open(directory / "phoenix.log", "w")
        self.process = subprocess.Popen([str(python), str(Path(__file__).with_name("phoenix_loopback.py"))],
                                        env=environ, stdout=self.log, stderr=subprocess.STDOUT, cwd=directory)
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.grpc_url = f"http://127.0.0.1:{self.grpc_port}"

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"phoenix exited: see {self.log.name}"
            try:
                self.get("/v1/projects")
                with socket.create_connection(("127.0.0.1", self.grpc_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"phoenix did not start in {STARTUP_TIMEOUT_S} s: see {self.log.name}")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.load(answer)

    def spans(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.get("/v1/projects/default/spans?limit=1000" + (f"&cursor={cursor}" if cursor else ""))
            found += page["data"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phoenix]:
    server = Phoenix(venv_python("phoenix", PHOENIX), tmp_path_factory.mktemp("phoenix"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], capture_output=True, text=True,
                          env=environ, cwd=cwd, timeout=120)


def expected_spans(trace: Path, cwd: Path) -> dict[str, dict[str, Any]]:
    """What we send of a run, by span id (hex): the OTLP/JSON encoding of the same spans."""
    done = cli("export", str(trace), "--to", "otlp-json", "-", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return {span["spanId"]: span for line in done.stdout.splitlines()
            for resource in json.loads(line)["resourceSpans"] for scope in resource["scopeSpans"]
            for span in scope["spans"]}


def traced(example: str, directory: Path, env: dict[str, str] | None = None) -> Path:
    done = cli("trace", "-q", "-o", str(directory), str(EXAMPLES / example), cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    [trace] = directory.glob("*.jsonl")
    return trace


def attribute(span: dict[str, Any], key: str) -> Any:
    """A span's attribute as Phoenix gives it back: under its dotted key, or nested by the key's parts."""
    attributes = span["attributes"]
    if key in attributes:
        return attributes[key]
    found: Any = attributes
    for part in key.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


def sent_attribute(span: dict[str, Any], key: str) -> Any:
    """An attribute of a span as OTLP/JSON writes it (a list of key and `AnyValue`)."""
    for item in span["attributes"]:
        if item["key"] == key:
            return next(iter(item["value"].values()))
    return None


def landed(phoenix: Phoenix, expected: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Phoenix's spans by trace id and span id, once it holds as many as were sent (it stores them a
    moment after it answers), or when the wait is over."""
    deadline = time.monotonic() + LANDING_TIMEOUT_S
    while True:
        by_trace: dict[str, dict[str, Any]] = defaultdict(dict)
        for span in phoenix.spans():
            by_trace[span["context"]["trace_id"]][span["context"]["span_id"]] = span
        if sum(map(len, by_trace.values())) >= sum(map(len, expected.values())) or time.monotonic() > deadline:
            return by_trace
        time.sleep(0.5)


def test_every_span_of_every_run_lands_in_phoenix_with_a_model_on_every_llm_span(phoenix: Phoenix,
                                                                                    tmp_path: Path) -> None:
    sent: dict[str, dict[str, dict[str, Any]]] = {}  # trace id -> span id -> span, as sent
    examples = ("research_agent.py", "chain_app.py", "async_multi_agent.py", "research_agent.py")
    for number, example in enumerate(examples):
        trace = traced(example, tmp_path / f"run-{number}")
        grpc = number == 2
        target = ["--protocol", "grpc", "--endpoint", phoenix.grpc_url] if grpc else ["--endpoint", phoenix.url]
        done = cli("export", str(trace), "--to", "otlp", *target, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        spans = expected_spans(trace, tmp_path)
        assert f"sent {len(spans)} spans" in done.stderr
        sent[next(iter(spans.values()))["traceId"]] = spans
    live = traced("research_agent.py", tmp_path / "live",
                  env={"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": phoenix.url})
    spans = expected_spans(live, tmp_path)
    sent[next(iter(spans.values()))["traceId"]] = spans
    assert len(sent) == 5

    stored = landed(phoenix, sent)

    assert {trace_id: set(spans) for trace_id, spans in stored.items()} == {
        trace_id: set(spans) for trace_id, spans in sent.items()}
    for trace_id, spans in sent.items():
        for span_id, span in spans.items():
            kept = stored[trace_id][span_id]
            assert kept["name"] == span["name"]
            assert kept["parent_id"] == span.get("parentSpanId")
    kinds = {"llm": "LLM", "tool": "TOOL", "agent": "AGENT", "chain": "CHAIN", "app": "CHAIN"}
    checked = 0
    for spans in stored.values():  # Phoenix's kind of each span (UNKNOWN for all of ours before)
        for span in spans.values():
            component = attribute(span, "namel3ss.component")
            if component in kinds and not attribute(span, "namel3ss.instant"):
                assert span["span_kind"] == kinds[component], (span["name"], span["span_kind"])
                checked += 1
    assert checked == sum(1 for spans in sent.values() for span in spans.values()
                          if sent_attribute(span, "namel3ss.component") in kinds
                          and not sent_attribute(span, "namel3ss.instant")) > 50
    llm = [span for spans in stored.values() for span in spans.values() if span["span_kind"] == "LLM"]
    sent_llm = [span for spans in sent.values() for span in spans.values()
                if sent_attribute(span, "namel3ss.component") == "llm"]
    assert len(llm) == len(sent_llm) >= 2 * 3 + 2  # research_agent.py's 2 calls in 3 runs and live, and more
    assert all(attribute(span, "llm.model_name") for span in llm), [span["name"] for span in llm]
    assert {"planner", "writer"} <= {span["name"] for span in llm}
    for spans in stored.values():  # each run's latency is its work's: the start-up is an event before it
        [root] = [span for span in spans.values() if span["parent_id"] is None]
        [startup] = [event for event in root["events"] if event["name"] == "start-up"]
        assert root["start_time"] > startup["timestamp"]
