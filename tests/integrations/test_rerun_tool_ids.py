"""A rerun pairs each tool call with its recorded twin by the id the model gave it, not by its place among
its siblings: three openai-agents runs of agents with one name under `asyncio.gather` (apps/agents_gather_app.py),
recorded with their tools run in one order and rerun with them run in another (`ORDER`), make the same tool
calls (same ids, inputs and results) and are reproduced, whether the rerun answers the tools from the
recording or runs their bodies again (`--live-tools`). Matched by place, the first agent's tool of the rerun
was compared with (and answered from) another agent's: "not reproduced", in every such rerun.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from framework_support import App, Recording, Workbench, new_bench, skip_unless_installed

pytestmark = pytest.mark.frameworks

GATHER_APP = App("agents_gather_app", ("agents", "openai"), 6, tools=3)
RECORDED_ORDER, RERUN_ORDER = "2,1,0", "0,1,2"
WEATHER = {"Paris": "light rain, 14 C", "Oslo": "snow, -3 C", "Rome": "clear, 18 C"}


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    skip_unless_installed(GATHER_APP.stem, *GATHER_APP.modules)
    return new_bench(tmp_path_factory, "tool_ids")


@pytest.fixture(scope="module")
def recording(bench: Workbench) -> Recording:
    bench.env["ORDER"] = RECORDED_ORDER
    return bench.record(GATHER_APP)


def rerun(bench: Workbench, recording: Recording, *options: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rerun's JSON report and its trace's events, the runs handed to `gather` in another order."""
    bench.env["ORDER"] = RERUN_ORDER
    run = bench.rerun(recording, "--format", "json", *options)
    assert run.returncode == 0, run.stderr
    report = run.report()
    events = [json.loads(line) for path in report["new_trace"] for line in Path(path).read_text().splitlines()]
    return report, events


def tool_starts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["component"] == "tool" and e["status"] == "started"]


def test_the_recording_ran_its_tools_in_the_order_it_was_given(recording: Recording) -> None:
    cities = [start["inputs"]["city"] for start in tool_starts(recording.events)]
    assert cities == ["Rome", "Oslo", "Paris"]
    assert len({start["attrs"]["tool_call_id"] for start in tool_starts(recording.events)}) == 3


@pytest.mark.parametrize("options", [(), ("--live-tools",)], ids=["answered", "live_tools"])
def test_tools_run_in_another_order_are_reproduced(bench: Workbench, recording: Recording,
                                                    options: tuple[str, ...]) -> None:
    report, events = rerun(bench, recording, *options)
    assert report["reproduced"], report["not_reproduced"]
    assert report["counts"]["reran" if options else "recorded"] >= 3
    starts = tool_starts(events)
    assert [start["inputs"]["city"] for start in starts] == ["Paris", "Oslo", "Rome"]
    ends = {e["span_id"]: e for e in events if e["component"] == "tool" and e["status"] != "started"}
    for start in starts:  # each tool's answer is its own city's, served or run again
        assert ends[start["span_id"]]["outputs"] == {"return": WEATHER[start["inputs"]["city"]]}
