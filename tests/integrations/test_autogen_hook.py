"""AutoGen AgentChat 0.7 (autogen-agentchat, autogen-ext[openai]), traced with no change to the app
(`integrations/autogen_hook.py`), with and without an OpenTelemetry TracerProvider: each agent turn is
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
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

if str(Path(__file__).parent) not in sys.path:  # the helpers beside this file, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from framework_support import App, Recording, Run, Workbench, skip_unless_installed  # noqa: E402 - after the path

pytestmark = pytest.mark.frameworks

APP = App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai", "opentelemetry.sdk.trace"), 4, 2)
MODES = {"otel": {"AUTOGEN_OTEL": "1"}, "plain": {}}
REPRODUCED = "reproduced: the rerun matches the recording"
DIVERGED = "not reproduced: the rerun diverged from the recording"
BODIES = ["get_weather Paris", "get_time Paris"]
TOOLS = [("get_weather", {"city": "Paris"}, "light rain, 14 C"), ("get_time", {"city": "Paris"}, "14:05")]
Event = dict[str, Any]


class Bench(Workbench):
    """A workbench whose commands also get the app's switches (`env`)."""

    def __init__(self, directory: Path, key: str, env: dict[str, str]):
        super().__init__(directory, key)
        self.env = env

    def environ(self, url: str) -> dict[str, str]:
        return {**super().environ(url), **self.env}

    def bodies(self) -> list[str]:
        log = self.directory / "tool_bodies.log"
        return log.read_text().splitlines() if log.exists() else []


@dataclass(frozen=True)
class Runs:
    """One mode's recording, its analysis, its reruns, and the tool bodies each ran."""

    recording: Recording
    analysis: dict[str, Any]
    bodies_recorded: list[str]
    offline: Run
    bodies_offline: list[str]
    live: Run
    bodies_live: list[str]
    changed: Run
    bodies_changed: list[str]

    def spans(self, component: str) -> list[tuple[Event, Event]]:
        """(start, end) of each span of `component`, in the order they started."""
        ends = {e["span_id"]: e for e in self.recording.events if e["status"] != "started"}
        return [(e, ends[e["span_id"]]) for e in self.recording.events
                if e["component"] == component and e["status"] == "started"]


def runs_of(bench: Bench) -> Runs:
    recording = bench.record(APP)
    seen = [bench.bodies()]

    def rerun(*options: str) -> tuple[Run, list[str]]:
        run = bench.rerun(recording, *options)
        seen.append(bench.bodies())
        return run, seen[-1][len(seen[-2]):]

    offline = rerun()
    live = rerun("--live-tools")
    bench.env = {**bench.env, "WEATHER_CHANGED": "1"}
    changed = rerun("--live-tools")
    return Runs(recording, bench.analyze(recording), seen[0], *offline, *live, *changed)


@pytest.fixture(scope="module")
def modes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Runs]:
    skip_unless_installed(APP.stem, *APP.modules)
    key = f"sk-test-{secrets.token_hex(16)}"
    benches = {mode: Bench(tmp_path_factory.mktemp(f"autogen_{mode}"), key, env) for mode, env in MODES.items()}
    with ThreadPoolExecutor(len(benches)) as pool:  # each with its own directory and stub server
        futures = {mode: pool.submit(runs_of, bench) for mode, bench in benches.items()}
        return {mode: future.result() for mode, future in futures.items()}


@pytest.mark.parametrize("mode", MODES)
def test_each_tool_call_is_one_tool_span_with_its_arguments_and_result(modes: dict[str, Runs], mode: str) -> None:
    runs = modes[mode]
    tools = [(start["name"], start["inputs"], end["outputs"]["return"]) for start, end in runs.spans("tool")]
    assert tools == TOOLS
    assert {start["attrs"]["framework"] for start, _ in runs.spans("tool")} == {"autogen"}
    assert runs.bodies_recorded == BODIES
    assert len(runs.recording.hits) == APP.requests


@pytest.mark.parametrize("mode", MODES)
def test_each_tool_span_is_linked_to_the_llm_call_that_asked_for_it(modes: dict[str, Runs], mode: str) -> None:
    runs = modes[mode]
    asked = {call["id"]: (start["span_id"], call["name"], orjson.loads(call["arguments"]))
             for start, end in runs.spans("llm") for call in (end.get("outputs") or {}).get("tool_calls", [])}
    for start, _ in runs.spans("tool"):
        call_id = start["attrs"]["tool_call_id"]
        assert asked[call_id] == (start["attrs"]["llm_span_id"], start["name"], start["inputs"])
    assert len(asked) == len(runs.spans("tool")) == 2


@pytest.mark.parametrize("mode", MODES)
def test_the_agent_turns_hold_their_llm_and_tool_calls_and_the_team_holds_its_turn(modes: dict[str, Runs],
                                                                                   mode: str) -> None:
    runs = modes[mode]
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
def test_analyze_counts_two_agent_runs_and_both_tools(modes: dict[str, Runs], mode: str) -> None:
    components = {row["component"]: row["count"] for row in modes[mode].analysis["components"]}
    assert (components["agent"], components["tool"]) == (2, 2)


def test_opentelemetry_create_agent_is_recorded_as_bookkeeping_not_as_an_agent_run(modes: dict[str, Runs]) -> None:
    created = [start for start, _ in modes["otel"].spans("custom")]
    assert [(e["name"], e["attrs"]["otel_scope"]) for e in created] == [("create_agent forecaster", "autogen-core")]
    assert modes["plain"].spans("custom") == []


@pytest.mark.parametrize("mode", MODES)
def test_a_rerun_with_the_server_stopped_answers_the_tools_without_running_them(modes: dict[str, Runs],
                                                                                mode: str) -> None:
    runs = modes[mode]
    assert runs.bodies_offline == []
    assert runs.offline.app_lines() == runs.recording.run.app_lines()
    assert (runs.offline.verdict(), runs.offline.returncode) == (REPRODUCED, 0), runs.offline.stdout
    assert "calls         6 from the recording\n" in runs.offline.stdout


@pytest.mark.parametrize("mode", MODES)
def test_live_tools_runs_the_tool_bodies_and_judges_what_they_returned(modes: dict[str, Runs], mode: str) -> None:
    runs = modes[mode]
    assert runs.bodies_live == BODIES
    assert (runs.live.verdict(), runs.live.returncode) == (REPRODUCED, 0), runs.live.stdout
    assert "calls         4 from the recording, 2 run again (judged by what they returned)\n" in runs.live.stdout


@pytest.mark.parametrize("mode", MODES)
def test_a_changed_tool_run_live_is_a_divergence_at_its_result(modes: dict[str, Runs], mode: str) -> None:
    changed = modes[mode].changed
    assert modes[mode].bodies_changed == BODIES
    assert changed.verdict() == DIVERGED, changed.stdout
    divergence = next(line for line in changed.stdout.splitlines() if line.startswith("divergence"))
    assert divergence.endswith("tool:get_weather#1 end: outputs.return: recorded 'light rain, 14 C', "
                               "rerun 'heat wave, 38 C'"), divergence
