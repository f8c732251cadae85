"""pydantic-ai's agents and tools, traced with no change to the app (`integrations/pydantic_ai/hook.py`):
each run is an `agent` span over the LLM calls the HTTP transport records, each tool call a `tool`
span linked to the LLM call that asked for it, and `replay --rerun` answers the tools from the
recording without running their bodies.

apps/pydantic_ai_tools_app.py (one agent, `forecaster`, with `get_weather` and `get_time`, three
questions; the Atlantis `get_weather` raises `ModelRetry`) is recorded once against the stub server,
then rerun with the server stopped: as it is, with a listening server at its address, with a tool
mocked, and with `--live-tools`. Its tools add a line to `tool_bodies.log` each time a body runs.

apps/pydantic_ai_tool_error_app.py (one question; `lookup_weather` raises KeyError, which the app's `Hooks`
capability turns into the tool's result, and `lookup_station` raises ModelRetry from a KeyError) is recorded
and rerun with the server stopped.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from framework_support import (App, Listened, Recording, Run, Workbench, assert_judged_survived, listening_at,
                               recorded_then_rerun_fixture, skip_unless_installed)

pytestmark = pytest.mark.frameworks

APP = App("pydantic_ai_tools_app", ("pydantic_ai", "openai"), 9)
ERROR_APP = App("pydantic_ai_tool_error_app", ("pydantic_ai", "openai"), 3, tools=2)
TOOLS = ["get_weather", "get_time"] * 3
CITIES = ["Paris", "Paris", "Oslo", "Oslo", "Atlantis", "Atlantis"]
RETURNS = ["light rain, 14 C", "14:05", "snow, -3 C", "14:05", None, "09:05"]
REPRODUCED = "reproduced: the rerun matches the recording"
# Two agents under asyncio.gather, each given four tool calls in one response by a FunctionModel (no
# HTTP): pydantic-ai runs them as concurrent tasks, and the first one started ends last.
PARALLEL = '''
import asyncio
from pathlib import Path

from pydantic_ai import Agent
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

WAIT = {"Paris": 0.3, "Oslo": 0.0, "Rome": 0.1}


def model(messages, info):
    returned = [p for m in messages for p in m.parts if isinstance(p, ToolReturnPart)]
    if returned:
        return ModelResponse(parts=[TextPart(", ".join(f"{p.tool_name}={p.content}" for p in returned))])
    return ModelResponse(parts=[ToolCallPart("get_weather", {"city": city}, tool_call_id=f"w-{city}")
                                for city in WAIT] + [ToolCallPart("get_time", {"city": "Paris"}, tool_call_id="t")])


async def get_weather(city: str) -> str:
    with Path("parallel_bodies.log").open("a") as log:
        log.write(city + "\\n")
    await asyncio.sleep(WAIT[city])
    return f"weather of {city}"


def get_time(city: str) -> str:
    with Path("parallel_bodies.log").open("a") as log:
        log.write("time\\n")
    return f"time of {city}"


async def main():
    agents = [Agent(FunctionModel(model), name=name, tools=[get_weather, get_time]) for name in ("north", "south")]
    results = await asyncio.gather(*(agent.run("go") for agent in agents))
    for agent, result in zip(agents, results):
        print(f"agent {agent.name}: {result.output}")


asyncio.run(main())
'''


@dataclass
class Runs:
    """The app recorded, the reruns made of it, and how many tool bodies ran in each."""

    bench: Workbench
    recording: Recording
    bodies_recorded: int
    offline: Run
    listened: Listened
    mocked: Run
    bodies_in_reruns: int  # the three reruns above together
    live_tools: Run
    bodies_live: int

    def spans(self, component: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(start, end) of each span of `component`, in the order they started."""
        ends = {e["span_id"]: e for e in self.recording.events if e["status"] != "started"}
        return [(e, ends[e["span_id"]]) for e in self.recording.events
                if e["component"] == component and e["status"] == "started"]


def bodies(bench: Workbench) -> int:
    log = bench.directory / "tool_bodies.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    skip_unless_installed(APP.stem, *APP.modules)
    bench = Workbench(tmp_path_factory.mktemp("pydantic_ai_tools"), f"sk-test-{secrets.token_hex(16)}")
    recording = bench.record(APP)
    recorded = bodies(bench)

    def listened() -> Listened:
        server = listening_at(recording, bench.key)
        try:
            run = bench.rerun(recording, "--format", "json")
        finally:
            server.stop()
        return Listened(server.hits, run)

    with ThreadPoolExecutor(3) as pool:  # none of these runs a tool body, so they may share the log
        offline = pool.submit(bench.rerun, recording)
        heard = pool.submit(listened)
        mocked = pool.submit(bench.rerun, recording, "--mock", 'tool:get_time#1="23:59"')
        offline_run, heard_run, mocked_run = offline.result(), heard.result(), mocked.result()
    in_reruns = bodies(bench) - recorded
    live = bench.rerun(recording, "--live-tools")
    return Runs(bench, recording, recorded, offline_run, heard_run, mocked_run, in_reruns, live,
                bodies(bench) - recorded - in_reruns)


# -- trace ------------------------------------------------------------------------------------------
def test_each_agent_run_is_an_agent_span_named_after_the_agent_over_its_llm_calls(runs: Runs) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["inputs"]["prompt"]) for start, _ in agents] == [
        ("forecaster", "What is the weather in Paris?"), ("forecaster", "Is it cold in Oslo?"),
        ("forecaster", "Is it sunny in Atlantis?")]
    assert all(start["attrs"] == {"framework": "pydantic_ai", "model": "gpt-4o-mini"} for start, _ in agents)
    assert [end["outputs"]["return"] for _, end in agents] == \
        [line.removeprefix("answer: ") for line in runs.recording.run.app_lines() if line.startswith("answer: ")]
    agent_ids = [start["span_id"] for start, _ in agents]
    llm_parents = [start["parent_id"] for start, _ in runs.spans("llm")]
    assert llm_parents == [agent for agent in agent_ids for _ in range(3)], "three LLM calls in each agent span"
    assert len(runs.recording.hits) == APP.requests


def test_each_tool_call_is_a_tool_span_with_its_arguments_and_result_under_its_agent(runs: Runs) -> None:
    tools = runs.spans("tool")
    agent_ids = [start["span_id"] for start, _ in runs.spans("agent")]
    assert [start["name"] for start, _ in tools] == TOOLS
    assert [start["inputs"] for start, _ in tools] == [{"city": city} for city in CITIES]
    assert [start["parent_id"] for start, _ in tools] == [agent for agent in agent_ids for _ in range(2)]
    assert [(end.get("outputs") or {}).get("return") for _, end in tools] == RETURNS
    assert runs.bodies_recorded == 6


def test_a_tool_that_raises_model_retry_is_a_failed_tool_span_handled_by_pydantic_ai(runs: Runs) -> None:
    _, end = runs.spans("tool")[4]
    assert (end["status"], end["error"]["type"], end["error"]["message"], end["error"]["handled"]) == \
        ("failed", "pydantic_ai.exceptions.ModelRetry", "no weather for Atlantis", True)


def test_a_tool_span_is_linked_to_the_llm_call_that_asked_for_it_by_the_tool_call_id(runs: Runs) -> None:
    llm_ends = {end["span_id"]: end for _, end in runs.spans("llm")}
    asked = [(start["attrs"]["tool_call_id"], start["attrs"]["llm_span_id"]) for start, _ in runs.spans("tool")]
    for (call_id, llm_span), name in zip(asked, TOOLS):
        assert [(c["id"], c["name"]) for c in llm_ends[llm_span]["outputs"]["tool_calls"]] == [(call_id, name)]
    sent = [answer["tool_call"] for answer in runs.recording.answers if answer["tool_call"] is not None]
    assert [call_id for call_id, _ in asked] == [f"call_{call['id']}" for call in sent], "the ids the stub sent"
    assert all(start["attrs"]["framework"] == "pydantic_ai" for start, _ in runs.spans("tool"))


# -- tools that raise KeyError (apps/pydantic_ai_tool_error_app.py) -----------------------------------
error_runs = recorded_then_rerun_fixture("pydantic_ai_errors", ERROR_APP)


def test_a_tool_s_keyerror_a_capability_recovers_is_a_handled_failed_span_with_its_stack(
        error_runs: tuple[Recording, Run]) -> None:
    recording, _ = error_runs
    (start, end), _ = recording.spans("tool")
    assert (start["name"], end["status"], end["error"]["type"], end["error"]["message"]) == \
        ("lookup_weather", "failed", "KeyError", "'Atlantis'")
    assert (end["error"]["handled"], end["outputs"]) == (True, {"return": "no data: KeyError('Atlantis')"})
    assert ", in lookup_weather\n    return WEATHER[city]" in end["error"]["stack"]
    assert "lookup_weather gave the model: no data: KeyError('Atlantis')" in recording.run.app_lines()
    assert recording.of_type("run_end")[0]["status"] == "completed", "the run went on and answered"


def test_a_model_retry_raised_from_a_keyerror_is_handled_and_keeps_the_keyerror_s_stack(
        error_runs: tuple[Recording, Run]) -> None:
    recording, _ = error_runs
    _, (start, end) = recording.spans("tool")
    error = end["error"]
    assert (start["name"], end["status"], error["type"], error["handled"]) == \
        ("lookup_station", "failed", "pydantic_ai.exceptions.ModelRetry", True)
    assert error["stack"].startswith("Traceback") and "KeyError: 'Atlantis'" in error["stack"]
    assert ", in lookup_station\n    return STATIONS[city]" in error["stack"]


def test_a_rerun_of_the_failed_tools_gives_the_model_the_same_and_is_reproduced(
        error_runs: tuple[Recording, Run]) -> None:
    recording, rerun = error_runs
    assert (rerun.verdict(), rerun.returncode) == (REPRODUCED, 0)
    assert rerun.app_lines() == recording.run.app_lines()


# -- analyze, check, breakpoints ----------------------------------------------------------------------
def test_analyze_counts_the_tool_calls_and_the_failure(runs: Runs) -> None:
    tools = {tool["name"]: tool for tool in runs.bench.analyze(runs.recording)["tools"]}
    assert {name: (tool["calls"], tool["failures"]) for name, tool in tools.items()} == \
        {"get_weather": (3, 1), "get_time": (3, 0)}
    assert tools["get_weather"]["error_types"] == {"pydantic_ai.exceptions.ModelRetry": 1}


def test_check_forbid_names_the_tool_spans(runs: Runs) -> None:
    check = runs.bench.cli(runs.recording.url, "check", str(runs.recording.trace), "--forbid", "tool:get_time",
                           "--require", "tool:get_weather>=3")
    assert check.returncode == 1
    assert "check FAILED: 1 rule passed, 1 failed" in check.stdout.replace("\n", " ")
    assert "FAIL forbid tool:get_time: 3 occurrences" in check.stdout.replace("\n", " ")


def test_a_breakpoint_on_a_tool_stops_at_that_call(runs: Runs) -> None:
    walk = runs.bench.cli(runs.recording.url, "replay", str(runs.recording.trace), "-b", "tool:get_weather#2")
    assert walk.returncode == 0, walk.stderr
    assert "tool_call_start  tool:get_weather#2" in walk.stdout
    assert '{"city":"Oslo"}' in walk.stdout and "snow, -3 C" in walk.stdout


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_server_stopped_runs_no_tool_body_and_prints_the_same(runs: Runs) -> None:
    assert runs.offline.app_lines() == runs.recording.run.app_lines()
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0)
    assert runs.bodies_in_reruns == 0
    assert "calls         15 from the recording" in runs.offline.stdout  # 9 LLM calls and 6 tool calls


def test_a_rerun_sends_nothing_to_a_listening_server_and_answers_every_tool(runs: Runs) -> None:
    rerun = runs.listened.run
    assert runs.listened.hits == []
    report = rerun.report()
    assert report["counts"] == {"recorded": APP.requests + len(TOOLS), "mocked": 0, "replaced": 0, "forked": 0,
                                "reran": 0, "live": 0, "missed": 0}
    assert (report["reproduced"], rerun.returncode) == (True, 0)
    assert rerun.app_lines() == runs.recording.run.app_lines()


def test_a_mocked_tool_changes_what_the_agent_sends_and_that_request_misses(runs: Runs) -> None:
    """The mock parts the rerun: the request that carries the mocked time to the model is a reported miss,
    never the recorded answer to the request that carried 14:05."""
    assert runs.recording.run.app_lines()[0] == "tools: get_weather=light rain, 14 C, get_time=14:05"
    out = runs.mocked.stdout
    assert (runs.mocked.verdict(), runs.mocked.returncode) == ("not reproduced: 1 call(s) had no recorded answer", 1)
    assert "changed       tool:get_time#1" in out and "parted        at tool:get_time#1 (mocked)" in out
    assert "recorded '14:05', this call '23:59'), and the rerun parted from the recording at tool:get_time#1 " \
           "(mocked)" in out
    assert "agent:forecaster#1 > tool:get_time#1 end: outputs.return: recorded '14:05', rerun '23:59'" in out


def test_live_tools_runs_the_tool_bodies_and_answers_the_llm_calls(runs: Runs) -> None:
    assert runs.bodies_live == 6
    assert runs.live_tools.app_lines() == runs.recording.run.app_lines()
    assert "calls         9 from the recording, 6 run again (judged by what they returned)" in runs.live_tools.stdout
    # the bodies returned what they returned when recorded (the Atlantis one raised ModelRetry again)
    assert (runs.live_tools.verdict(), runs.live_tools.returncode) == (REPRODUCED, 0)


# -- concurrent tool calls --------------------------------------------------------------------------
def test_concurrent_tool_calls_open_in_the_order_the_model_asked_and_are_answered_by_place(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    skip_unless_installed("parallel", "pydantic_ai")
    bench = Workbench(tmp_path_factory.mktemp("pydantic_ai_parallel"), f"sk-test-{secrets.token_hex(16)}")
    script = bench.directory / "parallel.py"
    script.write_text(PARALLEL)
    recording = bench.record(App("parallel", ("pydantic_ai",), 0), script)
    log = bench.directory / "parallel_bodies.log"
    ran = len(log.read_text().splitlines())
    rerun = bench.rerun(recording)

    events = recording.events
    agents = {e["span_id"]: e["name"] for e in events if e["event_type"] == "agent_execution_start"}
    opened = [(agents[e["parent_id"]], e["name"], e["inputs"]["city"], e["attrs"]["tool_call_id"])
              for e in events if e["event_type"] == "tool_call_start"]
    asked = [("get_weather", "Paris", "w-Paris"), ("get_weather", "Oslo", "w-Oslo"), ("get_weather", "Rome", "w-Rome"),
             ("get_time", "Paris", "t")]
    assert sorted(set(agents.values())) == ["north", "south"]
    for agent in ("north", "south"):
        assert [call[1:] for call in opened if call[0] == agent] == asked
    ended = [e["outputs"]["return"] for e in events if e["event_type"] == "tool_call_end"]
    assert ended.index("weather of Oslo") < ended.index("weather of Paris"), "the calls ran concurrently"
    assert ran == 8
    assert (rerun.verdict(), rerun.returncode) == (REPRODUCED, 0)
    assert rerun.app_lines() == recording.run.app_lines()
    assert all(line.endswith("get_weather=weather of Paris, get_weather=weather of Oslo, get_weather=weather of Rome, "
                             "get_time=time of Paris") for line in rerun.app_lines())
    assert len(log.read_text().splitlines()) == ran, "no tool body ran in the rerun"


# -- install ----------------------------------------------------------------------------------------
def test_install_names_the_hook_point_a_pydantic_ai_without_it_lacks() -> None:
    from types import ModuleType  # noqa: PLC0415 - this test alone

    from namel3ss_debug.integrations.pydantic_ai import hook as pydantic_ai_hook  # noqa: PLC0415 - imports no framework

    old = ModuleType("pydantic_ai")
    old.Agent = type("Agent", (), {"iter": lambda self, user_prompt=None: None})  # type: ignore[attr-defined]
    assert pydantic_ai_hook.install(old) == ["Agent.iter(capabilities=...)"]
    assert old.Agent.iter.__name__ == "<lambda>", "left as it was"  # type: ignore[attr-defined]


def test_an_agent_under_a_durable_engine_is_given_no_capability() -> None:
    pytest.importorskip("pydantic_ai")
    from dataclasses import dataclass as plain  # noqa: PLC0415 - this test alone

    from pydantic_ai import Agent  # noqa: PLC0415 - only when installed
    from pydantic_ai.capabilities import AbstractCapability  # noqa: PLC0415 - as above
    from pydantic_ai.models.test import TestModel  # noqa: PLC0415 - as above

    from namel3ss_debug.integrations.pydantic_ai.capability import _durable  # noqa: PLC0415 - imports pydantic-ai

    @plain
    class BaseDurabilityCapability(AbstractCapability[None]):  # stands for pydantic_ai.durable_exec's, by its name
        pass

    assert _durable(Agent(TestModel(), capabilities=[BaseDurabilityCapability()]))
    assert not _durable(Agent(TestModel()))


def test_the_run_that_went_on_is_not_healthy_and_fails_max_errors_but_not_max_unhandled_errors(
        error_runs: tuple[Recording, Run]) -> None:
    report = assert_judged_survived(error_runs[0])
    assert "KeyError" in json.dumps(report["errors"]["by_type"])
