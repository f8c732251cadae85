"""Every span of a stopped rerun ends, on the frameworks whose hooks end their spans from the framework's own
callbacks or events (Google ADK's plugin, CrewAI's event bus): the stop is no `Exception`, so the framework's
failure path (ADK's `on_agent_error_callback`, CrewAI's `..._failed` events) never runs, and before the tracer
ended what a stop left open (`tracer/stopped.py`) the hook's agent, crew and task spans never ended and `analyze`
called the rerun's trace broken. Each variant is the app of its miss case (`test_framework_rerun_stops.py`) stopped
by a miss, or recorded unchanged and stopped by a mock no codec builds or by a quit at the rerun's console
(`test_framework_stop_kinds.py`). After the stop every span that started has ended, inside its parent, the hook's
spans the stop unwound failed with `attrs.ended_by: stop` and no error of their own, and `analyze` finds the trace
sound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from framework_support import App, Recording, Run, Workbench
from support.nesting import assert_nested
from test_framework_rerun_stops import CASES, rerun_changed
from test_framework_stop_kinds import UNBUILDABLE, second_model_call

pytestmark = pytest.mark.frameworks

Event = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """A framework's miss case (`CASES`), how its rerun is stopped (`miss`, `mock`, `quit`), and the hook's spans
    (component, name) the stop leaves to the tracer to end."""

    case: str
    stop: str
    unwound: tuple[tuple[str, str], ...]


ADK_AGENT = (("agent", "forecaster"),)
CREW = (("agent", "forecaster"), ("chain", "weather"), ("chain", "native"), ("chain", "on_own_client"),
        ("chain", "Forecast"))  # the agent, its task, its crew, the flow's step and the flow: innermost first
VARIANTS = {
    "adk-miss": Variant("adk", "miss", ADK_AGENT),
    "adk-litellm-streamed-miss": Variant("adk-litellm-streamed", "miss", ADK_AGENT),
    "adk-litellm-streamed-mock": Variant("adk-litellm-streamed", "mock", ADK_AGENT),
    "adk-litellm-streamed-quit": Variant("adk-litellm-streamed", "quit", ADK_AGENT),
    "crewai-miss": Variant("crewai", "miss", CREW),
    "crewai-quit": Variant("crewai", "quit", CREW),
}


def stopped_rerun(variant: Variant, directory: Path) -> tuple[Workbench, Recording, Run]:
    """The variant's app recorded and its rerun stopped (by a miss: its copy edited, as its miss case edits it)."""
    case = CASES[variant.case]
    if variant.stop == "miss":
        recording, run = rerun_changed(case, directory)
        return case.workbench(directory), recording, run
    bench = case.workbench(directory)
    recording = bench.record(App(case.app, case.modules, 0))
    key = second_model_call(recording)
    if variant.stop == "mock":
        return bench, recording, bench.rerun(recording, "-y", *case.options, "--mock", f"{key}={UNBUILDABLE}")
    script = directory / "continue-then-quit.txt"
    script.write_text("continue\nquit\n")
    return bench, recording, bench.rerun(recording, "-y", *case.options, "--commands", str(script), "--break", key)


@pytest.fixture(scope="module", params=list(VARIANTS))
def stopped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Variant, Path, Any]:
    """The variant's stopped rerun: the variant, its trace, and what `analyze --format json` says of it."""
    variant = VARIANTS[request.param]
    directory = tmp_path_factory.mktemp(request.param)
    bench, recording, run = stopped_rerun(variant, directory)
    assert run.returncode == 1 and run.verdict().startswith("not reproduced: "), run.stdout[-3000:] + run.stderr[-3000:]
    [trace] = directory.glob("rerun-*/*.jsonl")
    analyzed = bench.cli(recording.url, "analyze", str(trace), "--format", "json")
    assert analyzed.returncode == 0, analyzed.stderr
    return variant, trace, json.loads(analyzed.stdout)


def events_of(trace: Path) -> list[Event]:
    return [orjson.loads(line) for line in trace.read_bytes().splitlines()]


def test_every_span_of_the_stopped_rerun_ends_inside_its_parent(stopped: tuple[Variant, Path, Any]) -> None:
    _, trace, _ = stopped
    assert_nested(events_of(trace))


def test_the_hooks_spans_the_stop_unwound_end_last_failed_as_its_doing_with_no_error_of_their_own(
        stopped: tuple[Variant, Path, Any]) -> None:
    variant, trace, _ = stopped
    ends = [(e["component"], e["name"], e["status"], e.get("attrs"), e.get("error")) for e in events_of(trace)
            if e["event_type"].endswith("_end") and e["event_type"] != "run_end"]
    assert ends[-len(variant.unwound):] == [(component, name, "failed", {"ended_by": "stop"}, None)
                                            for component, name in variant.unwound], ends[-8:]


def test_analyze_finds_the_stopped_reruns_trace_sound(stopped: tuple[Variant, Path, Any]) -> None:
    _, _, report = stopped
    integrity = report["integrity"]
    assert (integrity["ok"], integrity["unclosed_spans"], integrity["problems"]) == (True, 0, []), integrity
    assert report["health"]["verdict"] == "stopped", report["health"]
