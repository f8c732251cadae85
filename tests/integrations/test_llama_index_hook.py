"""LlamaIndex's agents, workflows and tools, traced with no change to the app
(`integrations/llama_index/hook.py`): each `FunctionAgent` or `AgentWorkflow` run is an `agent` span over
the LLM calls the HTTP transport records, a plain workflow's run a `chain` span over its steps, each
`FunctionTool` call a `tool` span linked to the LLM call that asked for it, and `replay --rerun` answers
the tools from the recording without running their bodies.

apps/llama_index_app.py (a `FunctionAgent` `forecaster` with `get_weather` and `get_time`, two questions,
the agent in an `AgentWorkflow` a third, then a workflow whose step calls `get_weather` itself) is
recorded once against the stub server, then rerun with the server stopped, with a tool mocked, and with
`--live-tools`. Its tools add a line to `tool_bodies.log` each time a body runs. llama-index-llms-openai
wants openai < 3 (the dev extra has 3) and llama-index-core brings nltk, numpy and SQLAlchemy: the app
runs from a venv of its own (`venvs.framework_venv`).
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
from framework_support import App, Reruns, Run, assert_handled_keyerror, listening_at, new_bench, record_and_rerun
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

PINS = ("llama-index-core==0.14.25", "llama-index-llms-openai==0.8.3")
APP = App("llama_index_app", (), 9, tools=7)
AGENT_TOOLS = ["get_weather", "get_time"] * 3
CITIES = ["Paris", "Paris", "Oslo", "Oslo", "Rome", "Rome"]
RETURNS = ["light rain, 14 C", "14:05", "snow, -3 C", "14:05", "clear, 18 C", "09:05"]
AGENT_ATTRS = {"framework": "llama_index", "workflow": "FunctionAgent", "model": "gpt-4o-mini"}
Span = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "llama_index", PINS), APP)


@pytest.fixture(scope="module")
def mocked(runs: Reruns) -> Run:
    """A rerun with the first `get_time` mocked, a stub listening at the recorded address for what the mock
    changed (`--on-miss live`)."""
    server = listening_at(runs.recording, runs.bench.key)
    try:
        return runs.bench.rerun(runs.recording, "--mock", 'tool:get_time#1="23:59"', "--on-miss", "live")
    finally:
        server.stop()


def agent_tools(runs: Reruns) -> list[Span]:
    """The tool spans under an agent span."""
    agents = {start["span_id"] for start, _ in runs.spans("agent")}
    return [(start, end) for start, end in runs.spans("tool") if start["parent_id"] in agents]


# -- trace ------------------------------------------------------------------------------------------
def test_each_agent_run_is_an_agent_span_named_after_the_agent_over_its_llm_calls(runs: Reruns) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["inputs"]) for start, _ in agents] == [
        ("forecaster", {"user_msg": "What is the weather in Paris?"}),
        ("forecaster", {"user_msg": "Is it cold in Oslo?"}),
        ("AgentWorkflow", {"user_msg": "Is it sunny in Rome?"})]
    assert [start["attrs"] for start, _ in agents] == [AGENT_ATTRS, AGENT_ATTRS, {
        "framework": "llama_index", "workflow": "AgentWorkflow", "agents": ["forecaster"], "root_agent": "forecaster"}]
    assert [end["outputs"]["return"] for _, end in agents] == runs.recording.printed_answers()
    runs.recording.assert_agents_hold_llm_calls(3)


def test_each_tool_call_is_one_tool_span_with_its_arguments_and_result_under_its_agent(runs: Reruns) -> None:
    tools = agent_tools(runs)
    agent_ids = [start["span_id"] for start, _ in runs.spans("agent")]
    asked = [answer["tool_call"]["name"] for answer in runs.recording.answers if answer["tool_call"] is not None]
    assert [start["name"] for start, _ in tools] == asked == AGENT_TOOLS, "one span per tool call the model asked"
    assert [start["inputs"] for start, _ in tools] == [{"city": city} for city in CITIES]
    assert [start["parent_id"] for start, _ in tools] == [agent for agent in agent_ids for _ in range(2)]
    assert [end["outputs"]["return"]["raw_output"] for _, end in tools] == RETURNS
    assert [end["outputs"]["return"]["blocks"] for _, end in tools] == \
        [[{"block_type": "text", "text": text}] for text in RETURNS]
    assert runs.bodies_recorded == [f"{name} {city}" for name, city in zip(AGENT_TOOLS, CITIES)] + ["get_weather Rome"]
    assert len(runs.spans("tool")) == APP.tools


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_for_it_by_the_tool_call_id(runs: Reruns) -> None:
    llm_ends = {end["span_id"]: end for _, end in runs.spans("llm")}
    asked = [(start["attrs"]["tool_call_id"], start["attrs"]["llm_span_id"]) for start, _ in agent_tools(runs)]
    for (call_id, llm_span), name in zip(asked, AGENT_TOOLS):
        assert [(c["id"], c["name"]) for c in llm_ends[llm_span]["outputs"]["tool_calls"]] == [(call_id, name)]
    sent = [answer["tool_call"] for answer in runs.recording.answers if answer["tool_call"] is not None]
    assert [call_id for call_id, _ in asked] == [f"call_{call['id']}" for call in sent], "the ids the stub sent"
    assert all(start["attrs"]["framework"] == "llama_index" for start, _ in agent_tools(runs))


def test_a_plain_workflow_is_a_chain_span_over_its_steps_and_the_tool_a_step_calls(runs: Reruns) -> None:
    (flow, flow_end), = runs.spans("chain")[:1]
    steps = [(start, end) for start, end in runs.spans("chain") if start["parent_id"] == flow["span_id"]]
    assert (flow["event_type"], flow["name"], flow["inputs"], flow_end["outputs"]) == \
        ("chain_execution_start", "Lookup", {"city": "Rome"}, {"return": "clear, 18 C"})
    assert [(start["event_type"], start["name"], start["attrs"]["event"]) for start, _ in steps] == \
        [("chain_step_start", "look_up", "StartEvent")]
    (tool, tool_end), = [(s, e) for s, e in runs.spans("tool") if s["parent_id"] == steps[0][0]["span_id"]]
    assert (tool["name"], tool["inputs"], tool_end["outputs"]["return"]["raw_output"]) == \
        ("get_weather", {"city": "Rome"}, "clear, 18 C")
    assert "tool_call_id" not in tool["attrs"], "no LLM call asked for it"


def test_analyze_counts_the_tool_calls(runs: Reruns) -> None:
    assert runs.tool_counts() == {"get_weather": (4, 0), "get_time": (3, 0)}


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_tool_body_and_prints_the_same(runs: Reruns) -> None:
    runs.assert_offline_reproduced(APP.answered)


def test_a_rerun_shows_the_apps_span_handlers_the_tool_calls_it_answers(runs: Reruns) -> None:
    assert runs.recording.run.app_lines()[-1] == f"dispatcher tool spans: {APP.tools}"
    assert runs.offline.app_lines()[-1] == f"dispatcher tool spans: {APP.tools}"


def test_a_mocked_tool_gives_the_agent_the_mocked_value_and_the_request_carrying_it_misses(runs: Reruns,
                                                                                         mocked: Run) -> None:
    """The mock parts the rerun: the request that carries the mocked time to the model runs live (a stub
    answers it), never getting the recorded answer to the request that carried 14:05."""
    before, after = runs.recording.run.app_lines(), mocked.app_lines()
    assert before[0] == "tools: get_weather=light rain, 14 C, get_time=14:05"
    assert after[0] == "tools: get_weather=light rain, 14 C, get_time=23:59"
    assert "parted        at tool:get_time#1 (mocked)" in mocked.stdout
    assert mocked.verdict() == "not reproduced: 1 call(s) ran live instead of being answered from the recording"
    assert "agent:forecaster#1 > tool:get_time#1 end: outputs.return" in mocked.stdout


def test_a_miss_in_a_workflow_step_under_on_miss_error_ends_the_rerun_with_the_miss(runs: Reruns) -> None:
    """The miss is raised in a workflow step, a task LlamaIndex runs and does not await: the stop must still end
    the app (it once waited for ever on the dead step), with the miss named and no live call."""
    stopped = runs.bench.rerun(runs.recording, "--mock", 'tool:get_time#1="23:59"', "--on-miss", "error")
    assert stopped.returncode == 1, stopped.stderr
    assert stopped.verdict() == "not reproduced: 1 call(s) had no recorded answer"
    assert ("miss          llm:openai.chat#3 at agent:forecaster#1 > llm:openai.chat#3: the recording has no "
            "request that asks the same") in stopped.stdout
    assert "parted        at tool:get_time#1 (mocked)" in stopped.stdout
    assert not any(line.startswith("answer: ") for line in stopped.app_lines()), "the app stopped at the miss"


def test_live_tools_runs_the_tool_bodies_and_answers_the_llm_calls(runs: Reruns) -> None:
    runs.assert_live_reproduced(APP.requests, APP.tools)


def test_a_call_id_no_llm_call_asked_for_is_not_given_as_the_models() -> None:
    # ReActAgent and CodeActAgent give each tool call they parse from text a uuid of their own
    venv = framework_venv("llama_index", PINS)
    code = """
from types import SimpleNamespace
from namel3ss_debug.integrations.llama_index.spans import ASKED
from namel3ss_debug.integrations.llama_index.tools import asked_id
asks = SimpleNamespace(asker=lambda call_id: "llm-span" if call_id == "call_1" else None)
tracer = SimpleNamespace(run=SimpleNamespace(asks=asks))
ASKED.set(("get_weather", "call_1"))
print(asked_id(tracer, "get_weather"), asked_id(tracer, "get_time"))
ASKED.set(("get_weather", "0b7e6c2e-uuid-llama-index-made"))
print(asked_id(tracer, "get_weather"))
"""
    done = subprocess.run([str(venv.python), "-c", code], env=venv.environ(dict(os.environ)), capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.splitlines() == ["call_1 None", "None"], done.stderr


# -- a tool's KeyError the agent hands the model (apps/llama_index_tool_error_app.py) ------------------
ERROR_APP = App("llama_index_tool_error_app", (), 4, tools=2)
TOLD = "the tool gave the model: 'Atlantis' (is_error=True)"


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "llama_index", PINS), ERROR_APP)


def test_a_tools_keyerror_an_agent_hands_the_model_is_a_handled_failed_span_with_its_stack(
        error_runs: Reruns) -> None:
    recording = error_runs.recording
    tools = error_runs.spans("tool")
    assert [(start["name"], start["inputs"]) for start, _ in tools] == [("lookup_weather", {"city": "Atlantis"})] * 2
    for _, end in tools:  # a FunctionAgent's, then the same agent's in an AgentWorkflow
        assert_handled_keyerror(end, "lookup_weather")
        told = end["outputs"]["return"]  # the ToolOutput the agent made of it
        assert (told["is_error"], told["blocks"][0]["text"]) == (True, "'Atlantis'")
    assert recording.run.app_lines()[0::2] == [TOLD, TOLD]
    assert recording.of_type("run_end")[0]["status"] == "completed", "the agent went on and answered"


def test_a_rerun_of_the_handled_keyerror_gives_the_agent_its_error_output_and_is_reproduced(
        error_runs: Reruns) -> None:
    assert error_runs.bodies_recorded == ["lookup_weather Atlantis"] * 2
    error_runs.assert_offline_reproduced()


# -- install ----------------------------------------------------------------------------------------
def test_a_hook_point_that_fails_is_one_warning_and_the_app_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    from types import ModuleType  # noqa: PLC0415 - this test alone

    from namel3ss_debug.integrations.llama_index import hook as llama_index_hook  # noqa: PLC0415 - imports no framework

    def lacking(module: ModuleType) -> None:
        module.FunctionTool  # noqa: B018 - a llama-index without it raises here

    from namel3ss_debug.integrations.frameworks import guarded  # noqa: PLC0415 - imports no framework

    name = "llama_index.core.tools.function_tool"
    guarded(llama_index_hook.PACKAGE, llama_index_hook.HOOK_POINTS[name], lacking)(ModuleType("function_tool"))
    warning = capsys.readouterr().err
    assert warning.startswith("namel3ss-debug: llama_index.core ")
    assert "not recorded: tools (FunctionTool.call, FunctionTool.acall) (AttributeError: " in warning
    assert warning.rstrip().endswith("(this version lacks the hook point; its LLM calls are still recorded)")
