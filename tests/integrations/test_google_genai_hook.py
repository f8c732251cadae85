"""google-genai's automatic function calling (AFC), traced with no change to the app
(`integrations/google_genai/hook.py`): each call that runs the loop is an `agent` span over its LLM
calls, each Python function the SDK calls a `tool` span linked to the LLM call that asked for it, and
`replay --rerun` answers the functions from the recording without running their bodies.

apps/genai_afc_app.py (three questions, each offered two functions: `generate_content`, a chat's
`send_message`, and the async `generate_content` with a coroutine function; then one question with AFC
off) is recorded once against the stub server, then rerun with the server stopped, and with
`--live-tools`. Its functions add a line to `tool_bodies.log` each time a body runs.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

import pytest
from framework_support import App, Reruns, new_bench, record_and_rerun, skip_unless_installed

pytestmark = pytest.mark.frameworks

APP = App("genai_afc_app", ("google.genai",), 10)
AFC = " (automatic function calling)"
AGENTS = [("generate_content" + AFC, "contents", "What is the weather in Paris?", ["get_weather", "get_time"]),
          ("send_message" + AFC, "message", "Is it sunny in Atlantis?", ["get_weather", "get_time"]),
          ("generate_content" + AFC, "contents", "Will it rain in Rome?", ["get_forecast", "get_time"])]
TOOLS = ["get_weather", "get_time", "get_weather", "get_time", "get_forecast", "get_time"]
CITIES = ["Paris", "Paris", "Atlantis", "Atlantis", "Rome", "Rome"]
RETURNS = ["light rain, 14 C", "14:05", None, "09:05", "tomorrow in Rome: sunny, 24 C", "14:05"]
REPRODUCED = "reproduced: the rerun matches the recording"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    skip_unless_installed(APP.stem, *APP.modules)
    return record_and_rerun(new_bench(tmp_path_factory, "genai_afc"), APP)


# -- trace ------------------------------------------------------------------------------------------
def hooked(spans: list[Any]) -> list[Any]:
    """The spans the hook made: not the agent of the AFC-off call's conversation, nor the call it asked for
    whose result never came back (both from the wire)."""
    return [(start, end) for start, end in spans if start["attrs"].get("source") != "wire"]


def test_each_call_that_runs_the_loop_is_an_agent_span_over_its_llm_calls(runs: Reruns) -> None:
    agents = hooked(runs.spans("agent"))
    assert [(start["name"], start["inputs"]) for start, _ in agents] == \
        [(name, {"model": "gemini-2.0-flash", key: question, "functions": functions})
         for name, key, question, functions in AGENTS]
    assert all(start["attrs"] == {"framework": "google-genai", "model": "gemini-2.0-flash"} for start, _ in agents)
    answers = [line.removeprefix("answer: ") for line in runs.recording.run.app_lines() if line.startswith("answer: ")]
    assert [end["outputs"]["return"] for _, end in agents] == answers
    llm_parents = [start["parent_id"] for start, _ in runs.spans("llm")]
    agent_ids = [start["span_id"] for start, _ in agents]
    assert llm_parents[:9] == [agent for agent in agent_ids for _ in range(3)], "three LLM calls in each agent span"
    assert len(runs.recording.hits) == APP.requests


def test_a_call_with_afc_off_makes_no_agent_span_and_calls_nothing(runs: Reruns) -> None:
    last_start, last_end = runs.spans("llm")[-1]
    assert last_start["parent_id"] not in {start["span_id"] for start, _ in hooked(runs.spans("agent"))}
    [(wire_agent, _)] = [span for span in runs.spans("agent") if span[0]["attrs"].get("source") == "wire"]
    assert last_start["parent_id"] == wire_agent["span_id"]  # a conversation with tools: an agent from the wire
    [(missing, missing_end)] = [span for span in runs.spans("tool") if span[0]["attrs"].get("source") == "wire"]
    assert (missing["name"], missing_end["error"]["type"]) == ("get_time", "ToolResultMissing")  # never called
    assert last_end["outputs"]["tool_calls"] == [{"id": None, "name": "get_time", "arguments": {"city": "Oslo"}}]
    assert runs.recording.run.app_lines()[-1] == "asked for: [('get_time', {'city': 'Oslo'})]"


def test_each_function_call_is_one_tool_span_with_its_arguments_and_result_under_its_agent(runs: Reruns) -> None:
    tools = hooked(runs.spans("tool"))
    agent_ids = [start["span_id"] for start, _ in hooked(runs.spans("agent"))]
    assert [start["name"] for start, _ in tools] == TOOLS, "one span per call: none from the wire beside them"
    assert [start["inputs"] for start, _ in tools] == [{"city": city} for city in CITIES]
    assert [start["parent_id"] for start, _ in tools] == [agent for agent in agent_ids for _ in range(2)]
    assert [(end.get("outputs") or {}).get("return") for _, end in tools] == RETURNS
    assert [end["status"] for _, end in tools] == ["completed"] * 2 + ["failed"] + ["completed"] * 3
    assert all(start["attrs"]["framework"] == "google-genai" for start, _ in tools)
    assert len(runs.bodies_recorded) == 6


def test_a_function_that_raises_keyerror_is_a_handled_failed_tool_span_and_the_model_is_told(runs: Reruns) -> None:
    _, end = runs.spans("tool")[2]
    error = end["error"]
    assert (end["status"], error["type"], error["message"], error["handled"]) == \
        ("failed", "KeyError", "'atlantis'", True)
    assert "in get_weather" in error["stack"] and error["stack"].rstrip().endswith("KeyError: 'atlantis'")
    told = runs.recording.requests[4]["contents"][-1]["parts"][0]["functionResponse"]["response"]["error"]
    # the SDK's message, made of the exception again by the rerun that reproduces
    assert told.startswith("Failed to invoke function get_weather") and told.endswith("because of error 'atlantis'")
    assert runs.recording.run.app_lines()[2].startswith("answer: "), "the loop went on to an answer"


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_by_name_and_arguments(runs: Reruns) -> None:
    """Gemini's function calls carry no id here (the stub gives none, as the API often does)."""
    llm_ends = {end["span_id"]: end for _, end in runs.spans("llm")}
    for start, _ in hooked(runs.spans("tool")):
        asked = llm_ends[start["attrs"]["llm_span_id"]]["outputs"]["tool_calls"]
        assert asked == [{"id": None, "name": start["name"], "arguments": start["inputs"]}]
        assert start["attrs"]["linked_by"] == "name_and_arguments" and "tool_call_id" not in start["attrs"]
    assert len({start["attrs"]["llm_span_id"] for start, _ in hooked(runs.spans("tool"))}) == 6


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_function_and_prints_the_same(runs: Reruns) -> None:
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0)
    assert runs.offline.app_lines() == runs.recording.run.app_lines()
    assert runs.bodies_offline == []
    assert "calls         16 from the recording" in runs.offline.stdout  # 10 LLM calls and 6 function calls


def test_live_tools_runs_the_function_bodies_and_answers_the_llm_calls(runs: Reruns) -> None:
    assert len(runs.bodies_live) == 6
    assert (runs.live.verdict(), runs.live.returncode) == (REPRODUCED, 0)
    assert runs.live.app_lines() == runs.recording.run.app_lines()
    assert "calls         10 from the recording, 6 run again (judged by what they returned)" in runs.live.stdout


# -- the seam, in this process ------------------------------------------------------------------------
def function_call_answer(*calls: tuple[str, str]) -> Any:
    """A model answer asking for `get_weather` once per (call id, city)."""
    from google.genai import types  # noqa: PLC0415 - only when installed

    parts = [types.Part(function_call=types.FunctionCall(id=call_id, name="get_weather", args={"city": city}))
             for call_id, city in calls]
    return types.GenerateContentResponse(candidates=[types.Candidate(content=types.Content(role="model", parts=parts))])


def test_a_function_call_the_model_gave_an_id_is_a_tool_span_with_that_id_even_for_the_same_function() -> None:
    pytest.importorskip("google.genai")
    from google.genai import _extra_utils  # noqa: PLC0415 - only when installed

    from namel3ss_debug.integrations.google_genai.functions import recording_parts  # noqa: PLC0415 - imports nothing
    from namel3ss_debug.testing import capture_events  # noqa: PLC0415 - this test alone

    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"weather of {city}"

    with capture_events() as run:
        parts = recording_parts(_extra_utils.get_function_response_parts)(
            function_call_answer(("fc-1", "Paris"), ("fc-2", "Oslo")), {"get_weather": get_weather})
    assert [part.function_response.response for part in parts] == [{"result": "weather of Paris"},
                                                                     {"result": "weather of Oslo"}]
    started = run.of_type("tool_call_start")
    assert [(e["name"], e["inputs"], e["attrs"]["tool_call_id"]) for e in started] == \
        [("get_weather", {"city": "Paris"}, "fc-1"), ("get_weather", {"city": "Oslo"}, "fc-2")]
    assert [e["outputs"]["return"] for e in run.of_type("tool_call_end")] == ["weather of Paris", "weather of Oslo"]


def test_the_async_seam_keeps_a_coroutine_function_a_coroutine_function() -> None:
    pytest.importorskip("google.genai")
    from google.genai import _extra_utils  # noqa: PLC0415 - only when installed

    from namel3ss_debug.integrations.google_genai.functions import (  # noqa: PLC0415 - imports nothing
        recording_parts_async,
    )
    from namel3ss_debug.testing import capture_events  # noqa: PLC0415 - this test alone

    async def get_weather(city: str) -> str:
        """The weather in a city."""
        await asyncio.sleep(0)
        return f"weather of {city}"

    with capture_events() as run:
        parts = asyncio.run(recording_parts_async(_extra_utils.get_function_response_parts_async)(
            function_call_answer(("fc-1", "Rome"),), {"get_weather": get_weather}))
    assert parts[0].function_response.response == {"result": "weather of Rome"}  # awaited, not a coroutine object
    assert [e["attrs"]["tool_call_id"] for e in run.of_type("tool_call_start")] == ["fc-1"]


# -- install ----------------------------------------------------------------------------------------
def test_install_names_each_hook_point_a_google_genai_without_it_lacks() -> None:
    from namel3ss_debug.integrations.google_genai import hook as google_genai_hook  # noqa: PLC0415 - imports no framework

    assert google_genai_hook.install(ModuleType("no_such_google_genai")) == [
        "_extra_utils.get_function_response_parts", "_extra_utils.get_function_response_parts_async",
        "Models.generate_content", "AsyncModels.generate_content", "Chat.send_message", "AsyncChat.send_message"]


def test_afc_runs_as_google_genai_decides() -> None:
    from namel3ss_debug.integrations.google_genai.agent import afc_runs  # noqa: PLC0415 - imports no framework

    def get_time(city: str) -> str:
        return city

    declared = {"function_declarations": [{"name": "get_weather"}]}
    assert afc_runs({"tools": [get_time]})
    assert not afc_runs(None) and not afc_runs({"tools": [declared]})
    assert not afc_runs({"tools": [get_time, declared]}), "declarations beside functions turn AFC off"
    assert not afc_runs({"tools": [get_time], "automatic_function_calling": {"disable": True}})
    assert not afc_runs({"tools": [get_time], "automatic_function_calling": {"maximum_remote_calls": 0}})
    assert afc_runs({"tools": [get_time], "automatic_function_calling": {"maximum_remote_calls": 3}})
