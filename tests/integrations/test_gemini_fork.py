"""A fork of a Gemini call: a weather agent on the raw google-genai SDK (apps/fork_genai.py, its tool traced, so a
rerun answers it), streamed (`generate_content_stream`, server-sent events) or not, recorded against stub A. A
provider-neutral `--answer`, a text or a tool call, is built into Gemini's response, which the SDK reads as it
reads a model's; what follows goes live to stub B. Nothing after a recording reaches A (`forkbench`)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest
from forkbench import ForkBench, events_of, first, tool_call
from framework_support import Workbench, skip_unless_installed

pytestmark = pytest.mark.frameworks

APP = "fork_genai.py"
CALL = "llm:gemini.generate_content"
WAYS = {"plain": (), "streamed": ("--stream",)}


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkBench]:
    skip_unless_installed(APP, "google.genai")
    forks = ForkBench(Workbench(tmp_path_factory.mktemp("gemini-fork"), f"sk-test-{secrets.token_hex(16)}"), APP)
    yield forks
    forks.stop()


@pytest.fixture(scope="module")
def traces(forks: ForkBench) -> dict[str, Path]:
    return {way: forks.record(APP, "--base-url", forks.a.url, *flags) for way, flags in WAYS.items()}


@pytest.mark.parametrize("way", list(WAYS))
def test_a_text_answer_at_the_last_call_is_read_by_the_sdk_and_nothing_is_sent(forks, traces, way):
    before = len(forks.b.hits)
    run, report = forks.fork(traces[way], "--fork", f"{CALL}#2", "--answer", "Take an umbrella.",
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert run.app_lines() == ["Take an umbrella.", "tool runs: none"]  # the recorded tool was not run again
    assert len(forks.b.hits) == before
    assert report["parted"] == {"call": f"{CALL}#2", "how": "forked"}
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {"call": f"{CALL}#2", "change": "answer"}
    ends = [event for event in events if event["event_type"] == "llm_call_end"]
    assert ends[-1]["outputs"]["text"] == "Take an umbrella."


@pytest.mark.parametrize("way", list(WAYS))
def test_a_tool_call_answer_is_a_function_call_the_sdk_runs_and_the_next_call_goes_to_b(forks, traces, way):
    before = len(forks.b.hits)
    run, report = forks.fork(traces[way], "--fork", f"{CALL}#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--base-url", forks.b.url, "--live-tools")
    assert run.returncode == 0, run.stderr
    answer, tools = run.app_lines()
    assert tools == "tool runs: Oslo"
    [(method, path)] = forks.b.hits[before:]
    assert path.startswith("/v1/models/gemini-2.0-flash:" + ("streamGenerateContent" if way == "streamed"
                                                             else "generateContent"))
    [asked] = forks.b.requests[before:]
    said, result = asked["contents"][1:]
    # the fork's answer as the SDK read it from Gemini's shape, sent back as the model's turn
    assert [part["functionCall"]["name"] for part in said["parts"]] == ["get_weather"]
    assert said["parts"][0]["functionCall"]["args"] == {"city": "Oslo"} and said["role"] == "model"
    assert result["parts"][0]["functionResponse"]["response"] == {"result": "snow, -3 C"}
    assert "snow, -3 C" in answer and "[nonce " in answer
    assert report["counts"]["live"] == 1 and report["misses"] == []


def test_offline_a_fork_whose_next_request_the_recording_lacks_stops_there(forks, traces):
    before = len(forks.b.hits)
    run, report = forks.fork(traces["plain"], "--fork", f"{CALL}#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--offline", "--live-tools")
    assert run.returncode == 1
    assert len(forks.b.hits) == before
    [miss] = report["misses"]
    assert miss["call"] == f"{CALL}#2" and miss["candidates"][0]["key"] == f"{CALL}#2"


def test_model_is_refused_at_a_gemini_call_whose_model_is_in_its_url(forks, traces):
    run = forks.bench.cli(forks.a.url, "replay", str(traces["plain"]), "--rerun", "--fork", f"{CALL}#1",
                          "--model", "gemini-other")
    assert run.returncode == 2 and "does not apply to" in run.stderr and "Traceback" not in run.stderr
