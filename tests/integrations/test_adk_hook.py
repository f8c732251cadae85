"""Google ADK, traced with no change to the app (`integrations/adk/hook.py`): each agent run is an
`agent` span over its LLM calls (through a plugin ADK runs beside the app's), each function tool call a
`tool` span linked to the LLM call that asked for it, and `replay --rerun` answers the tools from the
recording without running their bodies, doing again what they did to the session.

apps/adk_app.py (an `LlmAgent`, `forecaster`, with `get_weather` and `get_time`, two questions in
sessions of their own; `get_time` writes the city into the session's state) runs from a venv of its own
(ADK pins a google-genai older than the dev extra's), recorded once against the stub server, then rerun
with the server stopped and with `--live-tools`. Its tools add a line to `tool_bodies.log` each time a
body runs.
"""

from __future__ import annotations

from types import ModuleType

import pytest
from framework_support import App, Reruns, new_bench, record_and_rerun, assert_handled_keyerror

pytestmark = pytest.mark.frameworks

PINS = ("google-adk==2.13.0", "google-genai==2.34.0")
APP = App("adk_app", (), 6)  # the app's modules are the venv's, not this Python's
TOOLS = ["get_weather", "get_time"] * 2
CITIES = ["Paris", "Paris", "Oslo", "Oslo"]
RETURNS = [{"weather": "light rain, 14 C"}, "14:05", {"weather": "snow, -3 C"}, "14:05"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "adk", PINS), APP)


# -- trace ------------------------------------------------------------------------------------------
def test_each_agent_run_is_an_agent_span_named_after_the_agent_over_its_llm_calls(runs: Reruns) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["inputs"]) for start, _ in agents] == [
        ("forecaster", {"message": "What is the weather in Paris?"}),
        ("forecaster", {"message": "Is it cold in Oslo?"})]
    assert all(start["attrs"] == {"framework": "google-adk", "model": "gemini-2.0-flash"} for start, _ in agents)
    assert [end["outputs"]["return"] for _, end in agents] == runs.recording.printed_answers()
    runs.recording.assert_agents_hold_llm_calls(3)


def test_each_tool_call_is_one_tool_span_with_its_arguments_and_result_under_its_agent(runs: Reruns) -> None:
    tools = runs.spans("tool")
    agent_ids = [start["span_id"] for start, _ in runs.spans("agent")]
    assert [start["name"] for start, _ in tools] == TOOLS, "one span per call: none from the wire beside them"
    assert [start["inputs"] for start, _ in tools] == [{"city": city} for city in CITIES]
    assert [start["parent_id"] for start, _ in tools] == [agent for agent in agent_ids for _ in range(2)]
    assert [end["outputs"]["return"] for _, end in tools] == RETURNS
    assert all(end["status"] == "completed" and start["attrs"]["framework"] == "google-adk" for start, end in tools)
    assert len(runs.bodies_recorded) == 4


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_not_by_adks_own_call_id(runs: Reruns) -> None:
    """The stub's Gemini calls carry no id; ADK's made-up `adk-...` id is never sent, so never recorded."""
    llm_ends = {end["span_id"]: end for _, end in runs.spans("llm")}
    for start, _ in runs.spans("tool"):
        asked = llm_ends[start["attrs"]["llm_span_id"]]["outputs"]["tool_calls"]
        assert asked == [{"id": None, "name": start["name"], "arguments": start["inputs"]}]
        assert start["attrs"]["linked_by"] == "name_and_arguments" and "tool_call_id" not in start["attrs"]
    assert len({start["attrs"]["llm_span_id"] for start, _ in runs.spans("tool")}) == 4


def test_what_a_tool_did_to_the_session_is_kept_on_its_span(runs: Reruns) -> None:
    ends = [end for start, end in runs.spans("tool") if start["name"] == "get_time"]
    assert [end["attrs"] for end in ends] == [{"adk_actions": {"state_delta": {"last_city": city}}}
                                              for city in ("Paris", "Oslo")]
    assert "state: {'last_city': 'Oslo'}" in runs.recording.run.app_lines()


def test_the_apps_own_plugin_and_callbacks_run_beside_ours(runs: Reruns) -> None:
    assert runs.recording.run.app_lines()[-1] == \
        "plugin saw 2 agent runs; after_tool_callback saw get_weather, get_time, get_weather, get_time"
    assert runs.offline.app_lines()[-1] == runs.recording.run.app_lines()[-1], "in a rerun too, the bodies not run"


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_tool_body_and_keeps_the_session_state(runs: Reruns) -> None:
    # its lines are the state the bodies wrote, written again
    runs.assert_offline_reproduced(10)  # 6 LLM calls and 4 tool calls


def test_live_tools_runs_the_tool_bodies_and_answers_the_llm_calls(runs: Reruns) -> None:
    assert len(runs.bodies_live) == 4
    runs.assert_live_reproduced(6, 4)


# -- install ----------------------------------------------------------------------------------------
def test_a_module_without_its_hook_point_is_one_warning_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    from namel3ss_debug.integrations.adk import hook as adk_hook  # noqa: PLC0415 - imports no framework

    from namel3ss_debug.integrations.frameworks import guarded  # noqa: PLC0415 - imports no framework

    for name, install in (("google.adk.tools.function_tool", adk_hook._install_tools),
                          ("google.adk.runners", adk_hook._install_plugin)):
        guarded("google.adk", adk_hook.HOOK_POINTS[name], install)(ModuleType(name))
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": not recorded: ")[1].split(" (AttributeError: ")[0] for line in lines] == [
        "tools (FunctionTool.run_async)", "agent runs (Runner.__init__, plugin_manager)"]
    assert all(line.startswith("namel3ss-debug: google.adk ") for line in lines)


def test_the_id_the_model_gave_a_call_links_it_and_adks_own_id_does_not() -> None:
    from types import SimpleNamespace  # noqa: PLC0415 - this test alone

    from namel3ss_debug.integrations.adk.tools import model_call_id  # noqa: PLC0415 - imports no framework

    assert model_call_id(SimpleNamespace(function_call_id="call_stub1")) == "call_stub1"
    assert model_call_id(SimpleNamespace(function_call_id="adk-4f1c0b2e")) is None  # ADK's, never on the wire
    assert model_call_id(SimpleNamespace(function_call_id=None)) is None


# -- a tool's KeyError the app's on_tool_error_callback hands the model (apps/adk_tool_error_app.py) -------
ERROR_APP = App("adk_tool_error_app", (), 2, tools=1)


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "adk", PINS), ERROR_APP)


def test_a_tools_keyerror_an_error_callback_hands_the_model_is_a_handled_failed_span_with_its_stack(
        error_runs: Reruns) -> None:
    recording = error_runs.recording
    [(start, end)] = error_runs.spans("tool")
    assert (start["name"], start["inputs"]) == ("lookup_weather", {"city": "Atlantis"})
    assert_handled_keyerror(end, "lookup_weather")
    told = recording.requests[1]["contents"][-1]["parts"][0]["functionResponse"]["response"]
    assert told == end["outputs"]["told"] == {"error": "'Atlantis'"}, "the callback's answer went to the model"
    assert recording.of_type("run_end")[0]["status"] == "completed", "the agent went on and answered"


def test_a_rerun_of_the_keyerror_raises_it_again_for_the_callback_and_is_reproduced(error_runs: Reruns) -> None:
    assert error_runs.bodies_recorded == ["lookup_weather Atlantis"]
    error_runs.assert_offline_reproduced()
