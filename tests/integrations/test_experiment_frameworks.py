"""`diagnose TRACE --experiment` on real frameworks: openai-agents, LangGraph and a two-agent openai-agents hand-off
(apps/experiment_*.py), each a run of several model calls against a planted stub (`support.plantedstub`) that
answers the call holding a marker (`step 3 of`) wrongly with a set probability and every other call rightly. The
app fails only at its end, when the wrong answer got into its conversation, so the failure shows calls after the
mistake and the blame read from the log names a later call. Recorded with the marker at 1.0 (the run fails), then
planted lower for the experiment (a seeded generator, the tries one after another: the same draws each time):
- the experiment names the planted call, `verified` (exit 0), and its forks are runs re-asking from a point, as
  many as it says it tried;
- with two calls planted at 1.0 when recorded, it names the earlier (re-asking after it cannot undo it);
- an app that fails whatever the model says is `not confirmed`, `no_rescue` (exit 1).
The raw openai loop has the same tests in tests/cli/test_diagnose_experiment.py.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from framework_support import APPS, Run, Workbench, skip_unless_installed
from support.plantedstub import PlantedStub, last_user_text, planted_stub

pytestmark = pytest.mark.frameworks

LLM = "llm"


@dataclass(frozen=True)
class Kind:
    """A framework's app, the step it plants (and a later one, for two mistakes), and how re-asks are sent."""

    app: str
    modules: tuple[str, ...]
    planted: str
    later: str  # a second planted step after `planted`
    route: tuple[str, ...]  # `--base-url` (with the stub's URL added) or `--live` (the recorded URL: the stub's)
    agent: str | None  # the agent the planted call ran in, as the report names it


KINDS = {
    "openai-agents": Kind("experiment_agents.py", ("agents",), "step 3 of", "step 4 of", ("--base-url",),
                          "clerk"),
    "langgraph": Kind("experiment_langgraph.py", ("langgraph", "langchain_openai"), "step 3 of", "step 4 of",
                      ("--base-url",), None),  # the trace names no agent around a graph node
    # the clerk's step 2 is wrong; it hands over at step 3, and the auditor's steps 4 and 5 come before the failure
    "handoff": Kind("experiment_handoff.py", ("agents",), "step 2 of", "step 4 of", ("--live",), "clerk"),
}


class Bench:
    """One app of `apps/` in a directory of its own, recorded against a planted stub, then experimented on."""

    def __init__(self, kind: Kind, directory: Path, stub: PlantedStub, key: str):
        self.kind, self.stub = kind, stub
        self.workbench = Workbench(directory, key)
        (directory / kind.app).write_text((APPS / kind.app).read_text())

    def record(self, *argv: str) -> Path:
        """The trace of the app run with `argv` at the stub's current markers; the run failed."""
        run = self.workbench.cli(self.stub.url, "trace", "-q", "-o", "recorded", self.kind.app, *argv)
        traces = sorted((self.workbench.directory / "recorded").glob("*.jsonl"))
        assert run.returncode == 1 and len(traces) == 1, run.stderr[-3000:]
        return traces[0]

    def experiment(self, trace: Path, *options: str) -> tuple[Run, dict[str, Any]]:
        """`diagnose TRACE --experiment OPTIONS ... -o forks --format json --yes`: what it printed and its report."""
        route = (*self.kind.route, self.stub.url) if self.kind.route == ("--base-url",) else self.kind.route
        run = self.workbench.cli(self.stub.url, "diagnose", str(trace), "--experiment", *options, *route, "-o", "forks",
                                 "--format", "json", "--yes")
        assert run.stdout.startswith("{"), (run.returncode, run.stdout[:1000], run.stderr[-6000:])
        return run, json.loads(run.stdout)

    def forks(self) -> list[dict[str, Any]]:
        """The run_start of each run the experiment wrote."""
        starts = []
        for path in sorted((self.workbench.directory / "forks").glob("*.jsonl")):
            starts.append(next(event for event in map(orjson.loads, path.read_bytes().splitlines())
                               if event["event_type"] == "run_start"))
        return starts


@pytest.fixture(params=list(KINDS))
def bench(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bench]:
    kind = KINDS[request.param]
    skip_unless_installed(kind.app, *kind.modules)
    key = f"sk-test-{secrets.token_hex(16)}"
    stub = planted_stub({}, api_key=key)
    try:
        yield Bench(kind, tmp_path, stub, key)
    finally:
        stub.stop()


def planted_call(trace: Path, marker: str) -> tuple[str, int, int]:
    """The address (`llm:openai.chat#3`) of the recorded model call whose last user message holds `marker`, its
    number among the run's model calls, and how many there are."""
    events = [orjson.loads(line) for line in trace.read_bytes().splitlines()]
    starts = [event for event in events if event["component"] == LLM and event["status"] == "started"]
    addresses, seen = [], {}
    for start in starts:
        seen[start["name"]] = seen.get(start["name"], 0) + 1
        addresses.append(f"{LLM}:{start['name']}#{seen[start['name']]}")
    found = [number for number, start in enumerate(starts, 1) if marker in last_user_text(start["inputs"])]
    assert len(found) == 1, f"{len(found)} recorded calls ask {marker!r}"
    return addresses[found[0] - 1], found[0], len(starts)


def index_of(report: dict[str, Any], call: str) -> int:
    """The number among the run's model calls of `call`, as the report's tried points give it."""
    return next(tried["point"]["index"] for tried in report["tried"] if tried["point"]["call"] == call)


def test_the_experiment_names_the_planted_call_where_the_failure_shows_later(bench):
    bench.stub.plant({bench.kind.planted: 1.0})
    trace = bench.record()
    call, number, calls = planted_call(trace, bench.kind.planted)
    assert number < calls  # the run made model calls after the mistake, before it failed
    bench.stub.plant({bench.kind.planted: 0.4})
    run, report = bench.experiment(trace)
    conclusion = report["conclusion"]
    assert (run.returncode, conclusion["verdict"]) == (0, "verified"), (conclusion, run.stderr[-3000:])
    assert (conclusion["decisive"]["call"], conclusion["decisive"]["agent"]) == (call, bench.kind.agent), \
        conclusion["why"]
    assert report["points"] == calls and conclusion["at"]["passes"] >= 1 and conclusion["after"]["passes"] == 0
    assert report["read_call"] is not None and index_of(report, report["read_call"]) > number  # the log misread it
    assert all(tried["stopped"] == 0 for tried in report["tried"])  # every try ran the app to its end
    forks = bench.forks()
    assert len(forks) == report["spent"]["tries"] == sum(tried["tries"] for tried in report["tried"])
    made = {fork["run_id"]: fork["attrs"]["replay_of"]["fork"] for fork in forks}
    assert made == {run_id: {"call": tried["point"]["call"], "change": "reask"}
                    for tried in report["tried"] for run_id in tried["forks"]}


def test_with_two_calls_planted_the_experiment_names_the_earlier(bench):
    bench.stub.plant({bench.kind.planted: 1.0, bench.kind.later: 1.0})
    trace = bench.record()
    earlier, _, _ = planted_call(trace, bench.kind.planted)
    later, _, _ = planted_call(trace, bench.kind.later)
    bench.stub.plant({bench.kind.planted: 0.2, bench.kind.later: 0.2})  # a try re-asking both passes 64% of the time
    run, report = bench.experiment(trace, "--tries", "4")
    conclusion = report["conclusion"]
    assert (run.returncode, conclusion["verdict"]) == (0, "verified"), (conclusion, run.stderr[-3000:])
    assert conclusion["decisive"]["call"] == earlier != later, conclusion["why"]


def test_a_run_that_fails_whatever_the_model_says_is_not_confirmed(bench):
    bench.stub.plant({bench.kind.planted: 1.0})
    trace = bench.record("--always-fail")
    bench.stub.plant({bench.kind.planted: 0.0})
    run, report = bench.experiment(trace)
    conclusion = report["conclusion"]
    assert (run.returncode, conclusion["verdict"], conclusion["reason"]) == (1, "not confirmed", "no_rescue"), \
        (conclusion, run.stderr[-3000:])
    assert conclusion["decisive"] is None and any(tried["point"]["index"] == 1 for tried in report["tried"])
