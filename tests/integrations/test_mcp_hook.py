"""MCP tool calls traced with no change to the app: `ClientSession.call_tool` is a `tool` span named
after the MCP tool, holding the arguments and the `CallToolResult`, and `replay --rerun` answers it
from the recording without reaching the MCP server.

apps/mcp_tools_app.py starts apps/mcp_weather_server.py over stdio and asks the stub LLM two questions
(four chat completions, two MCP tool calls, the second an `is_error` result: a handled failed span); the
server writes one line to mcp_tool_calls.txt in the working directory each time the tool's body runs.
The app is recorded once per module; each rerun counts the bodies that ran in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from framework_support import APPS, App, Recording, Run, Workbench, listening_at, new_bench, skip_unless_installed

from namel3ss_debug import get_tracer
from namel3ss_debug.integrations.mcp import hook as mcp_hook
from namel3ss_debug.integrations.tools import arun_tool
from namel3ss_debug.testing import capture_events

pytestmark = pytest.mark.frameworks

MCP_APP = App("mcp_tools_app", ("mcp", "openai"), 4)
REPRODUCED = "reproduced: the rerun matches the recording"
LISBON = "tool get_weather -> CallToolResult: sunny, 24 C (is_error=False)"
ATLANTIS = ("tool get_weather -> CallToolResult: Error executing tool get_weather: no weather station in Atlantis "
            "(is_error=True)")


@dataclass(frozen=True)
class Counted:
    """A command's run and the tool bodies the MCP server ran meanwhile (the cities it was asked)."""

    run: Run
    bodies: list[str]
    hits: list[tuple[str, str]] | None = None


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    skip_unless_installed(MCP_APP.stem, *MCP_APP.modules)
    return new_bench(tmp_path_factory, "mcp")


def bodies_ran(bench: Workbench, step: Any) -> tuple[Any, list[str]]:
    """What `step()` returns, and the tool bodies the server ran during it."""
    calls = bench.directory / "mcp_tool_calls.txt"
    calls.write_text("")
    result = step()
    return result, calls.read_text().splitlines()


@pytest.fixture(scope="module")
def recorded(bench: Workbench) -> tuple[Recording, list[str]]:
    return bodies_ran(bench, lambda: bench.record(MCP_APP))


@pytest.fixture(scope="module")
def recording(recorded: tuple[Recording, list[str]]) -> Recording:
    return recorded[0]


@pytest.fixture(scope="module")
def offline(bench: Workbench, recording: Recording) -> Counted:
    """The rerun with the stub server stopped."""
    return Counted(*bodies_ran(bench, lambda: bench.rerun(recording)))


@pytest.fixture(scope="module")
def listening(bench: Workbench, recording: Recording) -> Counted:
    """The rerun (`--format json`) with a fresh stub server listening at the recorded address."""
    server = listening_at(recording, bench.key)
    try:
        run, bodies = bodies_ran(bench, lambda: bench.rerun(recording, "--format", "json"))
    finally:
        server.stop()
    return Counted(run, bodies, server.hits)


def tool_spans(recording: Recording) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    ends = {e["span_id"]: e for e in recording.of_type("tool_call_end")}
    return [(start, ends[start["span_id"]]) for start in recording.of_type("tool_call_start")]


# -- trace ------------------------------------------------------------------------------------------
def test_each_mcp_tool_call_is_one_tool_span_with_its_arguments_result_and_server(
        recorded: tuple[Recording, list[str]]) -> None:
    recording, bodies = recorded
    assert bodies == ["Lisbon", "Atlantis"]
    spans = tool_spans(recording)
    assert [(start["name"], start["inputs"]) for start, _ in spans] == \
        [("get_weather", {"city": "Lisbon"}), ("get_weather", {"city": "Atlantis"})]
    for start, _ in spans:
        server = {key: start["attrs"][key] for key in ("framework", "mcp_server", "mcp_server_version")}
        assert server == {"framework": "mcp", "mcp_server": "weather", "mcp_server_version": "1.4.0"}
        assert start["attrs"]["mcp_protocol_version"]
    first = spans[0][1]
    assert first["outputs"]["return"]["content"][0]["text"] == "sunny, 24 C"
    assert first["outputs"]["return"]["is_error"] is False


def test_an_is_error_result_is_a_handled_failed_span_holding_the_result(recording: Recording) -> None:
    _, end = tool_spans(recording)[1]
    text = "Error executing tool get_weather: no weather station in Atlantis"
    assert end["status"] == "failed"
    assert {key: end["error"][key] for key in ("type", "message", "handled")} == \
        {"type": "ToolError", "message": text, "handled": True}
    assert "stack" not in end["error"], "the exception stayed in the server's process"
    assert (end["outputs"]["return"]["is_error"], end["outputs"]["return"]["content"][0]["text"]) == (True, text)


def test_each_tool_span_comes_between_the_llm_call_that_asked_for_it_and_the_next(recording: Recording) -> None:
    order = [(e["component"], e["event_type"].rsplit("_", 1)[1]) for e in recording.events
             if e["component"] in ("llm", "tool")]
    assert order == [("llm", "start"), ("llm", "end"), ("tool", "start"), ("tool", "end"),
                     ("llm", "start"), ("llm", "end")] * 2
    agents = [e for e in recording.events if e["event_type"] == "agent_execution_start"]
    assert [agent["attrs"]["source"] for agent in agents] == ["wire", "wire"]  # the loop's two conversations
    llm_parents = [e["parent_id"] for e in recording.events if e["event_type"] == "llm_call_start"]
    assert llm_parents == [agents[0]["span_id"]] * 2 + [agents[1]["span_id"]] * 2
    tool_parents = [e["parent_id"] for e in recording.events if e["event_type"] == "tool_call_start"]
    assert tool_parents == [agents[0]["span_id"], agents[1]["span_id"]], "each hooked tool in its conversation"


def test_each_tool_span_is_linked_by_name_and_arguments_to_the_llm_call_that_asked(recording: Recording) -> None:
    # call_tool is given no model tool call id: the span is matched to the asking LLM call's tool call
    asked = [(end["span_id"], call) for end in recording.events if end["event_type"] == "llm_call_end"
             for call in (end.get("outputs") or {}).get("tool_calls", [])]
    assert len(asked) == 2
    for (start, _), (llm_span_id, call) in zip(tool_spans(recording), asked):
        assert (start["attrs"]["tool_call_id"], start["attrs"]["llm_span_id"], start["attrs"]["linked_by"]) == \
            (call["id"], llm_span_id, "name_and_arguments")
        assert call["name"] == start["name"]


def test_analyze_counts_the_mcp_tool_calls(bench: Workbench, recording: Recording) -> None:
    tools = bench.analyze(recording)["tools"]
    assert [(tool["name"], tool["calls"], tool["failures"]) for tool in tools] == [("get_weather", 2, 1)]


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_breakpoint_on_an_mcp_tool_stops_at_that_call(bench: Workbench, recording: Recording) -> None:
    walk = bench.cli(recording.url, "replay", str(recording.trace), "-b", "tool:get_weather#2")
    assert walk.returncode == 0, walk.stderr
    assert "tool_call_start  tool:get_weather#2" in walk.stdout
    assert '{"city":"Atlantis"}' in walk.stdout


def test_rerun_with_the_server_stopped_runs_no_tool_body_and_prints_the_same(recording: Recording,
                                                                             offline: Counted) -> None:
    assert offline.bodies == []
    lines = recording.run.app_lines()
    assert LISBON in lines and ATLANTIS in lines, "the rebuilt results are CallToolResult objects again"
    assert offline.run.app_lines() == lines
    assert (offline.run.verdict(), offline.run.returncode) == (REPRODUCED, 0)


def test_rerun_sends_no_request_and_answers_the_tool_calls_from_the_recording(recording: Recording,
                                                                            listening: Counted) -> None:
    assert (listening.hits, listening.bodies) == ([], [])
    report = listening.run.report()
    assert report["counts"] == {"recorded": 6, "mocked": 0, "replaced": 0, "forked": 0,
                                "reran": 0, "live": 0, "missed": 0}
    assert (report["reproduced"], listening.run.returncode) == (True, 0)
    assert listening.run.app_lines() == recording.run.app_lines()


def test_a_mocked_mcp_tool_call_reaches_the_model_and_that_request_misses(bench: Workbench,
                                                                         recording: Recording) -> None:
    """The mock parts the rerun: the app gets the mocked result, and the request that carries it to the model
    is a reported miss, never the recorded answer to the request that carried Lisbon's weather."""
    run, bodies = bodies_ran(bench, lambda: bench.rerun(recording, "--mock", 'tool:get_weather#1="cloudy"',
                                                        "--format", "json"))
    assert bodies == [] and run.returncode == 1
    report = run.report()
    assert report["parted"] == {"call": "tool:get_weather#1", "how": "mocked"}
    assert (report["counts"]["mocked"], report["counts"]["missed"], report["counts"]["live"]) == (1, 1, 0)
    why = report["misses"][0]["why"]
    assert "cloudy" in why and "the rerun parted from the recording at tool:get_weather#1 (mocked)" in why, why


def test_live_tools_runs_the_mcp_tool_bodies_and_still_answers_the_llm_calls(bench: Workbench,
                                                                           recording: Recording) -> None:
    run, bodies = bodies_ran(bench, lambda: bench.rerun(recording, "--live-tools", "--format", "json"))
    assert bodies == ["Lisbon", "Atlantis"]
    assert run.report()["counts"] == {"recorded": 4, "mocked": 0, "replaced": 0, "forked": 0,
                                      "reran": 2, "live": 0, "missed": 0}
    assert run.app_lines() == recording.run.app_lines()
    report = run.report()
    # the bodies ran again and returned what they returned
    assert report["reproduced"] is True, (report["not_reproduced"], report["comparison"], report["network"])


# -- inside a framework's tool span (in process, the server in memory) ------------------------------
@pytest.fixture
def hooked() -> Iterator[Any]:
    """ClientSession.call_tool hooked in this process, and put back after."""
    mcp = pytest.importorskip("mcp")
    original = mcp.ClientSession.__dict__["call_tool"]
    assert mcp_hook.install(mcp) == []
    yield mcp
    mcp.ClientSession.call_tool = original


def weather_server(mcp: Any) -> Any:
    from mcp.server.mcpserver import MCPServer  # noqa: PLC0415 - mcp is optional

    server = MCPServer("weather", version="1.4.0", log_level="WARNING")
    bodies: list[str] = []

    @server.tool()
    def get_weather(city: str) -> str:
        bodies.append(city)
        return "sunny, 24 C"

    server.bodies = bodies
    return server


def test_a_tool_body_raising_keyerror_on_the_server_is_a_failed_handled_span_and_the_app_goes_on(
        hooked: Any) -> None:
    from mcp.server.mcpserver import MCPServer  # noqa: PLC0415 - mcp is optional

    server = MCPServer("lookup", log_level="WARNING")

    @server.tool()
    def lookup(key: str) -> str:
        return {"known": "yes"}[key]

    async def main() -> Any:
        async with hooked.Client(server) as client:
            return await client.call_tool("lookup", {"key": "missing"})

    with capture_events() as run:
        result = asyncio.run(main())
    assert result.is_error is True, "the app got the server's error result, as without us"
    [end] = run.calls("tool")
    assert (end["status"], end["error"]["type"], end["error"]["handled"]) == ("failed", "ToolError", True)
    # mcp 2 tells a client no more of an exception the tool did not mean to raise (it logs it on the server)
    assert end["error"]["message"] == "Error executing tool lookup" == end["outputs"]["return"]["content"][0]["text"]


def test_mcp_client_calls_outside_any_tool_span_open_their_own(hooked: Any) -> None:
    server = weather_server(hooked)

    async def main() -> Any:
        async with hooked.Client(server) as client:
            return await client.call_tool("get_weather", {"city": "Lisbon"})

    with capture_events() as run:
        result = asyncio.run(main())
    assert (type(result).__name__, server.bodies) == ("CallToolResult", ["Lisbon"])
    [end] = run.calls("tool")
    assert (end["name"], end["outputs"]["return"]["content"][0]["text"]) == ("get_weather", "sunny, 24 C")


def test_inside_a_frameworks_tool_span_the_mcp_call_opens_no_second_span(hooked: Any) -> None:
    server = weather_server(hooked)

    async def main() -> Any:
        async with hooked.Client(server) as client:
            return await arun_tool(get_tracer(), "openai-agents", "get_weather", {"city": "Oslo"},
                                   lambda: client.call_tool("get_weather", {"city": "Oslo"}), call_id="call_1")

    with capture_events() as run:
        result = asyncio.run(main())
    assert (type(result).__name__, server.bodies) == ("CallToolResult", ["Oslo"])
    [start] = [e for e in run.events if e["event_type"] == "tool_call_start"]
    assert (start["attrs"]["framework"], start["attrs"]["tool_call_id"]) == ("openai-agents", "call_1")
    [end] = run.calls("tool")
    assert (end["attrs"]["mcp_server"], end["attrs"]["mcp_server_version"]) == ("weather", "1.4.0")


# -- openai-agents running the MCP server's tool ----------------------------------------------------
AGENTS_APP = f'''
import asyncio, os, sys

from agents import Agent, Runner, set_default_openai_api, set_default_openai_client, set_tracing_disabled
from agents.mcp import MCPServerStdio
from openai import AsyncOpenAI


async def main():
    set_tracing_disabled(True)
    set_default_openai_api("chat_completions")
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    params = {{"command": sys.executable, "args": [{str(APPS / "mcp_weather_server.py")!r}],
              "env": {{"MCP_TOOL_CALLS": os.path.abspath("mcp_tool_calls.txt")}}}}
    async with MCPServerStdio(params=params, name="weather") as server:
        agent = Agent(name="forecaster", instructions="Answer.", model="gpt-4o-mini", mcp_servers=[server])
        result = await Runner.run(agent, "What is the weather in Lisbon?")
        print(f"answer: {{result.final_output}}")


asyncio.run(main())
'''


@pytest.fixture(scope="module")
def agents_recorded(bench: Workbench) -> tuple[Recording, list[str]]:
    skip_unless_installed("openai-agents with MCP", "agents")
    script = bench.directory / "agents_mcp_app.py"
    script.write_text(AGENTS_APP)
    return bodies_ran(bench, lambda: bench.record(App("agents_mcp_app", ("agents", "mcp"), 2), script))


def test_an_mcp_tool_run_by_openai_agents_is_one_tool_span_linked_to_the_llm_call(
        agents_recorded: tuple[Recording, list[str]]) -> None:
    recording, bodies = agents_recorded
    assert bodies == ["Lisbon"]
    [(start, end)] = tool_spans(recording)
    [(asker, _), _] = recording.spans("llm")
    assert (start["name"], start["inputs"], start["attrs"]["framework"]) == ("get_weather", {"city": "Lisbon"},
                                                                               "openai-agents")
    assert start["attrs"]["llm_span_id"] == asker["span_id"]
    assert end["status"] == "completed"
    assert (end["attrs"]["mcp_server"], end["attrs"]["mcp_server_version"]) == ("weather", "1.4.0")


def test_an_mcp_tool_run_by_openai_agents_is_answered_by_the_rerun(
        bench: Workbench, agents_recorded: tuple[Recording, list[str]]) -> None:
    recording = agents_recorded[0]
    run, bodies = bodies_ran(bench, lambda: bench.rerun(recording))
    assert bodies == []
    assert run.app_lines() == recording.run.app_lines()
    assert (run.verdict(), run.returncode) == (REPRODUCED, 0)
