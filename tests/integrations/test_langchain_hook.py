"""LangChain / LangGraph traced with no change to the app: a graph run and its nodes are `chain` spans,
a retriever a `custom_retrieval` span, each tool call a `tool` span linked to the LLM call that asked
for it, and `replay --rerun` serves the tools' recorded results without running their bodies.

apps/langgraph_tools_app.py runs a StateGraph (lookup -> agent <-> ToolNode) twice, with `invoke` and
with `ainvoke`, against the stub: six requests, four tool calls. It is recorded once for the module and
rerun with the stub stopped (as recorded, with a mocked tool, with `--live-tools`); each tool body
appends its name to `tool_bodies.log` in the working directory, so the tests count the bodies that ran.

apps/langgraph_tool_error_app.py (agent <-> ToolNode(handle_tool_errors=True), `invoke` then `ainvoke`; the
tool raises KeyError, which the ToolNode hands the model as an error ToolMessage) is recorded and rerun with
the stub stopped.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from framework_support import (App, Recording, Run, Workbench, assert_judged_survived, recorded_then_rerun_fixture,
                               skip_unless_installed)

pytestmark = pytest.mark.frameworks

APP = App("langgraph_tools_app", ("langgraph", "langchain_openai"), 6)
ERROR_APP = App("langgraph_tool_error_app", ("langgraph", "langchain_openai"), 4, tools=2)
REPRODUCED = "reproduced: the rerun matches the recording"
NODES = ["lookup", "agent", "tools", "agent", "tools", "agent"]
TOOLS = [("get_weather", "Lisbon"), ("get_time", "Lisbon"), ("get_weather", "Porto"), ("get_time", "Porto")]
Event = dict[str, Any]


@dataclass
class Runs:
    """The recording and what was made of it, with the tool bodies run after each step."""

    recording: Recording
    bodies: list[str]
    offline: Run
    mocked: Run
    bodies_after_reruns: list[str]
    live: Run
    bodies_after_live: list[str]
    analysis: dict[str, Any]
    forbid: Run
    stop: Run

    def spans(self) -> dict[str, tuple[Event, Event]]:
        """Each span's (start, end) by span id, in start order."""
        ends = {e["span_id"]: e for e in self.recording.events if e["event_type"].endswith("_end")}
        return {e["span_id"]: (e, ends[e["span_id"]]) for e in self.recording.events
                if e["event_type"].endswith("_start") and e["event_type"] not in ("run_start", "segment_start")}

    def of_type(self, event_type: str) -> list[Event]:
        return self.recording.of_type(event_type)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    skip_unless_installed(APP.stem, *APP.modules)
    bench = Workbench(tmp_path_factory.mktemp("langchain"), f"sk-test-{secrets.token_hex(16)}")
    log = bench.directory / "tool_bodies.log"

    def bodies() -> list[str]:
        return log.read_text().split() if log.exists() else []

    recording = bench.record(APP)
    recorded_bodies = bodies()
    trace = str(recording.trace)
    with ThreadPoolExecutor(3) as pool:  # readers of the trace beside the reruns (one at a time: their folders)
        analysis = pool.submit(bench.analyze, recording)
        forbid = pool.submit(bench.cli, recording.url, "check", trace, "--forbid", "tool:get_weather")
        stop = pool.submit(bench.cli, recording.url, "replay", trace, "-b", "tool:get_time#2", "--format", "json")
        offline = bench.rerun(recording)
        mocked = bench.rerun(recording, "--mock", 'tool:get_weather#1="rainy in Lisbon"')
        after_reruns = bodies()
        live = bench.rerun(recording, "--live-tools")
        return Runs(recording, recorded_bodies, offline, mocked, after_reruns, live, bodies(), analysis.result(),
                    forbid.result(), stop.result())


def test_each_graph_run_is_a_chain_span_holding_its_agent_and_its_nodes_in_order(runs: Runs) -> None:
    spans = runs.spans()
    graphs = [start for start, _ in spans.values() if start["event_type"] == "chain_execution_start"]
    assert [g["name"] for g in graphs] == ["weather_graph", "weather_graph"]
    for graph in graphs:  # the graph runs its tools through a ToolNode: an agent, which holds the nodes
        [agent] = [start for start, _ in spans.values() if start["parent_id"] == graph["span_id"]]
        assert (agent["event_type"], agent["name"]) == ("agent_execution_start", "weather_graph")
        nodes = [start for start, _ in spans.values()
                 if start["event_type"] == "chain_step_start" and start["parent_id"] == agent["span_id"]]
        assert [n["name"] for n in nodes] == NODES
        assert [n["attrs"]["langgraph_step"] for n in nodes] == [1, 2, 3, 4, 5, 6]
        assert {n["attrs"]["framework"] for n in nodes} == {"langgraph"}
    first_input = graphs[0]["inputs"]["messages"][0]
    # no uuid: a rerun's is the same
    assert first_input == {"type": "human", "content": "What is the weather in Lisbon"}


def test_langchains_internal_runnables_make_no_span(runs: Runs) -> None:
    names = {start["name"] for start, _ in runs.spans().values() if start["component"] == "chain"}
    assert names == {"weather_graph", *NODES}  # no tools_condition, RunnableSequence, ChannelWrite...


def test_each_llm_call_nests_under_the_agent_node_that_made_it(runs: Runs) -> None:
    spans = runs.spans()
    llm = [start for start, _ in spans.values() if start["component"] == "llm"]
    assert len(llm) == len(runs.recording.requests) == APP.requests
    assert {spans[call["parent_id"]][0]["name"] for call in llm} == {"agent"}


def test_each_tool_call_is_a_tool_span_in_the_tools_node_with_its_arguments_and_result(runs: Runs) -> None:
    spans = runs.spans()
    tools = [(start, end) for start, end in spans.values() if start["component"] == "tool"]
    assert [(start["name"], start["inputs"]["city"]) for start, _ in tools] == TOOLS
    for (start, end), (name, city) in zip(tools, TOOLS):
        assert start["inputs"] == {"city": city}
        assert spans[start["parent_id"]][0]["name"] == "tools"
        message = end["outputs"]["return"]  # what the app got: the ToolMessage
        assert (message["type"], message["name"], message["tool_call_id"]) == (
            "tool", name, start["attrs"]["tool_call_id"])
        expected = f"sunny in {city}" if name == "get_weather" else f"noon in {city}"
        assert message["content"] == expected
        label = "sync" if city == "Lisbon" else "async"
        assert f"{label} tool {name}: {expected}" in runs.recording.run.app_lines()


def test_each_tool_span_names_the_llm_call_that_asked_for_it(runs: Runs) -> None:
    spans = runs.spans()
    for start, _ in (pair for pair in spans.values() if pair[0]["component"] == "tool"):
        asker_start, asker_end = spans[start["attrs"]["llm_span_id"]]
        assert asker_start["component"] == "llm"
        asked = [(call["id"], call["name"]) for call in asker_end["outputs"]["tool_calls"]]
        assert asked == [(start["attrs"]["tool_call_id"], start["name"])]


def test_a_retriever_is_a_span_in_its_node_with_the_query_and_documents(runs: Runs) -> None:
    spans = runs.spans()
    found = [(start, end) for start, end in spans.values() if start["event_type"] == "custom_retrieval_start"]
    assert [(start["name"], start["inputs"]) for start, _ in found] == [("Notes", {"query": "Lisbon"}),
                                                                         ("Notes", {"query": "Porto"})]
    assert {spans[start["parent_id"]][0]["name"] for start, _ in found} == {"lookup"}
    assert found[0][1]["outputs"]["documents"] == [{"page_content": "Lisbon has a river.",
                                                    "metadata": {"source": "notes"}}]


def test_the_apps_own_callbacks_still_run_beside_ours(runs: Runs) -> None:
    assert f"sync callbacks saw: {','.join(NODES)}" in runs.recording.run.app_lines()


def test_the_recording_ran_each_tool_body_once_a_call(runs: Runs) -> None:
    assert runs.bodies == [name for name, _ in TOOLS]


def test_a_rerun_with_the_server_stopped_serves_the_tools_results_without_running_them(runs: Runs) -> None:
    assert runs.offline.returncode == 0, runs.offline.stderr
    assert runs.offline.app_lines() == runs.recording.run.app_lines()
    assert runs.offline.verdict() == REPRODUCED
    assert runs.bodies_after_reruns == runs.bodies  # neither rerun ran a tool body
    assert len(runs.recording.hits) == APP.requests  # the server, stopped since, got nothing more


def test_a_mocked_tool_result_is_what_the_graph_gets_and_the_request_carrying_it_misses(runs: Runs) -> None:
    """The mock parts the rerun: the graph gets the mocked result, and the request that carries it to the
    model is a reported miss, never the recorded answer to the request that carried 'sunny in Lisbon'."""
    assert (runs.mocked.verdict(), runs.mocked.returncode) == ("not reproduced: 1 call(s) had no recorded answer", 1)
    assert "parted        at tool:get_weather#1 (mocked)" in runs.mocked.stdout
    assert "this call 'rainy in Lisbon'), and the rerun parted from the recording at tool:get_weather#1 (mocked)" \
        in runs.mocked.stdout


def test_live_tools_runs_the_tool_bodies_again_and_says_so(runs: Runs) -> None:
    assert runs.bodies_after_live == runs.bodies + [name for name, _ in TOOLS]
    assert runs.live.app_lines() == runs.recording.run.app_lines()  # the bodies answer as they did
    assert "4 run again (judged by what they returned)" in runs.live.stdout
    assert (runs.live.verdict(), runs.live.returncode) == ("reproduced: the rerun matches the recording", 0)
    assert "divergence    none" in runs.live.stdout


def test_analyze_counts_the_tool_calls(runs: Runs) -> None:
    calls = {tool["name"]: (tool["calls"], tool["failures"]) for tool in runs.analysis["tools"]}
    assert calls == {"get_weather": (2, 0), "get_time": (2, 0)}


def test_check_forbid_finds_the_tool_calls(runs: Runs) -> None:
    assert runs.forbid.returncode == 1
    assert "FAIL forbid tool:get_weather: 2 occurrences" in " ".join(runs.forbid.stdout.split())


def test_a_breakpoint_on_a_tools_second_call_stops_there(runs: Runs) -> None:
    stop = json.loads(runs.stop.stdout.splitlines()[0])
    assert (stop["reason"], stop["call"]) == ("breakpoint", "tool:get_time#2")
    assert stop["event"]["inputs"] == {"city": "Porto"}


# -- a tool's KeyError a ToolNode hands the model (apps/langgraph_tool_error_app.py) ---------------------
error_runs = recorded_then_rerun_fixture("langgraph_errors", ERROR_APP)


def test_a_tool_s_keyerror_the_tool_node_hands_the_model_is_a_handled_failed_span(
        error_runs: tuple[Recording, Run]) -> None:
    recording, _ = error_runs
    message = "Error: KeyError('Atlantis')\n Please fix your mistakes."
    tools = recording.spans("tool")
    assert len(tools) == 2, "invoke's run and ainvoke's arun"
    for start, end in tools:
        error, told = end["error"], end["outputs"]["return"]
        assert (start["name"], end["status"], error["type"], error["message"], error["handled"]) == \
            ("lookup_weather", "failed", "KeyError", "'Atlantis'", True)
        assert ", in lookup_weather\n    return STATIONS[city]" in error["stack"]
        assert (told["type"], told["status"], told["content"]) == ("tool", "error", message)
        assert told["tool_call_id"] == start["attrs"]["tool_call_id"]
    assert [e["status"] for e in recording.of_type("chain_execution_end")] == ["completed"] * 2
    assert recording.of_type("run_end")[0]["status"] == "completed"


def test_a_rerun_gives_the_graph_the_recorded_error_message_and_is_reproduced(
        error_runs: tuple[Recording, Run]) -> None:
    recording, rerun = error_runs
    assert (rerun.verdict(), rerun.returncode) == (REPRODUCED, 0)
    assert rerun.app_lines() == recording.run.app_lines()
    assert "sync tool lookup_weather (error): Error: KeyError('Atlantis')" in rerun.app_lines()


# A ToolNode with the default `handle_tool_errors` (argument errors only) fed one tool call, no model: the
# tool's KeyError goes on out of the graph, and the app catches it.
LETS_GO = '''
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode


@tool
def lookup(city: str) -> str:
    """A city's station."""
    return {}[city]


graph = StateGraph(MessagesState)
graph.add_node("tools", ToolNode([lookup]))
graph.add_edge(START, "tools")
call = {"name": "lookup", "args": {"city": "Atlantis"}, "id": "call_1", "type": "tool_call"}
try:
    graph.compile().invoke({"messages": [AIMessage("", tool_calls=[call])]})
except KeyError as exc:
    print(f"the app caught {exc!r}")
'''


def test_a_tool_error_the_tool_node_lets_go_on_fails_the_span_unmarked(tmp_path: Path) -> None:
    skip_unless_installed("lets_go", "langgraph")
    bench = Workbench(tmp_path, f"sk-test-{secrets.token_hex(16)}")
    script = tmp_path / "lets_go.py"
    script.write_text(LETS_GO)
    recording = bench.record(App("lets_go", ("langgraph",), 0), script)
    [(_, end)] = recording.spans("tool")
    assert recording.run.app_lines() == ["the app caught KeyError('Atlantis')"]
    assert (end["status"], end["error"]["type"], "handled" in end["error"], "outputs" in end) == \
        ("failed", "KeyError", False, False)


def test_the_run_that_went_on_is_not_healthy_and_fails_max_errors_but_not_max_unhandled_errors(
        error_runs: tuple[Recording, Run]) -> None:
    report = assert_judged_survived(error_runs[0])
    assert "KeyError" in json.dumps(report["errors"]["by_type"])
