"""No stale answers for hooked frameworks: a rerun of an openai-agents and of a pydantic-ai app (against the
stub on 127.0.0.1) that parts from its recording at its first tool (a mock) answers every later call from the
recording while each asks what was recorded, and misses at the first request that carries the mock's change,
naming the recorded request nearest to it and what differs, instead of serving that request's recorded answer.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from framework_support import App, Recording, Workbench, skip_unless_installed

pytestmark = pytest.mark.frameworks

APPS = [App("openai_agents_app", ("agents",), 4, tools=2),
        App("pydantic_ai_app", ("pydantic_ai", "openai", "anthropic"), 8, tools=4)]


@pytest.fixture(scope="module", params=APPS, ids=lambda app: app.stem)
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Workbench, Recording]:
    app: App = request.param
    skip_unless_installed(app.stem, *app.modules)
    bench = Workbench(tmp_path_factory.mktemp(app.stem), f"sk-test-{secrets.token_hex(16)}")
    return bench, bench.record(app)


def first_tool(recording: Recording) -> tuple[str, Any]:
    """The key of the run's first tool call and the value it returned."""
    start, end = recording.spans("tool")[0]
    return f"tool:{start['name']}#1", end["outputs"]["return"]


def test_parted_with_the_recorded_value_every_later_call_is_still_answered(recorded):
    bench, recording = recorded
    key, value = first_tool(recording)
    run = bench.rerun(recording, "--format", "json", "--mock", f"{key}={json.dumps(value)}")
    assert run.returncode == 0, run.stderr
    report = run.report()
    assert report["parted"] == {"call": key, "how": "mocked"}
    assert report["counts"]["mocked"] == 1 and report["counts"]["missed"] == 0 and report["counts"]["live"] == 0
    assert report["counts"]["recorded"] == recording.app.answered - 1


def test_a_changed_tool_result_makes_the_next_request_a_miss_not_a_stale_answer(recorded):
    bench, recording = recorded
    key, value = first_tool(recording)
    assert isinstance(value, str) and value != "hail, 2 C"
    run = bench.rerun(recording, "--format", "json", "--mock", f'{key}="hail, 2 C"')
    assert run.returncode == 1, run.stderr
    report = run.report()
    assert report["not_reproduced"] == "1 call(s) had no recorded answer"
    [miss] = report["misses"]
    assert miss["call"].startswith("llm:openai.")
    assert f"recorded {value!r}, this call 'hail, 2 C'), and the rerun parted from the recording at {key} " \
           "(mocked)" in miss["why"]
    assert miss["candidates"][0]["key"] == miss["call"]  # the recorded request at its place, asked otherwise
