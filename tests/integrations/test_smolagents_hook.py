"""smolagents traced with no change to the app (`integrations/smolagents/hook.py`): each agent run is an
`agent` span over its LLM calls and tool calls, each tool call a `tool` span with the model's call id,
linked to the LLM call that asked for it, and `replay --rerun` answers the tools from the recording
without running their bodies.

apps/smolagents_app.py (a `ToolCallingAgent`, `forecaster`, with `get_weather` and `get_time`, four
questions, the last with its steps streamed; `get_weather` raises `KeyError` for Atlantis) runs in a venv of its
own holding smolagents (built once, reused; `tests/support/venvs.py`), is recorded once against the stub
server, then rerun with the server stopped: as it is, and with `--live-tools`. Its tools add a line to
`tool_bodies.log` each time a body runs.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from framework_support import App, Reruns, new_bench, record_and_rerun, assert_handled_keyerror

pytestmark = pytest.mark.frameworks

PINS = ("smolagents==1.26.0", "openai==3.57.0")
# Paris and Oslo: get_weather, get_time, final_answer. Atlantis: get_weather raises; smolagents hands the
# error back as a user message the stub takes for the question, so it asks for the tools again with the
# error's last word, `approach.`.
ASKED = [("get_weather", {"city": "Paris"}), ("get_time", {"city": "Paris"}), ("final_answer", {"answer": "Paris"}),
         ("get_weather", {"city": "Oslo"}), ("get_time", {"city": "Oslo"}), ("final_answer", {"answer": "Oslo"}),
         ("get_weather", {"city": "Atlantis"}), ("get_weather", {"city": "approach."}),
         ("get_time", {"city": "approach."}), ("final_answer", {"answer": "approach."}),
         ("get_weather", {"city": "Rome"}), ("get_time", {"city": "Rome"}), ("final_answer", {"answer": "Rome"})]
RETURNS = ["light rain, 14 C", "14:05", "Paris", "snow, -3 C", "14:05", "Oslo", None, "clear, 18 C", "09:05",
           "approach.", "clear, 18 C", "09:05", "Rome"]
APP = App("smolagents_app", (), requests=13, tools=len(ASKED))  # modules: the venv's, not this Python's
QUESTIONS = ["What is the weather in Paris?", "Is it cold in Oslo?", "Is it sunny in Atlantis?", "Is it windy in Rome?"]
REPRODUCED = "reproduced: the rerun matches the recording"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "smolagents", PINS), APP)


# -- trace ------------------------------------------------------------------------------------------
def test_each_run_streamed_or_not_is_an_agent_span_over_its_llm_and_tool_calls(runs: Reruns) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["inputs"]) for start, _ in agents] == [("forecaster", {"task": q}) for q in QUESTIONS]
    assert all(start["attrs"] == {"framework": "smolagents", "agent_class": "ToolCallingAgent", "model": "gpt-4o-mini"}
               for start, _ in agents)
    assert [end["outputs"]["return"] for _, end in agents] == ["Paris", "Oslo", "approach.", "Rome"]
    ids = [start["span_id"] for start, _ in agents]
    per_question = [ids[0]] * 3 + [ids[1]] * 3 + [ids[2]] * 4 + [ids[3]] * 3  # the last run's steps streamed
    assert [start["parent_id"] for start, _ in runs.spans("llm")] == per_question
    assert [start["parent_id"] for start, _ in runs.spans("tool")] == per_question
    assert len(runs.recording.hits) == APP.requests


def test_each_tool_call_the_model_asked_for_is_one_tool_span_with_its_arguments_and_result(runs: Reruns) -> None:
    asked = [(a["tool_call"]["name"], a["tool_call"]["arguments"]) for a in runs.recording.answers]
    assert asked == ASKED, "the stub asked for one tool in each answer"
    tools = runs.spans("tool")
    assert [(start["name"], start["inputs"]) for start, _ in tools] == ASKED
    assert [(end.get("outputs") or {}).get("return") for _, end in tools] == RETURNS
    assert runs.bodies_recorded == ["get_weather Paris", "get_time Paris", "get_weather Oslo", "get_time Oslo",
                                    "get_weather Atlantis", "get_weather approach.", "get_time approach.",
                                    "get_weather Rome", "get_time Rome"]


def test_a_tools_keyerror_smolagents_hands_the_model_is_a_handled_failed_span_with_its_stack(runs: Reruns) -> None:
    _, end = runs.spans("tool")[6]
    assert_handled_keyerror(end, "get_weather")
    raised = end["outputs"]["raised"]  # smolagents' error, which the model is told
    assert raised["type"] == "smolagents.utils.AgentToolExecutionError"
    assert raised["message"].startswith("Error executing tool 'get_weather' with arguments {'city': 'Atlantis'}: "
                                        "KeyError: 'Atlantis'")
    assert runs.recording.of_type("run_end")[0]["status"] == "completed", "the agent went on and answered"


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_by_the_models_call_id(runs: Reruns) -> None:
    llm_outputs = {end["span_id"]: end["outputs"] for _, end in runs.spans("llm")}
    sent = [f"call_{answer['tool_call']['id']}" for answer in runs.recording.answers]
    linked = [(start["attrs"]["tool_call_id"], start["attrs"]["llm_span_id"]) for start, _ in runs.spans("tool")]
    assert [call_id for call_id, _ in linked] == sent
    for call_id, llm_span in linked:
        assert [call["id"] for call in llm_outputs[llm_span]["tool_calls"]] == [call_id]
    assert all(start["attrs"]["framework"] == "smolagents" for start, _ in runs.spans("tool"))


def test_analyze_counts_the_tool_calls_and_the_failure(runs: Reruns) -> None:
    assert runs.tool_counts() == {"get_weather": (5, 1), "get_time": (4, 0), "final_answer": (4, 0)}


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_tool_body_and_reproduces(runs: Reruns) -> None:
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0), runs.offline.stdout
    assert runs.bodies_offline == []
    assert f"calls         {APP.answered} from the recording\n" in runs.offline.stdout
    assert runs.offline.app_lines() == runs.recording.run.app_lines()  # smolagents' error printed again too


def test_live_tools_runs_the_tool_bodies_and_reproduces(runs: Reruns) -> None:
    assert runs.bodies_live == runs.bodies_recorded
    assert (runs.live.verdict(), runs.live.returncode) == (REPRODUCED, 0), runs.live.stdout
    assert f"calls         {APP.requests} from the recording, {APP.tools} run again" in runs.live.stdout
    assert runs.live.app_lines() == runs.recording.run.app_lines()


# -- the hook alone ---------------------------------------------------------------------------------
def test_install_names_the_hook_points_a_smolagents_without_them_lacks() -> None:
    from namel3ss_debug.integrations.smolagents import hook as smolagents_hook  # noqa: PLC0415 - imports no framework

    old = ModuleType("smolagents")
    old.MultiStepAgent = type("MultiStepAgent", (), {"run": lambda self, task: None})  # type: ignore[attr-defined]
    old.ToolCallingAgent = type("ToolCallingAgent", (old.MultiStepAgent,), {})  # type: ignore[attr-defined]
    assert smolagents_hook.install(old) == ["ToolCallingAgent.process_tool_calls", "ToolCallingAgent.execute_tool_call"]
    assert old.MultiStepAgent.run.__name__ == "<lambda>", "left as it was"  # type: ignore[attr-defined]

