"""Haystack, which no hook of ours knows, seen only on the wire: its `Agent` with two tools against the stub
server (apps/haystack_agent_app.py, from a venv of its own) is one `agent` span named by its tools,
holding its three LLM calls and the two tools it ran; a rerun (the stub stopped) answers the calls from the
recording, runs the tools again, makes the same agent and says reproduced."""

from __future__ import annotations

import secrets

import pytest
from framework_support import App, Workbench
from support.tracehelpers import schema_errors
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

HAYSTACK = ("haystack-ai==3.4.1",)
APP = App("haystack_agent_app", ("haystack",), 3)


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Workbench:
    return Workbench(tmp_path_factory.mktemp("haystack"), f"sk-test-{secrets.token_hex(16)}",
                     framework_venv("haystack", HAYSTACK))


@pytest.fixture(scope="module")
def recording(bench):
    return bench.record(APP)


def test_its_conversation_is_one_agent_with_its_llm_calls_and_tools_under_it(recording) -> None:
    [(agent, agent_end)] = recording.spans("agent")
    assert (agent["name"], agent["attrs"]["source"], agent["attrs"]["tools"]) == (
        "agent(get_time, get_weather)", "wire", ["get_time", "get_weather"])
    under = [start for component in ("llm", "tool") for start, _ in recording.spans(component)]
    assert len(under) == 5 and {start["parent_id"] for start in under} == {agent["span_id"]}
    assert [start["name"] for start, _ in recording.spans("tool")] == ["get_weather", "get_time"]
    assert agent_end["status"] == "completed"
    assert agent_end["outputs"]["output"] == recording.run.stdout.strip()  # what the agent answered
    assert agent_end["seq"] > max(end["seq"] for _, end in recording.spans("llm"))


def test_the_trace_is_valid(recording) -> None:
    assert schema_errors(recording.events) == []


def test_a_rerun_makes_the_same_agent_and_is_reproduced(bench, recording) -> None:
    rerun = bench.rerun(recording)
    assert rerun.verdict() == "reproduced: the rerun matches the recording", rerun.stdout + rerun.stderr
