"""LangGraph's tree nests (issue 78): the hook records the graph and its nodes, and a graph that runs its tools
through a `ToolNode` as an agent: one `agent` span right under the graph's, holding every step, so each model
call sits in the `agent` step that made it, inside the agent. Before, an agent made from the wire opened in the
first step and held the calls of every later one, ended after its parent and, in a failed run, after the run's
error, `completed`.

apps/langgraph_tools_app.py (a StateGraph: lookup -> agent <-> ToolNode, run with `invoke` and `ainvoke`) and
apps/langgraph_react_app.py (`create_react_agent`, run to its answer, and with RECURSION_LIMIT=3, which stops
it with an unhandled `GraphRecursionError` after its second request) are traced against the stub on 127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from typing import Any

import orjson
import pytest
from framework_support import App, Recording, Workbench, skip_unless_installed
from support.nesting import assert_nested, span_intervals

pytestmark = pytest.mark.frameworks

MODULES = ("langgraph", "langchain_openai")
GRAPH = App("langgraph_tools_app", MODULES, 6)
REACT = App("langgraph_react_app", MODULES, 3)
Event = dict[str, Any]


def failed_recording(bench: Workbench, app: App) -> list[Event]:
    """`app` traced against a stub of its own, failing as it is meant to (exit 1): the trace's events."""
    script = bench.directory / "apps" / app.source.name
    script.parent.mkdir(exist_ok=True)
    script.write_text(app.source.read_text())
    server = bench.serve()
    try:
        out = bench.directory / "failed"
        run = bench.cli(server.url, "trace", "-o", str(out), str(script))
    finally:
        server.stop()
    assert run.returncode == 1, run.stderr
    [trace] = sorted(out.glob("*.jsonl"))
    return [orjson.loads(line) for line in trace.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    skip_unless_installed(GRAPH.stem, *GRAPH.modules)
    return Workbench(tmp_path_factory.mktemp("graph"), f"sk-test-{secrets.token_hex(16)}").record(GRAPH)


@pytest.fixture(scope="module")
def react(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    skip_unless_installed(REACT.stem, *REACT.modules)
    return Workbench(tmp_path_factory.mktemp("react"), f"sk-test-{secrets.token_hex(16)}").record(REACT)


@pytest.fixture(scope="module")
def react_failed(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    skip_unless_installed(REACT.stem, *REACT.modules)
    bench = Workbench(tmp_path_factory.mktemp("react_failed"), f"sk-test-{secrets.token_hex(16)}",
                      env={"RECURSION_LIMIT": "3"})
    return failed_recording(bench, REACT)


@pytest.fixture(scope="module")
def react_out_of_steps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Recording, Any]:
    """create_react_agent whose `remaining_steps` run out as its model asks for a second tool (RECURSION_LIMIT=4):
    the graph answers "Sorry, need more steps to process this request." itself, and the run completes; and
    `diagnose` of its trace."""
    skip_unless_installed(REACT.stem, *REACT.modules)
    bench = Workbench(tmp_path_factory.mktemp("react_sorry"), f"sk-test-{secrets.token_hex(16)}",
                      env={"RECURSION_LIMIT": "4"})
    recording = bench.record(App("langgraph_react_app", MODULES, 2))
    return recording, bench.cli(recording.url, "diagnose", str(recording.trace))


def steps_and_their_calls(events: list[Event]) -> list[tuple[str, list[str]]]:
    """Each node step of the graph runs, in order: its name and the components of the spans right under it."""
    intervals = span_intervals(events)
    steps = [start for start, _ in intervals.values() if start["event_type"] == "chain_step_start"]
    return [(step["name"], [start["component"] for start, _ in intervals.values()
                            if start.get("parent_id") == step["span_id"]]) for step in steps]


def agents_of_graphs(events: list[Event]) -> list[tuple[Event, Event, Event]]:
    """Each graph run's agent: (the graph's start, the agent's start, the agent's end), asserting that the agent
    is the graph's only child and the parent of every step under the graph."""
    intervals = span_intervals(events)
    found = []
    for graph, _ in (pair for pair in intervals.values() if pair[0]["event_type"] == "chain_execution_start"):
        [(agent, agent_end)] = [pair for pair in intervals.values() if pair[0].get("parent_id") == graph["span_id"]]
        assert agent["event_type"] == "agent_execution_start", agent
        steps = [start for start, _ in intervals.values() if start["event_type"] == "chain_step_start"
                 and start["seq"] in range(agent["seq"], agent_end["seq"])]
        assert steps and all(step["parent_id"] == agent["span_id"] for step in steps)
        found.append((graph, agent, agent_end))
    return found


@pytest.mark.parametrize("app", ["graph", "react"])
def test_every_span_of_a_langgraph_run_nests_in_its_parent(app: str, request: pytest.FixtureRequest) -> None:
    assert_nested(request.getfixturevalue(app).events)


def test_a_state_graph_with_a_tool_node_is_one_agent_holding_its_steps(graph: Recording) -> None:
    expected = [("lookup", ["custom"]), ("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"]),
                ("tools", ["tool"]), ("agent", ["llm"])]
    assert steps_and_their_calls(graph.events) == expected * 2  # `invoke`, then `ainvoke`
    agents = agents_of_graphs(graph.events)
    assert [(agent["name"], agent["attrs"]["tools"], end["status"]) for _, agent, end in agents] == [
        ("weather_graph", ["get_weather", "get_time"], "completed")] * 2
    assert len(graph.spans("agent")) == 2  # one a graph run: no agent is made from the wire in a step


def test_create_react_agent_is_one_agent_named_as_the_app_named_it(react: Recording) -> None:
    assert steps_and_their_calls(react.events) == [("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"]),
                                                   ("tools", ["tool"]), ("agent", ["llm"])]
    [(graph, agent, end)] = agents_of_graphs(react.events)
    assert (graph["name"], agent["name"]) == ("weather_agent", "weather_agent")
    assert agent["inputs"] == {"input": "What is the weather in Lisbon"}
    assert end["outputs"]["output"] == react.printed_answers()[0] and end["status"] == "completed"


def test_a_failed_langgraph_run_ends_its_agent_failed_before_the_graph_and_the_run(
        react_failed: list[Event]) -> None:
    assert_nested(react_failed)
    [error] = [e for e in react_failed if e["event_type"] == "error_occurred"]
    assert error["name"] == "langgraph.errors.GraphRecursionError" and error["attrs"]["unhandled"] is True
    assert steps_and_their_calls(react_failed) == [("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"])]
    [(graph, agent, agent_end)] = agents_of_graphs(react_failed)
    graph_end = next(e for e in react_failed if e["span_id"] == graph["span_id"] and e["status"] != "started")
    assert (agent_end["status"], agent_end["error"]["type"]) == ("failed", "langgraph.errors.GraphRecursionError")
    assert agent_end["seq"] < graph_end["seq"] < error["seq"]
    after = [e for e in react_failed if e["seq"] > error["seq"] and e["event_type"] != "run_end"]
    # the get_time call the second answer asked for, which the crash left unanswered: skipped, under the run
    assert [(e["event_type"], e["name"], e["status"], e["parent_id"]) for e in after] == [
        ("tool_call_start", "get_time", "started", error["parent_id"]),
        ("tool_call_end", "get_time", "skipped", error["parent_id"])]


def test_inspect_tree_shows_each_model_call_under_its_step_in_the_agent(react: Recording) -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    shown = subprocess.run([sys.executable, "-m", "namel3ss_debug", "inspect", str(react.trace), "--tree"],
                           cwd=react.trace.parent, capture_output=True, text=True, timeout=180,
                           env={**environ, "NO_COLOR": "1", "COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    lines = [line.split("  completed")[0] for line in shown.stdout.splitlines()]
    assert lines[lines.index("└── chain_execution weather_agent"):] == [
        "└── chain_execution weather_agent",
        "    └── agent_execution weather_agent",
        "        ├── chain_step agent",
        "        │   └── llm_call openai.chat",
        "        ├── chain_step tools",
        "        │   └── tool_call get_weather",
        "        ├── chain_step agent",
        "        │   └── llm_call openai.chat",
        "        ├── chain_step tools",
        "        │   └── tool_call get_time",
        "        └── chain_step agent",
        "            └── llm_call openai.chat"]



def test_a_failed_langgraph_run_is_blamed_on_its_agent_and_its_error_counted_once(
        react_failed: list[Event], tmp_path: Any) -> None:
    trace = tmp_path / "failed.jsonl"
    trace.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in react_failed))
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}

    def shown(*command: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", command[0], str(trace), *command[1:]],
                              cwd=tmp_path, capture_output=True, timeout=180, env={**environ, "NO_COLOR": "1"})
        assert done.returncode == 0, done.stderr
        return orjson.loads(done.stdout)

    errors = shown("analyze", "--format", "json", "--section", "errors")["errors"]
    assert (errors["total"], errors["failed_spans"]) == (1, 2)  # the agent's and the graph's: one error
    [blame] = shown("diagnose", "--format", "json")["blames"]
    assert (blame["agent"], blame["step"]["address"]) == ("weather_agent", "llm:openai.chat#2")


def test_create_react_agent_out_of_steps_is_a_turn_limit_of_its_agent(
        react_out_of_steps: tuple[Recording, Any]) -> None:
    recording, diagnosed = react_out_of_steps
    assert recording.printed_answers() == ["Sorry, need more steps to process this request."]
    assert [end["status"] for end in recording.of_type("run_end")] == ["completed"]
    [(_, agent, end)] = agents_of_graphs(recording.events)
    assert end["outputs"]["output"] == "Sorry, need more steps to process this request."
    assert diagnosed.returncode == 0, diagnosed.stderr
    assert ("turn_limit (high confidence, agent weather_agent): the run was stopped by LangGraph's turn limit"
            in diagnosed.stdout)
    assert "which sets `create_react_agent`'s `remaining_steps`" in diagnosed.stdout
