"""Turn limits a framework enforces without raising, diagnosed on real runs: CrewAI's `max_iter` and smolagents'
`max_steps` each end with one more request that carries the framework's own stop message and return its answer,
and the run completes (exit 0, no error). Each app runs in its framework's venv (the pins of its hook's tests,
`tests/support/venvs.py`) against the stub server, which asks for each offered tool in turn, so the agent is still
calling tools when its limit comes: apps/crewai_turn_limit_app.py (`max_iter=1`: one tool call, then CrewAI's
`force_final_answer` request) and apps/smolagents_turn_limit_app.py (`max_steps=2`: two tool calls, then its
`final_answer` request). Each is traced with `namel3ss-debug trace`, then `namel3ss-debug diagnose` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
from framework_support import App, Recording, Run, new_bench
from test_crewai_hook import PINS as CREWAI
from test_smolagents_hook import PINS as SMOLAGENTS

pytestmark = pytest.mark.frameworks


@dataclass(frozen=True)
class Limited:
    """A framework's app that hits its turn limit: how its last request carries the stop message, and what
    `diagnose` must say of it."""

    venv: str
    pins: tuple[str, ...]
    app: App
    tools: int  # the tool calls made before the limit
    stop: str  # how the framework's stop message opens
    said: Callable[[dict[str, Any]], str]  # the text of the message that carries it, in the last request's body
    framework: str
    setting: str  # the setting the suggestion names
    forced: str  # the address of the forced call


CASES = {
    "crewai": Limited("crewai", CREWAI, App("crewai_turn_limit_app", (), requests=2), 1,
                      "Now it's time you MUST give your absolute best final answer.",
                      lambda body: body["messages"][-1]["content"], "CrewAI", "`Agent(max_iter=N)`",
                      "llm:openai.chat#2"),
    "smolagents": Limited("smolagents", SMOLAGENTS, App("smolagents_turn_limit_app", (), requests=3), 2,
                          "An agent tried to answer a user query but it got stuck and failed to do so.",
                          lambda body: body["messages"][0]["content"][0]["text"], "smolagents",
                          "`max_steps=N` of the agent", "llm:openai.chat#3"),
}


@pytest.fixture(scope="module", params=list(CASES))
def limited(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Limited, Recording, Run]:
    """The framework's app traced against the stub, and `diagnose` of its trace."""
    case = CASES[request.param]
    bench = new_bench(tmp_path_factory, case.venv, case.pins)
    recording = bench.record(case.app)
    return case, recording, bench.cli(recording.url, "diagnose", str(recording.trace))


def test_the_limit_ends_the_run_with_the_frameworks_stop_request_and_no_error(
        limited: tuple[Limited, Recording, Run]) -> None:
    case, recording, _ = limited
    assert (len(recording.hits), len(recording.spans("tool"))) == (case.app.requests, case.tools)
    assert case.said(recording.requests[-1]).startswith(case.stop)
    assert [end["status"] for end in recording.of_type("run_end")] == ["completed"]
    assert recording.of_type("error_occurred") == []


def test_diagnose_names_the_frameworks_turn_limit_its_setting_and_the_forced_call(
        limited: tuple[Limited, Recording, Run]) -> None:
    case, _, diagnosed = limited
    assert diagnosed.returncode == 0, diagnosed.stderr
    assert (f"turn_limit (high confidence, agent forecaster): the run's answer was forced by {case.framework}'s "
            f"turn limit") in diagnosed.stdout
    assert case.setting in diagnosed.stdout
    [evidence] = [line for line in diagnosed.stdout.splitlines() if f"{case.framework}'s stop message:" in line]
    assert evidence.split()[1] == case.forced
