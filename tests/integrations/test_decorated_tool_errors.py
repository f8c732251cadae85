"""A tool decorated with `@trace_tool_call` that raises inside an app's own OpenAI tool loop, which catches the
exception and tells the model: the tool's span is failed with the exception's type, message and stack, though
the app caught it, and a rerun raises the recorded exception again where the tool was called, for the loop to
catch as it did. The tool sits in the conversation's agent from the wire, with the LLM calls, in the trace and
in `inspect --tree`.

apps/raw_loop_tool_error_app.py (one question, two requests; `lookup_weather` raises KeyError, the loop sends
"error: KeyError('Atlantis')" as the tool's result, the model answers) is recorded once, then rerun with the
stub stopped.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from framework_support import App, Recording, Run, assert_judged_survived, recorded_then_rerun_fixture

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.frameworks

APP = App("raw_loop_tool_error_app", ("openai",), 2, tools=1)
REPRODUCED = "reproduced: the rerun matches the recording"


runs = recorded_then_rerun_fixture("decorated_tool_errors", APP)


def test_a_decorated_tool_s_keyerror_the_loop_caught_is_a_failed_span_with_its_stack(
        runs: tuple[Recording, Run]) -> None:
    recording, _ = runs
    [(start, end)] = [(start, end) for start, end in recording.spans("tool") if end["status"] == "failed"]
    assert (start["name"], start["inputs"]) == ("lookup_weather", {"city": "Atlantis"})
    assert (end["error"]["type"], end["error"]["message"]) == ("KeyError", "'Atlantis'")
    assert ", in lookup_weather\n    return STATIONS[city]" in end["error"]["stack"]
    assert "handled" not in end["error"], "the decorator cannot know the app caught it: readers decide"
    assert recording.run.app_lines()[0] == "the tool gave the model: error: KeyError('Atlantis')"
    assert recording.of_type("run_end")[0]["status"] == "completed", "the loop went on and the model answered"


def test_a_rerun_raises_the_recorded_keyerror_for_the_loop_to_catch_and_is_reproduced(
        runs: tuple[Recording, Run]) -> None:
    recording, rerun = runs
    assert (rerun.verdict(), rerun.returncode) == (REPRODUCED, 0)
    assert rerun.app_lines() == recording.run.app_lines()


def test_the_run_that_went_on_is_not_healthy_and_fails_max_errors_but_not_max_unhandled_errors(
        runs: tuple[Recording, Run]) -> None:
    report = assert_judged_survived(runs[0])
    assert "KeyError" in json.dumps(report["errors"]["by_type"])


def test_the_decorated_tool_sits_in_the_wire_agent_beside_the_llm_calls_in_the_trace_and_the_tree(
        runs: tuple[Recording, Run]) -> None:
    recording, _ = runs
    [(agent, _)] = recording.spans("agent")
    children = [start["parent_id"] for component in ("llm", "tool") for start, _ in recording.spans(component)]
    assert children == [agent["span_id"]] * 3
    tree = CliRunner().invoke(cli, ["inspect", str(recording.trace), "--tree", "--format", "json"],
                              catch_exceptions=False)
    nodes = [(n["depth"], n["component"], n["name"]) for n in json.loads(tree.stdout)["nodes"]]
    at = nodes.index((1, "agent", "agent(lookup_weather)"))  # named by the tool it was offered
    assert nodes[at + 1:at + 4] == [(2, "llm", "openai.chat"), (2, "tool", "lookup_weather"),
                                    (2, "llm", "openai.chat")]
