"""openai-agents traced with no change to the app: each agent run is an `agent` span, each handoff a
`chain` span named `handoff`, each guardrail a `validation` span, and each function tool call a
`tool` span under its agent, linked to the LLM call that asked for it; `replay --rerun` answers the
tool from the recording without running its body. A tool's error is recorded both ways the SDK
handles it: raised, or handed to the model as a message.

apps/agents_handoff_app.py (two questions, each: triage agent -> handoff -> weather agent ->
get_weather -> answer; three requests a question) sets its own tracing processor and runs the
second question with tracing disabled. The tool's body writes one line to agents_tool_calls.txt in
the working directory each time it runs. The app is recorded once per module.

apps/agents_tool_error_app.py (one question; the tool raises KeyError, the SDK hands the model its
default message, the model answers) is recorded once too: a failed, handled tool span, rerun as recorded.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from framework_support import (App, Recording, Run, Workbench, assert_judged_survived, listening_at,
                               skip_unless_installed)
from support.stubserver import StubServer

pytestmark = pytest.mark.frameworks

AGENTS_APP = App("agents_handoff_app", ("agents", "openai"), 6)
ERROR_APP = App("agents_tool_error_app", ("agents", "openai"), 2, tools=1)
REPRODUCED = "reproduced: the rerun matches the recording"
PARIS = "weather got from its tool: light rain, 14 C"


@dataclass(frozen=True)
class Counted:
    """A command's run, the tool bodies that ran meanwhile (their cities), and what a listening server got."""

    run: Run
    bodies: list[str]
    hits: list[tuple[str, str]] | None = None


class LoggedBench(Workbench):
    """A workbench whose app writes its tool log (TOOL_LOG) to a file of its own, so that runs made
    at the same time count their own tool bodies."""

    def __init__(self, directory: Path, key: str, name: str):
        super().__init__(directory, key)
        self.log = directory / f"tool-log-{name}.txt"

    def environ(self, url: str) -> dict[str, str]:
        return {**super().environ(url), "TOOL_LOG": str(self.log)}

    def bodies(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    skip_unless_installed(AGENTS_APP.stem, *AGENTS_APP.modules)
    return LoggedBench(tmp_path_factory.mktemp("openai_agents"), f"sk-test-{secrets.token_hex(16)}", "trace")


@pytest.fixture(scope="module")
def recorded(bench: LoggedBench) -> tuple[Recording, list[str]]:
    return bench.record(AGENTS_APP), bench.bodies()


@pytest.fixture(scope="module")
def recording(recorded: tuple[Recording, list[str]]) -> Recording:
    return recorded[0]


def untraced(bench: LoggedBench) -> list[str]:
    """The app's lines run with plain `python`, no namel3ss-debug."""
    server = StubServer(api_key=bench.key, fresh=True).start()
    try:
        done = subprocess.run([sys.executable, str(AGENTS_APP.source)], cwd=bench.directory, capture_output=True,
                              text=True, env=bench.environ(server.url), timeout=120, check=False)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def listening(bench: LoggedBench, recording: Recording) -> Counted:
    """The rerun (`--format json`) with a fresh stub server listening at the recorded address."""
    server = listening_at(recording, bench.key)
    try:
        run = bench.rerun(recording, "--format", "json")
    finally:
        server.stop()
    return Counted(run, bench.bodies(), server.hits)


RERUNS: dict[str, Callable[[LoggedBench, Recording], Any]] = {
    "untraced": lambda bench, _: untraced(bench),
    "offline": lambda bench, recording: Counted(bench.rerun(recording), bench.bodies()),
    "listening": listening,
    "mocked": lambda bench, recording: Counted(
        bench.rerun(recording, "--mock", 'tool:get_weather#1="hail, 2 C"', "--format", "json"), bench.bodies()),
    "live_tools": lambda bench, recording: Counted(
        bench.rerun(recording, "--live-tools", "--format", "json"), bench.bodies()),
}


@pytest.fixture(scope="module")
def reruns(bench: LoggedBench, recording: Recording) -> dict[str, Any]:
    """The untraced run and the reruns, made at the same time, each counting its own tool bodies.
    (None of them may reach a server: the listening one's would see any that did.)"""
    with ThreadPoolExecutor(len(RERUNS)) as pool:
        futures = {name: pool.submit(run, LoggedBench(bench.directory, bench.key, name), recording)
                   for name, run in RERUNS.items()}
        return {name: future.result() for name, future in futures.items()}


def spans(recording: Recording, component: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(start, end) of each span of `component`, in the order they started."""
    starts = [e for e in recording.events if e["component"] == component and e["event_type"].endswith("_start")]
    ends = {e["span_id"]: e for e in recording.events if e["component"] == component
            and e["event_type"].endswith("_end")}
    return [(start, ends[start["span_id"]]) for start in starts]


def children(recording: Recording, parent_id: str) -> list[tuple[str, str]]:
    return [(e["component"], e["name"]) for e in recording.events
            if e["parent_id"] == parent_id and e["event_type"].endswith("_start")]


# -- trace ------------------------------------------------------------------------------------------
def test_each_agent_run_is_an_agent_span_holding_its_llm_calls_guardrail_handoff_and_tool(
        recording: Recording) -> None:
    agents = spans(recording, "agent")
    assert [start["name"] for start, _ in agents] == ["triage", "weather"] * 2, "the disabled run's agents too"
    root = recording.of_type("run_start")[0]["span_id"]
    assert {start["parent_id"] for start, _ in agents} == {root}
    triage, weather = agents[0][0]["span_id"], agents[1][0]["span_id"]
    assert children(recording, triage) == [("validation", "on_topic"), ("llm", "openai.responses"),
                                           ("chain", "handoff")]
    assert children(recording, weather) == [("llm", "openai.responses"), ("tool", "get_weather"),
                                            ("llm", "openai.responses")]
    assert agents[0][1]["attrs"] == {"tools": [], "handoffs": ["weather"]}
    assert agents[1][1]["attrs"] == {"tools": ["get_weather"], "handoffs": []}
    assert len(recording.of_type("llm_call_end")) == len(recording.hits) == AGENTS_APP.requests


def test_a_handoff_records_who_handed_over_to_whom_and_the_tool_call_it_answers(recording: Recording) -> None:
    llm_ends = {e["span_id"]: e for e in recording.of_type("llm_call_end")}
    handoffs = spans(recording, "chain")
    assert len(handoffs) == 2
    for start, end in handoffs:
        assert (start["name"], start["inputs"], end["outputs"]) == \
            ("handoff", {"from_agent": "triage"}, {"to_agent": "weather"})
        attrs = end["attrs"]
        assert (attrs["from_agent"], attrs["to_agent"]) == ("triage", "weather")
        asked = llm_ends[attrs["llm_span_id"]]["outputs"]["tool_calls"]
        assert [(call["id"], call["name"]) for call in asked] == [(attrs["tool_call_id"], "transfer_to_weather")]
    assert recording.of_type("run_end")[0]["attrs"]["tool_calls"]["hooked"] == 4, "no handoff call left to the wire"


def test_a_guardrail_records_whether_it_tripped(recording: Recording) -> None:
    ends = [end for _, end in spans(recording, "validation")]
    assert [(end["name"], end["status"], end["outputs"]) for end in ends] == \
        [("on_topic", "completed", {"triggered": False})] * 2


def test_each_tool_call_records_its_arguments_result_and_the_llm_call_that_asked(
        recorded: tuple[Recording, list[str]]) -> None:
    recording, bodies = recorded
    assert bodies == ["Paris", "Oslo"]
    tools = spans(recording, "tool")
    assert [(start["name"], start["inputs"], end["outputs"]) for start, end in tools] == \
        [("get_weather", {"city": "Paris"}, {"return": "light rain, 14 C"}),
         ("get_weather", {"city": "Oslo"}, {"return": "snow, -3 C"})]
    llm_ends = {e["span_id"]: e for e in recording.of_type("llm_call_end")}
    for start, _ in tools:
        attrs = start["attrs"]
        asker = llm_ends[attrs["llm_span_id"]]
        assert attrs["framework"] == "openai-agents"
        assert [call["id"] for call in asker["outputs"]["tool_calls"]] == [attrs["tool_call_id"]]
        assert asker["parent_id"] == start["parent_id"], "asked by its own agent's LLM call"


def test_the_apps_own_processor_sees_what_it_sees_untraced(recording: Recording, reruns: dict[str, Any]) -> None:
    seen = [line for line in recording.run.app_lines() if line.startswith("app processor saw:")]
    assert seen == [line for line in reruns["untraced"] if line.startswith("app processor saw:")]
    assert seen == [("app processor saw: agent=2, function=1, guardrail=1, handoff=1, response=3, task=1, "
                     "trace=1, turn=3")], "the first question only: the second ran with tracing disabled"


def test_analyze_and_check_count_the_tool_calls(bench: Workbench, recording: Recording) -> None:
    tools = bench.analyze(recording)["tools"]
    assert [(tool["name"], tool["calls"], tool["failures"]) for tool in tools] == [("get_weather", 2, 0)]
    check = bench.cli(recording.url, "check", str(recording.trace), "--forbid", "tool:get_weather")
    assert check.returncode == 1 and "2 occurrences" in check.stdout


# -- replay --rerun ---------------------------------------------------------------------------------
def test_rerun_with_the_server_stopped_runs_no_tool_body_and_prints_the_same(recording: Recording,
                                                                             reruns: dict[str, Any]) -> None:
    offline = reruns["offline"]
    assert offline.bodies == []
    lines = recording.run.app_lines()
    assert PARIS in lines and any("[nonce " in line for line in lines)
    assert offline.run.app_lines() == lines
    assert (offline.run.verdict(), offline.run.returncode) == (REPRODUCED, 0)


def test_rerun_sends_no_request_and_answers_the_tool_calls_from_the_recording(recording: Recording,
                                                                            reruns: dict[str, Any]) -> None:
    listening = reruns["listening"]
    assert (listening.hits, listening.bodies) == ([], [])
    report = listening.run.report()
    assert report["counts"] == {"recorded": 8, "mocked": 0, "replaced": 0, "forked": 0,
                                "reran": 0, "live": 0, "missed": 0}
    assert (report["reproduced"], listening.run.returncode) == (True, 0)
    assert listening.run.app_lines() == recording.run.app_lines()


def test_a_mocked_tool_call_reaches_the_model_and_the_request_carrying_it_misses(reruns: dict[str, Any]) -> None:
    """The mock parts the rerun: the next request carries the mocked result, so it is a reported miss, never
    the recorded answer to the request that carried Paris's weather."""
    run, bodies = reruns["mocked"].run, reruns["mocked"].bodies
    assert bodies == [] and run.returncode == 1
    report = run.report()
    assert report["parted"] == {"call": "tool:get_weather#1", "how": "mocked"}
    assert (report["counts"]["mocked"], report["counts"]["missed"], report["counts"]["live"]) == (1, 1, 0)
    why = report["misses"][0]["why"]
    assert "recorded 'light rain, 14 C', this call 'hail, 2 C'" in why, why


def test_live_tools_runs_the_tool_bodies_and_still_answers_the_llm_calls(recording: Recording,
                                                                       reruns: dict[str, Any]) -> None:
    run, bodies = reruns["live_tools"].run, reruns["live_tools"].bodies
    assert bodies == ["Paris", "Oslo"]
    assert run.report()["counts"] == {"recorded": 6, "mocked": 0, "replaced": 0, "forked": 0,
                                      "reran": 2, "live": 0, "missed": 0}
    assert run.app_lines() == recording.run.app_lines()
    assert run.report()["reproduced"] is True  # the bodies ran again and returned what they returned


def test_a_breakpoint_stops_at_the_second_tool_call_in_the_second_weather_agent(bench: Workbench,
                                                                              recording: Recording) -> None:
    stop = bench.cli(recording.url, "replay", str(recording.trace), "-b", "tool:get_weather#2", "--format", "json")
    first = stop.stdout.splitlines()[0]
    assert '"call":"tool:get_weather#2"' in first and '"call":"agent:weather#2"' in first


# -- a tool that raises KeyError, handed to the model by the SDK (apps/agents_tool_error_app.py) -----------
@pytest.fixture(scope="module")
def error_recording(bench: LoggedBench) -> Recording:
    return bench.record(ERROR_APP)


def test_a_tool_s_keyerror_the_sdk_hands_the_model_is_a_failed_span_with_its_stack(
        error_recording: Recording) -> None:
    [(start, end)] = spans(error_recording, "tool")
    message = "An error occurred while running the tool. Please try again."
    assert (start["name"], start["inputs"]) == ("lookup_weather", {"city": "Atlantis"})
    assert (end["status"], end["outputs"]) == ("failed", {"return": message})
    error = end["error"]
    assert (error["type"], error["message"], error["handled"]) == ("KeyError", "'Atlantis'", True)
    assert ", in lookup_weather\n    return STATIONS[city]" in error["stack"]
    assert error_recording.run.app_lines()[0] == f"the tool gave the model: {message}"
    assert error_recording.of_type("run_end")[0]["status"] == "completed", "the run went on and answered"


def test_a_rerun_of_the_handled_keyerror_gives_the_app_the_message_and_is_reproduced(
        bench: LoggedBench, error_recording: Recording) -> None:
    run = bench.rerun(error_recording)
    assert (run.verdict(), run.returncode) == (REPRODUCED, 0)
    assert run.app_lines() == error_recording.run.app_lines()


# -- tool errors (in process, no model: the tool invoked the way the runner invokes it) ------------------
@pytest.fixture
def hooked() -> Any:
    """The hook installed in this process over a trace provider of the test's, and taken out after."""
    agents = pytest.importorskip("agents")
    from agents.tracing import get_trace_provider, set_trace_provider  # noqa: PLC0415 - agents is optional
    from agents.tracing.provider import DefaultTraceProvider  # noqa: PLC0415 - as above

    from namel3ss_debug.integrations.openai_agents import hook as openai_agents_hook  # noqa: PLC0415 - the hook under test

    saved_provider, saved_post_init = get_trace_provider(), agents.FunctionTool.__dict__["__post_init__"]
    saved_failures = agents.tool.maybe_invoke_function_tool_failure_error_function
    set_trace_provider(DefaultTraceProvider())
    assert openai_agents_hook.install(agents) == []
    yield agents
    agents.FunctionTool.__post_init__ = saved_post_init
    agents.tool.maybe_invoke_function_tool_failure_error_function = saved_failures
    set_trace_provider(saved_provider)


def invoke_in_function_span(agents: Any, tool: Any, call_id: str) -> Any:
    """What the runner does with a tool the model asked for: a function span, then the tool's invoker."""
    import asyncio  # noqa: PLC0415 - only these tests drive a loop

    from agents.tool import invoke_function_tool  # noqa: PLC0415 - agents is optional
    from agents.tool_context import ToolContext  # noqa: PLC0415 - as above

    arguments = '{"city": "Atlantis"}'
    context = ToolContext(context=None, tool_name=tool.name, tool_call_id=call_id, tool_arguments=arguments)

    async def run() -> Any:
        with agents.trace("errors"), agents.function_span(tool.name):
            return await invoke_function_tool(function_tool=tool, context=context, arguments=arguments)

    return asyncio.run(run())


def test_a_tool_error_the_sdk_hands_the_model_fails_the_span_as_handled_with_the_message(hooked: Any) -> None:
    from namel3ss_debug.testing import capture_events  # noqa: PLC0415 - after the hook

    @hooked.function_tool
    def lookup(city: str) -> str:
        raise ValueError(f"no weather station in {city}")

    hooked.set_tracing_disabled(True)  # the app's choice: our span is made all the same
    with capture_events() as run:
        result = invoke_in_function_span(hooked, lookup, "call_1")
    end = next(e for e in run.events if e["event_type"] == "tool_call_end")
    assert result.startswith("An error occurred while running the tool")
    assert (end["status"], end["outputs"]) == ("failed", {"return": result})
    error = end["error"]
    assert (error["type"], error["message"], error["handled"]) == ("ValueError", "no weather station in Atlantis",
                                                                   True)
    assert "in lookup" in error["stack"] and "attrs" not in end


def test_a_custom_failure_function_s_message_is_what_the_span_keeps(hooked: Any) -> None:
    from namel3ss_debug.testing import capture_events  # noqa: PLC0415 - after the hook

    @hooked.function_tool(failure_error_function=lambda _ctx, exc: f"lookup failed: {exc!r}")
    def lookup(city: str) -> str:
        return {"Paris": "rain"}[city]

    with capture_events() as run:
        result = invoke_in_function_span(hooked, lookup, "call_3")
    end = next(e for e in run.events if e["event_type"] == "tool_call_end")
    assert result == "lookup failed: KeyError('Atlantis')"
    assert (end["status"], end["outputs"], end["error"]["type"], end["error"]["handled"]) == \
        ("failed", {"return": result}, "KeyError", True)


def test_a_tool_error_the_sdk_raises_fails_the_tool_span(hooked: Any) -> None:
    from namel3ss_debug.testing import capture_events  # noqa: PLC0415 - after the hook

    @hooked.function_tool(failure_error_function=None)
    def lookup(city: str) -> str:
        raise ValueError(f"no weather station in {city}")

    hooked.set_tracing_disabled(True)
    with capture_events() as run, pytest.raises(ValueError, match="Atlantis"):
        invoke_in_function_span(hooked, lookup, "call_2")
    start, end = (e for e in run.events if e["component"] == "tool")
    assert (start["inputs"], start["attrs"]["tool_call_id"]) == ({"city": "Atlantis"}, "call_2")
    assert (end["status"], end["error"]["type"], "outputs" in end) == ("failed", "ValueError", False)


def test_the_run_that_went_on_is_not_healthy_and_fails_max_errors_but_not_max_unhandled_errors(
        error_recording: Recording) -> None:
    report = assert_judged_survived(error_recording)
    assert "KeyError" in json.dumps(report["errors"]["by_type"])
