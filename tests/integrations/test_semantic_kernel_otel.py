"""Semantic Kernel (semantic-kernel 1.45.0, from a venv of its own) over its OpenTelemetry diagnostics, against
the stub (apps/semantic_kernel_otel_app.py): its chat spans, whose attributes come after they start, are LLM
calls with their requests as `http` children; its `execute_tool` span, which never carries the tool's result,
gets it from the next request, which does (`attrs.result_from: "next_request"`); the rerun is reproduced.
"""

from __future__ import annotations

import secrets

import pytest
from framework_support import App, Recording, Workbench
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

APP = App("semantic_kernel_otel_app", ("semantic_kernel",), 2)
SEMANTIC_KERNEL = ("semantic-kernel==1.45.0",)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    return Workbench(tmp_path_factory.mktemp("semantic_kernel"), f"sk-test-{secrets.token_hex(16)}",
                     venv=framework_venv("semantic_kernel", SEMANTIC_KERNEL))


@pytest.fixture(scope="module")
def recording(bench: Workbench) -> Recording:
    return bench.record(APP)


def test_the_tool_span_has_the_result_the_next_request_carried(recording: Recording) -> None:
    (start, end), = recording.spans("tool")
    assert (start["name"], start["inputs"]) == ("weather-get_weather", {"city": "Paris"})
    assert end["outputs"] == {"return": "light rain, 14 C"}
    assert end["attrs"]["result_from"] == "next_request"
    second_request = recording.requests[1]["messages"]
    assert {"role": "tool", "tool_call_id": start["attrs"]["tool_call_id"], "content": "light rain, 14 C"} \
        in second_request
    assert end["seq"] < [s for s, _ in recording.spans("llm")][1]["seq"], "written before the next call starts"


def test_chat_spans_are_llm_calls_each_counted_once(recording: Recording) -> None:
    llm = recording.spans("llm")
    assert [start["name"] for start, _ in llm] == ["chat gpt-4o-mini"] * 2
    http = recording.spans("http")
    assert [start["parent_id"] for start, _ in http] == [start["span_id"] for start, _ in llm]
    assert [end["usage"]["total_tokens"] for _, end in llm] == \
        [a["input_tokens"] + a["output_tokens"] for a in recording.answers]


def test_the_rerun_is_reproduced(bench: Workbench, recording: Recording) -> None:
    report = bench.rerun(recording, "--format", "json").report()
    assert report["reproduced"], report["not_reproduced"]


def test_the_rerun_against_another_endpoint_is_reproduced(bench: Workbench, recording: Recording) -> None:
    # the app now sends its calls elsewhere (another port, another host): its chat spans' `server.address` and
    # `server.port` say so, which is where a call went, not what the app did
    elsewhere = "http://localhost:9"
    assert elsewhere.split("//")[1] not in recording.url
    out = bench.directory / "rerun-elsewhere"
    run = bench.cli(elsewhere, "replay", str(recording.trace), "--rerun", "-o", str(out), "--format", "json")
    report = run.report()
    assert report["reproduced"], (report["not_reproduced"], report.get("misses"), report.get("comparison"))
