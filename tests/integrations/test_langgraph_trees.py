"""LangGraph's tree nests (issue 78): the hook records the graph and its nodes, so no agent is made from the wire
inside a node, and each model call sits in the `agent` step that made it, not in an agent span opened in the
first step that held the calls of every later one and ended after its parent (and, in a failed run, after the
run's error, `completed`).

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


def steps_and_their_calls(events: list[Event]) -> list[tuple[str, list[str]]]:
    """Each node step of the graph runs, in order: its name and the components of the spans right under it."""
    intervals = span_intervals(events)
    steps = [start for start, _ in intervals.values() if start["event_type"] == "chain_step_start"]
    return [(step["name"], [start["component"] for start, _ in intervals.values()
                            if start.get("parent_id") == step["span_id"]]) for step in steps]


@pytest.mark.parametrize("app", ["graph", "react"])
def test_every_span_of_a_langgraph_run_nests_in_its_parent(app: str, request: pytest.FixtureRequest) -> None:
    assert_nested(request.getfixturevalue(app).events)


def test_each_model_call_of_a_state_graph_sits_in_the_agent_step_that_made_it(graph: Recording) -> None:
    expected = [("lookup", ["custom"]), ("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"]),
                ("tools", ["tool"]), ("agent", ["llm"])]
    assert steps_and_their_calls(graph.events) == expected * 2  # `invoke`, then `ainvoke`
    assert graph.spans("agent") == []  # the hook's nodes say what runs: no agent is made from the wire in one


def test_each_model_call_of_create_react_agent_sits_in_the_agent_step_that_made_it(react: Recording) -> None:
    assert steps_and_their_calls(react.events) == [("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"]),
                                                   ("tools", ["tool"]), ("agent", ["llm"])]
    assert react.spans("chain")[0][0]["name"] == "weather_agent" and react.spans("agent") == []


def test_a_failed_langgraph_run_nests_and_nothing_ends_after_its_error_as_completed(
        react_failed: list[Event]) -> None:
    assert_nested(react_failed)
    [error] = [e for e in react_failed if e["event_type"] == "error_occurred"]
    assert error["name"] == "langgraph.errors.GraphRecursionError" and error["attrs"]["unhandled"] is True
    assert steps_and_their_calls(react_failed) == [("agent", ["llm"]), ("tools", ["tool"]), ("agent", ["llm"])]
    after = [e for e in react_failed if e["seq"] > error["seq"] and e["event_type"] != "run_end"]
    # the get_time call the second answer asked for, which the crash left unanswered: skipped, under the run
    assert [(e["event_type"], e["name"], e["status"], e["parent_id"]) for e in after] == [
        ("tool_call_start", "get_time", "started", error["parent_id"]),
        ("tool_call_end", "get_time", "skipped", error["parent_id"])]


def test_inspect_tree_shows_each_model_call_under_its_step(react: Recording) -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    shown = subprocess.run([sys.executable, "-m", "namel3ss_debug", "inspect", str(react.trace), "--tree"],
                           cwd=react.trace.parent, capture_output=True, text=True, timeout=180,
                           env={**environ, "NO_COLOR": "1", "COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    lines = [line.split("  completed")[0] for line in shown.stdout.splitlines()]
    assert lines[lines.index("└── chain_execution weather_agent"):] == [
        "└── chain_execution weather_agent",
        "    ├── chain_step agent",
        "    │   └── llm_call openai.chat",
        "    ├── chain_step tools",
        "    │   └── tool_call get_weather",
        "    ├── chain_step agent",
        "    │   └── llm_call openai.chat",
        "    ├── chain_step tools",
        "    │   └── tool_call get_time",
        "    └── chain_step agent",
        "        └── llm_call openai.chat"]
