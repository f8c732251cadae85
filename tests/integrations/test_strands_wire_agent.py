"""Strands on the OpenAI Responses API, which no hook of ours knows and which stops reading each stream at
`response.completed` (apps/strands_responses_app.py, from a venv of its own, against the stub server): each
LLM span ends with its answer, before the next request goes out, so both tool calls are paired with the
results the next requests carry; the conversation is one `agent` span holding the calls and the tools."""

from __future__ import annotations

import secrets

import pytest
from framework_support import App, Workbench
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

STRANDS = ("strands-agents[openai]==1.62.0",)
APP = App("strands_responses_app", ("strands",), 3)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    bench = Workbench(tmp_path_factory.mktemp("strands"), f"sk-test-{secrets.token_hex(16)}",
                      framework_venv("strands", STRANDS))
    return bench.record(APP)


def test_each_llm_span_ends_before_the_next_request_and_both_tools_are_paired(recording) -> None:
    llm = recording.spans("llm")
    assert [start["name"] for start, _ in llm] == ["openai.responses"] * 3
    assert all(end["seq"] < next_start["seq"] for (_, end), (next_start, _) in zip(llm, llm[1:]))
    tools = recording.spans("tool")
    assert [(start["name"], end["outputs"]["return"]) for start, end in tools] == [
        ("get_weather", "light rain, 14 C"), ("get_time", "10:00")]
    assert [start["attrs"]["llm_span_id"] for start, _ in tools] == [start["span_id"] for start, _ in llm[:2]]


def test_its_conversation_is_one_agent_holding_its_calls_and_tools(recording) -> None:
    [(agent, end)] = recording.spans("agent")
    assert (agent["name"], agent["attrs"]["source"], end["status"]) == (
        "agent(get_time, get_weather)", "wire", "completed")
    under = [start for component in ("llm", "tool") for start, _ in recording.spans(component)]
    assert len(under) == 5 and {start["parent_id"] for start in under} == {agent["span_id"]}
