"""Frameworks seen through their OpenTelemetry spans, each from a venv of its own against the stub: Google ADK
(apps/adk_otel_app.py, hooked as well), Strands (apps/strands_otel_app.py) and a Semantic Kernel agent
(apps/semantic_kernel_agent_otel_app.py). Each gives agent > LLM > tool, every span inside its parent's interval,
one agent span per agent run (ADK's hook and ADK's `invoke_agent` span are one), and LLM spans whose inputs hold
the messages their request (their `http` child) sent. A rerun that asks one question more than was recorded stops
at a miss, counted as one, never as a call run live. With Semantic Kernel's chat spans off, its OpenTelemetry tool
span goes under the wire's agent of the LLM call that asked for it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from framework_support import App, Recording, Workbench
from support.nesting import assert_nested
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

Event = dict[str, Any]
MORE = {"MORE_QUESTION": "And in Oslo?"}
SK_DIAGNOSTICS = "SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS"


@dataclass(frozen=True)
class Framework:
    venv: str
    pins: tuple[str, ...]
    app: App
    agents: int  # agent runs
    messages: str  # the request's key holding the messages


FRAMEWORKS = {
    "adk": Framework("adk", ("google-adk==2.13.0", "google-genai==2.34.0"), App("adk_otel_app", (), 6), 2, "contents"),
    "strands": Framework("strands", ("strands-agents[openai]==1.62.0",), App("strands_otel_app", (), 3), 1, "messages"),
    "semantic_kernel": Framework("semantic_kernel", ("semantic-kernel==1.45.0",),
                                 App("semantic_kernel_agent_otel_app", (), 2), 1, "messages"),
}


@dataclass(frozen=True)
class Recorded:
    framework: Framework
    bench: Workbench
    recording: Recording


@pytest.fixture(scope="module", params=sorted(FRAMEWORKS))
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    framework = FRAMEWORKS[request.param]
    bench = Workbench(tmp_path_factory.mktemp(request.param), f"sk-test-{secrets.token_hex(16)}",
                      venv=framework_venv(framework.venv, framework.pins))
    return Recorded(framework, bench, bench.record(framework.app))


def spans(recording: Recording) -> dict[str, tuple[Event, Event]]:
    """Every span of the run by its id: (start, end)."""
    ends = {e["span_id"]: e for e in recording.events if e["status"] != "started"}
    return {e["span_id"]: (e, ends[e["span_id"]]) for e in recording.events if e["status"] == "started"}


def agent_of(by_id: dict[str, tuple[Event, Event]], span_id: str) -> str | None:
    """The nearest agent span above `span_id`."""
    parent = by_id[span_id][0]["parent_id"]
    while parent is not None:
        if by_id[parent][0]["component"] == "agent":
            return str(parent)
        parent = by_id[parent][0]["parent_id"]
    return None


def inputs_of(start: Event, end: Event) -> Any:
    return end.get("inputs") or start.get("inputs")


def test_every_span_ends_inside_its_parents_interval(recorded: Recorded) -> None:
    assert_nested(recorded.recording.events)


def test_llm_calls_and_tools_are_under_one_agent_span_per_agent_run(recorded: Recorded) -> None:
    by_id = spans(recorded.recording)
    agents = [span_id for span_id, (start, _) in by_id.items() if start["component"] == "agent"]
    assert len(agents) == recorded.framework.agents, [by_id[a][0]["name"] for a in agents]
    assert all(agent_of(by_id, agent) is None for agent in agents), "no agent inside another"
    llm = [span_id for span_id, (start, _) in by_id.items() if start["component"] == "llm"]
    assert len(llm) == recorded.framework.app.requests and all(agent_of(by_id, call) in agents for call in llm)
    tools = [start for start, _ in by_id.values() if start["component"] == "tool"]
    assert tools and all(agent_of(by_id, start["span_id"]) == agent_of(by_id, start["attrs"]["llm_span_id"])
                         for start in tools), "each tool under the agent of the LLM call that asked for it"


def test_each_llm_spans_inputs_hold_the_messages_its_request_sent(recorded: Recorded) -> None:
    recording, key = recorded.recording, recorded.framework.messages
    calls = recording.spans("llm")
    assert len(calls) == len(recording.requests)
    for (start, end), sent in zip(calls, recording.requests):
        inputs = inputs_of(start, end)
        assert inputs is not None and inputs[key] == sent[key], start["name"]


def test_a_miss_under_an_llm_span_is_counted_a_miss_not_a_call_run_live_and_every_span_ends(
        recorded: Recorded) -> None:
    """The app asks one question more than was recorded: its request, under an OpenTelemetry LLM span, misses."""
    bench, recording = recorded.bench, recorded.recording
    out = bench.directory / "rerun-one-more"
    run = Workbench(bench.directory, bench.key, bench.venv, env=MORE).cli(
        recording.url, "replay", str(recording.trace), "--rerun", "-o", str(out), "--match", "inputs", "--format",
        "json")
    report = run.report()
    assert report["counts"]["live"] == 0 and report["counts"]["missed"] == 1, report["counts"]
    assert not report["reproduced"]
    [trace] = out.glob("*.jsonl")
    assert_nested([orjson.loads(line) for line in trace.read_bytes().splitlines()])


# -- Semantic Kernel without its chat spans: the agent is the wire's ------------------------------------
def test_an_otel_tool_span_goes_under_the_wire_agent_of_the_call_that_asked(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    framework = FRAMEWORKS["semantic_kernel"]
    bench = Workbench(tmp_path_factory.mktemp("semantic_kernel_wire"), f"sk-test-{secrets.token_hex(16)}",
                      venv=framework_venv(framework.venv, framework.pins), env={SK_DIAGNOSTICS: "false"})
    recording = bench.record(framework.app)
    [(agent, _)] = recording.spans("agent")
    [(tool, _)] = recording.spans("tool")
    assert (agent["attrs"]["source"], tool["attrs"]["source"]) == ("wire", "opentelemetry")
    assert tool["parent_id"] == agent["span_id"]
    assert_nested(recording.events)
