"""Agno traced with no change to the app (`integrations/agno/hook.py`): each `Agent.run` / `arun` is an
`agent` span over its LLM calls and tool calls, each tool call (`FunctionCall.execute` / `aexecute`) a
`tool` span with the model's call id, linked to the LLM call that asked for it, and `replay --rerun`
answers the tools from the recording without running their bodies.

apps/agno_app.py (an `Agent`, `forecaster`, with `get_weather` and `get_time`, three questions: `run`,
`arun` with a coroutine tool, `run` again where `get_weather` raises `KeyError` for Atlantis; then a `Team` with
that agent as its member, whose delegation to it is left to the wire; then two streamed runs) runs in
a venv of its own holding Agno (built once, reused; `tests/support/venvs.py`), with Agno's telemetry off, is
recorded once against the stub server, then rerun with the server stopped: as it is, and with
`--live-tools`. Its tools add a line to `tool_bodies.log` each time a body runs.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from framework_support import App, Reruns, Run, new_bench, record_and_rerun, assert_handled_keyerror

pytestmark = pytest.mark.frameworks

PINS = ("agno==3.1.10", "openai==3.57.0")
QUESTIONS = ["What is the weather in Paris?", "Is it cold in Oslo?", "Is it sunny in Atlantis?",
             "What is the weather in Rome?", "Is it humid in Lima?", "Is it foggy in London?"]
# The runs in the order they start: the agent's three, the team's, its member's (given the task "Rome"),
# and the agent's two streamed ones.
RUNS = [("forecaster", "Agent", QUESTIONS[0]), ("forecaster", "Agent", QUESTIONS[1]),
        ("forecaster", "Agent", QUESTIONS[2]), ("desk", "Team", QUESTIONS[3]), ("forecaster", "Agent", "Rome"),
        ("forecaster", "Agent", QUESTIONS[4]), ("forecaster", "Agent", QUESTIONS[5])]
# Agno offers the tools to the model sorted by name; the stub asks for each in that order, then answers.
ASKED = [(tool, {"city": city}) for city in ("Paris", "Oslo", "Atlantis", "Rome", "Lima", "London")
         for tool in ("get_time", "get_weather")]
RETURNS = ["14:05", "light rain, 14 C", "14:05", "snow, -3 C", "09:05", None] + ["09:05", "clear, 18 C"] * 3
DELEGATION = ("delegate_task_to_members", {"task": "Rome"})  # the team leader's, asked before the member runs
# 3 requests a question, and the team's 2 besides its member's 3; the agent's tool calls (the delegation is no
# tool of the app's: it runs the member, in a rerun too).
APP = App("agno_app", (), requests=20, tools=len(ASKED))  # modules: the venv's, not this Python's
REPRODUCED = "reproduced: the rerun matches the recording"
Event = dict[str, Any]


def hooked(runs: Reruns) -> list[tuple[Event, Event]]:
    """The tool spans the hook recorded."""
    return [(start, end) for start, end in runs.spans("tool") if start["attrs"].get("framework") == "agno"]


def answers(run: Run) -> list[str]:
    """The app's `answer:` lines (Agno also prints its own log lines to stdout)."""
    return [line for line in run.app_lines() if line.startswith("answer: ")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "agno", PINS), APP)


# -- trace ------------------------------------------------------------------------------------------
def test_each_run_and_arun_streamed_or_not_of_an_agent_or_team_is_an_agent_span_over_its_calls(runs: Reruns) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["attrs"]["agent_class"], start["inputs"]["input"]) for start, _ in agents] == RUNS
    assert all(start["attrs"] == {"framework": "agno", "agent_class": kind, "model": "gpt-4o-mini"}
               for (start, _), (_, kind, _) in zip(agents, RUNS, strict=True))
    root = runs.recording.of_type("run_start")[0]["span_id"]
    assert [f"answer: {end['outputs']['return']}" for start, end in agents if start["parent_id"] == root] == \
        answers(runs.recording.run)
    paris, oslo, atlantis, desk, member, lima, london = (start["span_id"] for start, _ in agents)
    assert [start["parent_id"] for start, _ in runs.spans("llm")] == \
        [paris] * 3 + [oslo] * 3 + [atlantis] * 3 + [desk] + [member] * 3 + [desk] + [lima] * 3 + [london] * 3
    assert [start["parent_id"] for start, _ in hooked(runs)] == \
        [paris] * 2 + [oslo] * 2 + [atlantis] * 2 + [member] * 2 + [lima] * 2 + [london] * 2, \
        "the tools run in the run's thread, awaited, and in a worker thread alike, streamed or not"
    assert agents[4][0]["parent_id"] == desk, "the member's run is under the team's"
    assert len(runs.recording.hits) == APP.requests


def test_each_tool_call_the_model_asked_for_is_one_tool_span_with_its_arguments_and_result(runs: Reruns) -> None:
    asked = [(a["tool_call"]["name"], a["tool_call"]["arguments"]) for a in runs.recording.answers if a["tool_call"]]
    assert asked == ASKED[:6] + [DELEGATION] + ASKED[6:]
    assert [(start["name"], start["inputs"]) for start, _ in hooked(runs)] == ASKED
    assert [(end.get("outputs") or {}).get("return") for _, end in hooked(runs)] == RETURNS
    assert sorted(start["attrs"]["tool_call_id"] for start, _ in runs.spans("tool")) == \
        sorted(f"call_{answer['tool_call']['id']}" for answer in runs.recording.answers if answer["tool_call"]), \
        "one tool span for each tool call, hooked or not"
    assert runs.bodies_recorded == [f"{tool} {arguments['city']}" for tool, arguments in ASKED]


def test_a_teams_delegation_runs_its_members_and_is_no_hooked_tool(runs: Reruns) -> None:
    """Agno iterates a delegation's generator after the call returns: the hook leaves it, and the wire pairs it."""
    delegations = [(start, end) for start, end in runs.spans("tool") if start["name"] == DELEGATION[0]]
    assert [(start["inputs"], start["attrs"]["source"]) for start, _ in delegations] == [(DELEGATION[1], "wire")]
    assert "framework" not in delegations[0][0]["attrs"]
    assert "Agent forecaster: Echo: Rome (tool said: clear, 18 C)" in delegations[0][1]["outputs"]["return"]


def test_a_tools_keyerror_agno_tells_the_model_is_a_handled_failed_span_with_its_stack(runs: Reruns) -> None:
    _, end = hooked(runs)[5]
    assert_handled_keyerror(end, "weather_of")
    assert end["outputs"] == {"error": "'Atlantis'"}  # what Agno told the model
    assert "(tool said: 'Atlantis')" in answers(runs.recording.run)[2], "the model was told the error"


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_by_the_models_call_id(runs: Reruns) -> None:
    llm_outputs = {end["span_id"]: end["outputs"] for _, end in runs.spans("llm")}
    sent = [f"call_{a['tool_call']['id']}" for a in runs.recording.answers
            if a["tool_call"] and a["tool_call"]["name"] != DELEGATION[0]]
    linked = [(start["attrs"]["tool_call_id"], start["attrs"]["llm_span_id"]) for start, _ in hooked(runs)]
    assert [call_id for call_id, _ in linked] == sent
    for call_id, llm_span in linked:
        assert [call["id"] for call in llm_outputs[llm_span]["tool_calls"]] == [call_id]


def test_analyze_counts_the_tool_calls_and_the_failure(runs: Reruns) -> None:
    assert runs.tool_counts() == {"get_time": (6, 0), "get_weather": (6, 1), "delegate_task_to_members": (1, 0)}


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_tool_body_and_reproduces(runs: Reruns) -> None:
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0), runs.offline.stdout
    assert runs.bodies_offline == []
    assert f"calls         {APP.answered} from the recording, 1 run again" in runs.offline.stdout, "the delegation"
    assert answers(runs.offline) == answers(runs.recording.run)


def test_a_rerun_answers_the_failed_call_without_agnos_log_of_it(runs: Reruns) -> None:
    """Agno logs a failed tool call where it runs it; a rerun that answers the call runs none of that."""
    logged = "WARNING Could not run function get_weather(city=Atlantis): 'Atlantis'"
    assert logged in runs.recording.run.app_lines()
    assert logged not in runs.offline.app_lines()
    assert logged in runs.live.app_lines()


def test_live_tools_runs_the_tool_bodies_and_reproduces(runs: Reruns) -> None:
    assert runs.bodies_live == runs.bodies_recorded
    assert (runs.live.verdict(), runs.live.returncode) == (REPRODUCED, 0), runs.live.stdout
    assert f"calls         {APP.requests} from the recording, {APP.tools + 1} run again" in runs.live.stdout
    assert answers(runs.live) == answers(runs.recording.run)


# -- the hook alone ---------------------------------------------------------------------------------
def test_install_names_the_hook_points_an_agno_without_them_lacks() -> None:
    from namel3ss_debug.integrations.agno import runs, toolcalls  # noqa: PLC0415 - imports no framework

    agent_module, function_module = ModuleType("agno.agent.agent"), ModuleType("agno.tools.function")
    agent_module.Agent = type("Agent", (), {"run": lambda self, input: None})  # type: ignore[attr-defined]
    function_module.FunctionCall = type(  # type: ignore[attr-defined]
        "FunctionCall", (), {"execute": lambda self: None})
    function_module.FunctionExecutionResult = object  # type: ignore[attr-defined]
    assert runs.install(agent_module) == ["Agent.arun"]
    assert toolcalls.install(function_module) == ["FunctionCall.aexecute"]
    assert agent_module.Agent.run.__name__ == "<lambda>", "left as it was"  # type: ignore[attr-defined]
    assert function_module.FunctionCall.execute.__name__ == "<lambda>"  # type: ignore[attr-defined]
