"""OpenTelemetry spans whose attributes are set after they start are classified by those attributes: their
start is written once they say what the span is (something recorded under it, or its end), keeping its
time, so the tree is the producer's, agent > llm > tool. Their reruns compare what the app did, not the
per-run ids and clock readings their attributes carry.

- apps/otel_late_attributes_app.py: the OpenTelemetry SDK used directly, span names that say nothing, GenAI
  attributes set after each span started (a tool's when it is over).
- apps/strands_otel_app.py: Strands Agents (strands-agents 1.62.0, from a venv of its own) with its
  OpenTelemetry tracing on and the OpenAI chat model, against the stub; its spans carry start and end times and
  per-cycle UUIDs. Before, every span of both was `custom` (no agent, no LLM call, no tool) and Strands' rerun
  was "not reproduced" on `gen_ai.event.start_time`.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from framework_support import App, Recording, Workbench, skip_unless_installed
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

LATE_APP = App("otel_late_attributes_app", ("opentelemetry.sdk.trace", "openai"), 2)
STRANDS_APP = App("strands_otel_app", ("strands",), 3)
STRANDS = ("strands-agents[openai]==1.62.0",)
Event = dict[str, Any]


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workbench, Recording]:
    skip_unless_installed(LATE_APP.stem, *LATE_APP.modules)
    bench = Workbench(tmp_path_factory.mktemp("otel_late"), f"sk-test-{secrets.token_hex(16)}")
    return bench, bench.record(LATE_APP)


@pytest.fixture(scope="module")
def strands(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workbench, Recording]:
    bench = Workbench(tmp_path_factory.mktemp("strands_otel"), f"sk-test-{secrets.token_hex(16)}",
                      venv=framework_venv("strands", STRANDS))
    return bench, bench.record(STRANDS_APP)


def starts(recording: Recording) -> list[Event]:
    """The start of every span of the app's (the run's own and its start-up left out)."""
    return [e for e in recording.events if e["status"] == "started" and e["component"] != "app"
            and e["event_type"] != "run_start"]


def tree(recording: Recording) -> list[tuple[int, str, str]]:
    """(depth, component, name) of each span, in the order the spans began (their start's time)."""
    by_id = {e["span_id"]: e for e in starts(recording)}

    def depth(event: Event) -> int:
        parent = by_id.get(event["parent_id"])
        return 0 if parent is None else 1 + depth(parent)

    ordered = sorted(starts(recording), key=lambda e: e["ts"])
    return [(depth(e), e["component"], e["name"]) for e in ordered]


def test_late_attributes_make_an_agent_holding_its_llm_calls_and_tool(late: tuple[Workbench, Recording]) -> None:
    _, recording = late
    assert tree(recording) == [(0, "agent", "forecaster"), (1, "llm", "model step"), (2, "http", "openai.chat"),
                               (1, "tool", "get_weather"), (1, "llm", "model step"), (2, "http", "openai.chat")]


def test_a_late_tool_has_its_arguments_result_call_id_and_asking_llm_call(late: tuple[Workbench, Recording]) -> None:
    _, recording = late
    (start, end), = recording.spans("tool")
    llm_calls = [s for s, _ in recording.spans("llm")]
    assert start["inputs"] == {"city": "Paris"} and end["outputs"] == {"return": "light rain, 14 C"}
    assert start["attrs"]["tool_call_id"].startswith("call_stub")
    assert start["attrs"]["llm_span_id"] == llm_calls[0]["span_id"]
    assert [e["usage"]["total_tokens"] for _, e in recording.spans("llm")] == \
        [a["input_tokens"] + a["output_tokens"] for a in recording.answers]  # each call counted once


def test_a_late_producers_rerun_is_reproduced_despite_its_per_run_ids(late: tuple[Workbench, Recording]) -> None:
    bench, recording = late
    run = bench.rerun(recording, "--format", "json")
    assert run.report()["reproduced"], run.report()["not_reproduced"]


def test_strands_spans_are_its_agent_llm_calls_and_tools(strands: tuple[Workbench, Recording]) -> None:
    _, recording = strands
    spans = tree(recording)
    assert spans[0] == (0, "agent", "forecaster")
    assert [name for _, component, name in spans if component == "tool"] == ["get_weather", "get_time"]
    assert [component for _, component, _ in spans].count("llm") == 3
    agent_id = starts(recording)[0]["span_id"]
    inside = {e["span_id"] for e in starts(recording)}
    assert all(e["parent_id"] in inside or e["span_id"] == agent_id for e in starts(recording))
    assert not [s for s in starts(recording) if s["attrs"].get("source") == "wire"], "no tool seen twice"
    for start, _ in recording.spans("tool"):
        assert start["attrs"]["llm_span_id"] in {s["span_id"] for s, _ in recording.spans("llm")}


def test_a_strands_rerun_is_reproduced_despite_its_times_and_ids(strands: tuple[Workbench, Recording]) -> None:
    bench, recording = strands
    run = bench.rerun(recording, "--format", "json")
    report = run.report()
    assert report["reproduced"], report["not_reproduced"]
    assert report["counts"]["reran"] == 2  # the tools, seen only through OpenTelemetry, ran again
