"""Fork and verify on a framework known only from the wire: a Haystack `Agent` (apps/fork_haystack.py, from a venv
of its own; no hook of ours) recorded against stub A. Its requests are answered from the recording up to the fork;
forks and verify go live to stub B; nothing after a recording reaches A (`forkbench`). No hook holds Haystack's
tools, so they run again in every rerun (each body logs a line in `tool_bodies.log`), judged by what they return.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest
from forkbench import ForkBench, events_of, first, tool_call
from framework_support import Workbench
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

HAYSTACK = ("haystack-ai==3.4.1",)
APP = "fork_haystack.py"


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkBench]:
    bench = Workbench(tmp_path_factory.mktemp("haystack-fork"), f"sk-test-{secrets.token_hex(16)}",
                      framework_venv("haystack", HAYSTACK))
    forks = ForkBench(bench, APP, "wire_tools.py")  # the tools fork_haystack shares with the raw-loop apps
    yield forks
    forks.stop()


@pytest.fixture(scope="module")
def paris(forks: ForkBench) -> Path:
    return forks.record(APP)


def test_an_answer_at_the_last_call_is_given_and_no_request_reaches_a_model(forks, paris):
    forks.new_bodies()
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#3", "--answer", "Take an umbrella.",
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert run.app_lines() == ["Take an umbrella."]
    assert len(forks.b.hits) == before
    # the two requests before the fork asked what was recorded; the tools, seen on the wire only, ran again
    assert report["counts"]["recorded"] == 2 and report["counts"]["reran"] == 2
    assert forks.new_bodies() == ["get_weather Paris", "get_time Paris"]
    assert report["parted"] == {"call": "llm:openai.chat#3", "how": "forked"}
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {"call": "llm:openai.chat#3",
                                                                       "change": "answer"}


def test_a_tool_call_answer_reaches_the_agent_and_what_follows_goes_to_b(forks, paris):
    forks.new_bodies()
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert forks.new_bodies() == ["get_weather Oslo", "get_time Paris"]  # Haystack ran the fork's tool call
    asked = forks.b.requests[before:]
    assert len(asked) == 2  # the second and third requests carry Oslo's weather: no recording has them
    [called] = asked[0]["messages"][2]["tool_calls"]  # the fork's answer, as Haystack read it from chat's shape
    assert (called["function"]["name"], called["function"]["arguments"]) == ("get_weather", '{"city": "Oslo"}')
    assert asked[0]["messages"][3]["content"] == "snow, -3 C"
    [answer] = run.app_lines()
    assert answer.startswith("Echo: ") and "[nonce " in answer
    assert report["counts"]["live"] == 2 and report["misses"] == []


def test_model_sends_the_fork_and_every_later_request_to_another_model(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#2", "--model", "gpt-other", "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert [asked["model"] for asked in forks.b.requests[before:]] == ["gpt-other", "gpt-other"]
    assert report["counts"]["recorded"] == 1 and report["counts"]["live"] == 2
    assert first(events_of(report), "run_start")["attrs"]["replay_of"]["fork"]["model"] == "gpt-other"


def test_offline_stops_at_the_first_request_the_recording_lacks(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--offline")
    assert run.returncode == 1
    assert len(forks.b.hits) == before
    [miss] = report["misses"]
    assert miss["call"] == "llm:openai.chat#2" and miss["candidates"][0]["key"] == "llm:openai.chat#2"
    assert "parted from the recording at llm:openai.chat#1 (forked)" in miss["why"]


def test_verify_judges_the_unchanged_app_unchanged_with_no_request_sent(forks, paris):
    before = len(forks.b.hits)
    forks.new_bodies()
    run, report = forks.verify(paris, "--base-url", forks.b.url)
    assert (run.returncode, report["verdict"]) == (0, "unchanged"), run.stderr
    assert report["tries"][0]["counts"] == {"recorded": 3, "reran": 2, "live": 0, "missed": 0}
    assert len(forks.b.hits) == before and forks.new_bodies() == ["get_weather Paris", "get_time Paris"]


def test_verify_judges_the_fixed_tool_fixed(forks):
    script = forks.bench.directory / "verified.py"
    script.write_text((forks.bench.directory / APP).read_text())
    trace = forks.record(script.name, "What is the weather and the time in Atlantis", exit_code=1)  # a KeyError
    script.write_text(script.read_text().replace('"Oslo": "snow, -3 C"}', '"Oslo": "snow, -3 C", "Atlantis": "fog"}'))
    before = len(forks.b.hits)
    run, report = forks.verify(trace, "--base-url", forks.b.url)
    assert (run.returncode, report["verdict"]) == (0, "fixed"), run.stderr
    assert report["recorded"]["passed"] is False
    attempt = report["tries"][0]
    # the first request asked what was recorded; the recording ended at the tool, so the two requests after it
    # went to B, and get_time, which the recording never reached, ran with no twin (live, as they are)
    assert attempt["counts"] == {"recorded": 1, "reran": 1, "live": 3, "missed": 0}
    asked = forks.b.requests[before:]
    assert len(asked) == 2 and asked[0]["messages"][3]["content"] == "fog"
    assert attempt["outcome"]["passed"] is True
