"""An AutoGen AgentChat app (autogen-agentchat 0.7 with autogen-ext[openai]), traced with and without an
OpenTelemetry TracerProvider: the verdict of its rerun depends on what the app did, not on how its tools
were seen.

apps/autogen_app.py (an `AssistantAgent` with `get_weather` and `get_time`, its model client pointed at
the stub) is recorded twice, with `AUTOGEN_OTEL=1` (an SDK provider: autogen-core's `execute_tool` spans
become tool spans) and without (the tools leave no span). AutoGen has no hook of ours, so in a rerun its
tool bodies run again either way, while the LLM calls are answered from the recording. Each recording is
rerun as it is, and with `WEATHER_CHANGED=1` (`get_weather` now says something else).
"""

from __future__ import annotations

import secrets
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:  # the helpers beside this file, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from framework_support import App, Recording, Run, Workbench, skip_unless_installed  # noqa: E402 - after the path

pytestmark = pytest.mark.frameworks

APP = App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai", "opentelemetry.sdk.trace"), 4)
MODES = {"otel": {"AUTOGEN_OTEL": "1"}, "plain": {}}
REPRODUCED = "reproduced: the rerun matches the recording"
DIVERGED = "not reproduced: the rerun diverged from the recording"
CHANGED = "inputs.messages[3].content: recorded 'light rain, 14 C', rerun 'heat wave, 38 C'"
BODIES = ["get_weather Paris", "get_time Paris"]


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
    """One mode's recording, its reruns, and the tool bodies each ran."""

    recording: Recording
    bodies_recorded: list[str]
    same: Run
    bodies_same: list[str]
    changed: Run
    bodies_changed: list[str]


def runs_of(bench: Bench) -> Runs:
    recording = bench.record(APP)
    recorded = bench.bodies()
    same = bench.rerun(recording)
    after_same = bench.bodies()
    bench.env = {**bench.env, "WEATHER_CHANGED": "1"}
    changed = bench.rerun(recording)
    after_changed = bench.bodies()
    return Runs(recording, recorded, same, after_same[len(recorded):], changed, after_changed[len(after_same):])


@pytest.fixture(scope="module")
def modes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Runs]:
    skip_unless_installed(APP.stem, *APP.modules)
    key = f"sk-test-{secrets.token_hex(16)}"
    benches = {mode: Bench(tmp_path_factory.mktemp(f"autogen_{mode}"), key, env) for mode, env in MODES.items()}
    with ThreadPoolExecutor(len(benches)) as pool:  # each with its own directory and stub server
        futures = {mode: pool.submit(runs_of, bench) for mode, bench in benches.items()}
        return {mode: future.result() for mode, future in futures.items()}


def tool_spans(recording: Recording) -> list[str]:
    return [e["name"] for e in recording.events if e["event_type"] == "tool_call_start"]


def test_opentelemetry_on_records_the_tools_as_spans_and_off_records_none(modes: dict[str, Runs]) -> None:
    assert tool_spans(modes["otel"].recording) == ["get_weather", "get_time"]
    assert tool_spans(modes["plain"].recording) == []
    for runs in modes.values():
        assert len(runs.recording.hits) == APP.requests
        assert runs.bodies_recorded == BODIES


@pytest.mark.parametrize("mode", MODES)
def test_a_rerun_whose_tools_ran_again_and_returned_the_same_is_reproduced(modes: dict[str, Runs], mode: str) -> None:
    runs = modes[mode]
    assert runs.bodies_same == BODIES, "AutoGen's tools run again in a rerun"
    assert runs.same.app_lines() == runs.recording.run.app_lines()
    assert (runs.same.verdict(), runs.same.returncode) == (REPRODUCED, 0), runs.same.stdout


def test_the_report_counts_the_tools_seen_through_opentelemetry_as_run_again_not_live(modes: dict[str, Runs]) -> None:
    counted = "calls         4 from the recording, 2 run again (judged by what they returned)\n"
    assert counted in modes["otel"].same.stdout
    assert "calls         4 from the recording\n" in modes["plain"].same.stdout


@pytest.mark.parametrize("mode", MODES)
def test_a_tool_that_returned_something_else_is_a_divergence(modes: dict[str, Runs], mode: str) -> None:
    changed = modes[mode].changed
    assert modes[mode].bodies_changed == BODIES
    assert changed.verdict() == DIVERGED, changed.stdout
    divergence = next(line for line in changed.stdout.splitlines() if line.startswith("divergence"))
    assert divergence.endswith(f"llm:openai.chat#2 start: {CHANGED}")


def test_opentelemetry_on_and_off_give_the_same_verdicts(modes: dict[str, Runs]) -> None:
    verdicts = {mode: (runs.same.verdict(), runs.changed.verdict()) for mode, runs in modes.items()}
    assert verdicts["otel"] == verdicts["plain"] == (REPRODUCED, DIVERGED)
