"""CrewAI traced with no change to the app (`integrations/crewai/hook.py`): a flow a `chain` span and each
of its steps a `chain_step` span, each crew a `chain` span, its task a `chain_step` span under it, the agent
an `agent` span under the task (a lone agent's `kickoff` an `agent` span of its own), over the agent's LLM
calls and tool calls; each tool call a `tool` span linked to the LLM call that asked for it, and `replay
--rerun` answers the tools from the recording without running their bodies.

apps/crewai_app.py (a flow of three steps: two kick off a crew of an agent `forecaster` with `get_weather`
and `get_time` given the task `weather`, one on CrewAI's own OpenAI client, one through LiteLLM; the third
raises; then the agent asked alone, and `get_time` run the way CrewAI's ReAct loop runs a tool) runs in a
venv of its own holding CrewAI (it wants openai < 3; built once, reused: `tests/support/venvs.py`), is recorded
once against the stub server, then rerun with the server stopped: as it is, and with `--live-tools`. Its
tools add a line to `tool_bodies.log` each time a body runs. CrewAI's telemetry and the like are switched
off by the app itself, so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import sys

import pytest
from framework_support import App, Reruns, new_bench, record_and_rerun

pytestmark = pytest.mark.frameworks

PINS = ("crewai[litellm]==1.15.30", "litellm==1.110.2")
# In each crew the stub asks for get_weather, then get_time, with the last word of CrewAI's prompt
# ("... not a summary."); the lone agent's question ends with Oslo; the ReAct-style call asks for Rome.
ASKED = [("get_weather", {"city": "summary"}), ("get_time", {"city": "summary"})] * 2 + \
    [("get_weather", {"city": "Oslo"}), ("get_time", {"city": "Oslo"})]
TOOLS = [*ASKED, ("get_time", {"city": "Rome"})]
RETURNS = ["clear, 18 C", "09:05", "clear, 18 C", "09:05", "snow, -3 C", "14:05", "09:05"]
BODIES = [f"{name} {arguments['city']}" for name, arguments in TOOLS]
APP = App("crewai_app", (), requests=9, tools=len(TOOLS))  # modules: the venv's, not this Python's


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "crewai", PINS), APP)


def ids(runs: Reruns, component: str) -> list[str]:
    """The span ids of the spans of `component`, in the order they started."""
    return [start["span_id"] for start, _ in runs.spans(component)]


# -- trace ------------------------------------------------------------------------------------------
def test_one_crew_runs_on_crewais_own_client_and_one_through_litellm(runs: Reruns) -> None:
    lines = runs.recording.run.app_lines()
    native, litellm = "llm: crewai.llms.providers.openai.completion.OpenAICompletion", "llm: crewai.llm.LLM"
    assert [line for line in lines if line.startswith("llm: ")] == [native, litellm, native]
    assert len(runs.recording.hits) == APP.requests
    assert "namel3ss-debug: crewai" not in runs.recording.run.stderr, "every hook point found"


# The flow, its steps, and the crew each step kicks off with its task: (event type, name, kind), in order.
CHAINS = [("chain_execution_start", "Forecast", "flow"), ("chain_step_start", "on_own_client", "flow_method"),
          ("chain_execution_start", "native", "crew"), ("chain_step_start", "weather", "task"),
          ("chain_step_start", "through_litellm", "flow_method"), ("chain_execution_start", "litellm", "crew"),
          ("chain_step_start", "weather", "task"), ("chain_step_start", "publish", "flow_method")]


def test_the_flow_its_steps_and_each_crew_task_and_agent_are_nested_spans(runs: Reruns) -> None:
    chains, agents = runs.spans("chain"), runs.spans("agent")
    assert [(start["event_type"], start["name"], start["attrs"]["kind"]) for start, _ in chains] == CHAINS
    assert [start["name"] for start, _ in agents] == ["forecaster"] * 3
    assert [start["attrs"] for start, _ in agents] == [{"framework": "crewai", "kind": "agent"}] * 3
    assert all(set(start["attrs"]) == {"framework", "kind"} for start, _ in chains)
    flow, first_step, first_crew, first_task, second_step, second_crew, second_task, _ = ids(runs, "chain")
    root = runs.recording.of_type("run_start")[0]["span_id"]
    assert [start["parent_id"] for start, _ in chains + agents[:2]] == \
        [root, flow, first_step, first_crew, flow, second_step, second_crew, flow, first_task, second_task]
    assert chains[3][0]["inputs"]["description"] == "What is the weather in Paris?"
    assert agents[0][0]["inputs"]["task_prompt"].startswith("What is the weather in Paris?")


def test_each_span_ends_with_what_its_flow_step_crew_task_or_agent_returned(runs: Reruns) -> None:
    chains, agents, answers = runs.spans("chain"), runs.spans("agent"), answered(runs)
    returned = [" ".join(end["outputs"]["return"].split()) for _, end in chains[1:-1] + agents[:2]]
    assert returned == [answers["native"]] * 3 + [answers["litellm"]] * 3 + [answers["native"], answers["litellm"]]


def test_a_flow_step_that_raises_is_a_failed_span_and_so_is_its_flow(runs: Reruns) -> None:
    chains = runs.spans("chain")
    failed = [(start["name"], end["status"], end["error"]["type"], end["error"]["message"])
              for start, end in chains if end["status"] != "completed"]
    assert failed == [("Forecast", "failed", "RuntimeError", "no desk to publish to"),
                      ("publish", "failed", "RuntimeError", "no desk to publish to")]
    assert "flow failed: no desk to publish to" in runs.recording.run.app_lines()


def test_a_lone_agents_kickoff_is_an_agent_span_of_its_own(runs: Reruns) -> None:
    start, end = runs.spans("agent")[2]
    assert (start["name"], start["parent_id"], start["inputs"]) == \
        ("forecaster", runs.recording.of_type("run_start")[0]["span_id"], {"messages": "Is it cold in Oslo?"})
    assert " ".join(end["outputs"]["return"].split()) == answered(runs)["alone"]


def answered(runs: Reruns) -> dict[str, str]:
    """What the app printed each crew, and the lone agent, answered."""
    said = dict(line.split(": ", 1) for line in runs.recording.run.app_lines())
    return {who: said[who] for who in ("native", "litellm", "alone")}


def test_the_llm_calls_and_tool_calls_of_each_agent_nest_under_its_agent_span(runs: Reruns) -> None:
    agents = ids(runs, "agent")
    assert [start["parent_id"] for start, _ in runs.spans("llm")] == [agent for agent in agents for _ in range(3)]
    root = runs.recording.of_type("run_start")[0]["span_id"]
    assert [start["parent_id"] for start, _ in runs.spans("tool")] == \
        [agent for agent in agents for _ in range(2)] + [root]


def test_each_tool_call_is_one_tool_span_with_its_arguments_and_result(runs: Reruns) -> None:
    sent = [(a["tool_call"]["name"], a["tool_call"]["arguments"]) for a in runs.recording.answers if a["tool_call"]]
    assert sent == ASKED, "the stub asked for each tool once in each crew"
    tools = runs.spans("tool")
    assert [(start["name"], start["inputs"]) for start, _ in tools] == TOOLS
    assert [end["outputs"]["return"] for _, end in tools] == RETURNS
    assert runs.bodies_recorded == BODIES


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_by_its_name_and_arguments(runs: Reruns) -> None:
    llm_outputs = {end["span_id"]: end["outputs"] for _, end in runs.spans("llm")}
    sent = [f"call_{answer['tool_call']['id']}" for answer in runs.recording.answers if answer["tool_call"]]
    asked = [start["attrs"] for start, _ in runs.spans("tool")[:-1]]
    assert [attrs["tool_call_id"] for attrs in asked] == sent
    assert [attrs["llm_span_id"] for attrs in asked] == [ids(runs, "llm")[i] for i in (0, 1, 3, 4, 6, 7)]
    for attrs, (name, _) in zip(asked, ASKED, strict=True):
        assert [(call["id"], call["name"]) for call in llm_outputs[attrs["llm_span_id"]]["tool_calls"]] == \
            [(attrs["tool_call_id"], name)]
        assert (attrs["framework"], attrs["linked_by"]) == ("crewai", "name_and_arguments")
    assert runs.spans("tool")[-1][0]["attrs"] == {"framework": "crewai"}, "no LLM call asked for the ReAct-style call"


def test_analyze_counts_the_tool_calls(runs: Reruns) -> None:
    assert runs.tool_counts() == {"get_weather": (3, 0), "get_time": (4, 0)}


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_reproduces_and_runs_no_tool_body(runs: Reruns) -> None:
    runs.assert_offline_reproduced(APP.answered)


def test_live_tools_runs_the_tool_bodies_and_answers_the_llm_calls(runs: Reruns) -> None:
    assert runs.bodies_live == BODIES
    runs.assert_live_reproduced(APP.requests, len(TOOLS))


# -- install ----------------------------------------------------------------------------------------
def test_install_names_the_hook_points_a_crewai_without_them_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import ModuleType  # noqa: PLC0415 - this test alone

    from namel3ss_debug.integrations.crewai import hook as crewai_hook  # noqa: PLC0415 - imports no framework

    for module in ("crewai.events.event_bus", "crewai.tools.base_tool"):
        monkeypatch.setitem(sys.modules, module, None)  # importing it raises ImportError
    missing = crewai_hook.install(ModuleType("crewai"))
    assert [point.split(" (ModuleNotFoundError")[0] for point in missing] == [crewai_hook.STRUCTURE, crewai_hook.TOOLS]


# -- a tool's KeyError CrewAI hands the model (apps/crewai_tool_error_app.py) -----------------------------
ERROR_APP = App("crewai_tool_error_app", (), requests=2, tools=1)


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "crewai", PINS), ERROR_APP)


def test_a_tools_keyerror_crewai_hands_the_model_is_a_failed_span_with_its_stack(error_runs: Reruns) -> None:
    recording = error_runs.recording
    [(start, end)] = error_runs.spans("tool")
    assert (start["name"], start["inputs"]) == ("lookup_weather", {"city": "Atlantis"})
    error = end["error"]
    assert (end["status"], error["type"], error["message"]) == ("failed", "KeyError", "'Atlantis'")
    assert ", in lookup_weather\n    return STATIONS[city]" in error["stack"]
    told = [message["content"] for message in recording.requests[1]["messages"] if message["role"] == "tool"]
    assert told == ["Error executing tool: 'Atlantis'"], "CrewAI told the model the error"
    assert recording.of_type("run_end")[0]["status"] == "completed", "the agent went on and answered"


def test_a_rerun_of_the_keyerror_raises_it_again_for_crewai_and_is_reproduced(error_runs: Reruns) -> None:
    assert error_runs.bodies_recorded == ["lookup_weather Atlantis"]
    error_runs.assert_offline_reproduced()
