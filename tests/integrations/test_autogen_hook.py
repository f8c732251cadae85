"""AutoGen AgentChat 0.7 (autogen-agentchat, autogen-ext[openai]), traced with no change to the app
(`integrations/autogen/hook.py`), with and without an OpenTelemetry TracerProvider: each agent turn is
an `agent` span and the team run a `chain` span over the LLM calls the HTTP transport records, each tool
call one `tool` span with its arguments and result, linked to the LLM call that asked for it, and
`replay --rerun` answers the tools from the recording without running their bodies.

apps/autogen_app.py (an `AssistantAgent` with `get_weather` and `get_time`, asked once by `agent.run`
and once through a one-agent `RoundRobinGroupChat` named `desk`) is recorded twice, with `AUTOGEN_OTEL=1`
(an SDK provider: autogen-core emits `create_agent`, `invoke_agent` and `execute_tool` spans of its own)
and without. Each recording is rerun with its server stopped, with `--live-tools`, and with
`--live-tools` and `WEATHER_CHANGED=1` (`get_weather` now says something else). The tools add a line to
`tool_bodies.log` each time a body runs.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import orjson
import pytest
from framework_support import (
    App,
    Reruns,
    Run,
    Workbench,
    assert_handled_keyerror,
    record_and_rerun,
    skip_unless_installed,
)

pytestmark = pytest.mark.frameworks

APP = App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai", "opentelemetry.sdk.trace"), 4, 2)
MODES = {"otel": {"AUTOGEN_OTEL": "1"}, "plain": {}}
REPRODUCED = "reproduced: the rerun matches the recording"
BODIES = ["get_weather Paris", "get_time Paris"]
TOOLS = [("get_weather", {"city": "Paris"}, "light rain, 14 C"), ("get_time", {"city": "Paris"}, "14:05")]


@dataclass(frozen=True)
class Mode:
    """One mode's recording and its reruns, then a rerun with `--live-tools` and `get_weather` changed
    (`changed`), and the tool bodies that one ran."""

    runs: Reruns
    changed: Run
    bodies_changed: list[str]


def mode_of(bench: Workbench) -> Mode:
    runs = record_and_rerun(bench, APP)
    before = bench.bodies()
    bench.env = {**bench.env, "WEATHER_CHANGED": "1"}
    changed = bench.rerun(runs.recording, "--live-tools")
    return Mode(runs, changed, bench.bodies()[len(before):])


@pytest.fixture(scope="module")
def modes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Mode]:
    skip_unless_installed(APP.stem, *APP.modules)
    key = f"sk-test-{secrets.token_hex(16)}"
    benches = {mode: Workbench(tmp_path_factory.mktemp(f"autogen_{mode}"), key, env=env)
               for mode, env in MODES.items()}
    with ThreadPoolExecutor(len(benches)) as pool:  # each with its own directory and stub server
        futures = {mode: pool.submit(mode_of, bench) for mode, bench in benches.items()}
        return {mode: future.result() for mode, future in futures.items()}


@pytest.mark.parametrize("mode", MODES)
def test_each_tool_call_is_one_tool_span_with_its_arguments_and_result(modes: dict[str, Mode], mode: str) -> None:
    runs = modes[mode].runs
    tools = [(start["name"], start["inputs"], end["outputs"]["return"]) for start, end in runs.spans("tool")]
    assert tools == TOOLS
    assert {start["attrs"]["framework"] for start, _ in runs.spans("tool")} == {"autogen"}
    assert runs.bodies_recorded == BODIES
    assert len(runs.recording.hits) == APP.requests


@pytest.mark.parametrize("mode", MODES)
def test_each_tool_span_is_linked_to_the_llm_call_that_asked_for_it(modes: dict[str, Mode], mode: str) -> None:
    runs = modes[mode].runs
    asked = {call["id"]: (start["span_id"], call["name"], orjson.loads(call["arguments"]))
             for start, end in runs.spans("llm") for call in (end.get("outputs") or {}).get("tool_calls", [])}
    for start, _ in runs.spans("tool"):
        call_id = start["attrs"]["tool_call_id"]
        assert asked[call_id] == (start["attrs"]["llm_span_id"], start["name"], start["inputs"])
    assert len(asked) == len(runs.spans("tool")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_the_agent_turns_hold_their_llm_and_tool_calls_and_the_team_holds_its_turn(modes: dict[str, Mode],
                                                                                   mode: str) -> None:
    runs = modes[mode].runs
    agents = runs.spans("agent")
    [(team, team_end)] = runs.spans("chain")
    assert [start["name"] for start, _ in agents] == ["forecaster", "forecaster"]
    assert (team["name"], team["inputs"], team_end["outputs"]["stop_reason"]) == \
        ("desk", {"task": "Is it cold in Oslo?"}, "Maximum number of turns 1 reached.")
    first, second = (start["span_id"] for start, _ in agents)
    [root] = runs.recording.of_type("run_start")
    assert [start["parent_id"] for start, _ in agents] == [root["span_id"], team["span_id"]]
    assert team["parent_id"] == root["span_id"]
    assert [start["parent_id"] for start, _ in runs.spans("llm")] == [first, first, first, second]
    assert [start["parent_id"] for start, _ in runs.spans("tool")] == [first, first]
    assert [end["outputs"]["return"] for _, end in agents] == [line.removeprefix("answer: ")
                                                              for line in runs.recording.run.app_lines()]


@pytest.mark.parametrize("mode", MODES)
def test_analyze_counts_two_agent_runs_and_both_tools(modes: dict[str, Mode], mode: str) -> None:
    runs = modes[mode].runs
    components = {row["component"]: row["count"] for row in runs.bench.analyze(runs.recording)["components"]}
    assert (components["agent"], components["tool"]) == (2, 2)


def test_opentelemetry_create_agent_is_recorded_as_bookkeeping_not_as_an_agent_run(modes: dict[str, Mode]) -> None:
    created = [start for start, _ in modes["otel"].runs.spans("custom")]
    assert [(e["name"], e["attrs"]["otel_scope"]) for e in created] == [("create_agent forecaster", "autogen-core")]
    assert modes["plain"].runs.spans("custom") == []


@pytest.mark.parametrize("mode", MODES)
def test_a_rerun_with_the_server_stopped_answers_the_tools_without_running_them(modes: dict[str, Mode],
                                                                                mode: str) -> None:
    runs = modes[mode].runs
    assert runs.bodies_offline == []
    assert runs.offline.app_lines() == runs.recording.run.app_lines()
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0), runs.offline.stdout
    assert "calls         6 from the recording\n" in runs.offline.stdout


@pytest.mark.parametrize("mode", MODES)
def test_live_tools_runs_the_tool_bodies_and_judges_what_they_returned(modes: dict[str, Mode], mode: str) -> None:
    runs = modes[mode].runs
    assert runs.bodies_live == BODIES
    assert (runs.live.verdict(), runs.live.returncode) == (REPRODUCED, 0), runs.live.stdout
    assert "calls         4 from the recording, 2 run again (judged by what they returned)\n" in runs.live.stdout


@pytest.mark.parametrize("mode", MODES)
def test_a_changed_tool_run_live_is_a_divergence_at_its_result(modes: dict[str, Mode], mode: str) -> None:
    changed = modes[mode].changed
    # the tool parts the rerun: the next model request carries 'heat wave' and misses, never the stale answer,
    # so the rerun stops there, before the model could ask for get_time
    assert modes[mode].bodies_changed == BODIES[:1]
    assert changed.verdict() == "not reproduced: 1 call(s) had no recorded answer", changed.stdout
    assert "parted        at tool:get_weather#1 (live)" in changed.stdout
    divergence = next(line for line in changed.stdout.splitlines() if line.startswith("divergence"))
    assert divergence.endswith("tool:get_weather#1 end: outputs.return: recorded 'light rain, 14 C', "
                               "rerun 'heat wave, 38 C'"), divergence


# -- a tool that raises KeyError, handed to the model by the agent's workbench (apps/autogen_tool_error_app.py) --
ERROR_APP = App("autogen_tool_error_app", ("autogen_agentchat", "autogen_ext.models.openai"), 2, 1)


@pytest.fixture(scope="module")
def error_runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    skip_unless_installed(ERROR_APP.stem, *ERROR_APP.modules)
    bench = Workbench(tmp_path_factory.mktemp("autogen_error"), f"sk-test-{secrets.token_hex(16)}")
    return record_and_rerun(bench, ERROR_APP)


def test_a_tools_keyerror_the_workbench_hands_the_model_is_a_handled_failed_span_with_its_stack(
        error_runs: Reruns) -> None:
    recording = error_runs.recording
    [(start, end)] = error_runs.spans("tool")
    assert (start["name"], start["inputs"]) == ("lookup_weather", {"city": "Atlantis"})
    assert_handled_keyerror(end, "lookup_weather")
    assert recording.run.app_lines()[0] == "the tool gave the model: 'Atlantis' (is_error=True)"
    assert recording.of_type("run_end")[0]["status"] == "completed", "the agent went on and answered"


def test_a_rerun_of_the_handled_keyerror_raises_it_again_for_the_workbench_and_is_reproduced(
        error_runs: Reruns) -> None:
    assert (error_runs.bodies_recorded, error_runs.bodies_offline) == (["lookup_weather Atlantis"], [])
    assert (error_runs.offline.verdict(), error_runs.offline.returncode) == (REPRODUCED, 0), error_runs.offline.stdout
    assert error_runs.offline.app_lines() == error_runs.recording.run.app_lines()
