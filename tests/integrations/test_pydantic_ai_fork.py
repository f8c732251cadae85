"""Fork, verify and bisect on a hooked framework: a pydantic-ai agent (apps/fork_pydantic_ai.py, its tool
answered by the hook in a rerun) on OpenAI chat, or on Anthropic (streamed), recorded against stub A; forks and
verify go live to stub B, bisect reruns offline. Nothing after a recording reaches A (`forkbench`)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Iterator

import pytest
from forkbench import ForkBench, events_of, first, tool_call
from framework_support import Workbench, skip_unless_installed

pytestmark = pytest.mark.frameworks

APP = "fork_pydantic_ai.py"
ATLANTIS = "What is the weather in Atlantis"  # get_weather raises ModelRetry: pydantic-ai tells the model
PARIS_CALL = {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkBench]:
    skip_unless_installed(APP, "pydantic_ai", "openai")
    bench = ForkBench(Workbench(tmp_path_factory.mktemp("pydantic-ai-fork"), f"sk-test-{secrets.token_hex(16)}"),
                      APP)
    yield bench
    bench.stop()


@pytest.fixture(scope="module")
def paris(forks: ForkBench) -> Path:
    return forks.record(APP)


@pytest.fixture(scope="module")
def atlantis(forks: ForkBench) -> Path:
    return forks.record(APP, ATLANTIS)


def test_an_answer_at_the_last_call_is_given_and_the_recorded_tool_is_not_run_again(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#2", "--answer", "It is sunny.",
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert run.app_lines() == ["answer: It is sunny.", "tool runs: none"]
    assert len(forks.b.hits) == before
    assert report["parted"] == {"call": "llm:openai.chat#2", "how": "forked"}
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {"call": "llm:openai.chat#2",
                                                                       "change": "answer"}
    assert first(events, "run_end")["attrs"]["parted"] == {"call": "llm:openai.chat#2", "how": "forked"}


def test_a_tool_call_answer_runs_the_tool_with_live_tools_and_the_next_request_goes_to_b(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--base-url", forks.b.url, "--live-tools")
    assert run.returncode == 0, run.stderr
    answer, tools = run.app_lines()
    assert tools == "tool runs: Oslo"
    [asked] = forks.b.requests[before:]
    assert asked["messages"][-1]["role"] == "tool" and asked["messages"][-1]["content"] == "snow, -3 C"
    [called] = asked["messages"][-2]["tool_calls"]  # the fork's answer, as pydantic-ai read it from chat's shape
    assert (called["function"]["name"], called["function"]["arguments"]) == ("get_weather", '{"city":"Oslo"}')
    assert answer.startswith("answer: Echo: ") and "snow, -3 C" in answer and "[nonce " in answer
    assert report["counts"]["live"] == 1 and report["misses"] == []


def test_a_tool_call_answer_runs_the_tool_with_no_flag_and_the_fork_goes_on_to_the_answer(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    answer, tools = run.app_lines()
    assert tools == "tool runs: Oslo"  # the tool the forked answer asked for ran, with no --live-tools
    assert answer.startswith("answer: Echo: ") and "snow, -3 C" in answer and "[nonce " in answer
    assert len(forks.b.hits) == before + 1 and report["misses"] == []


def test_offline_the_tool_runs_and_the_request_after_it_stops_the_fork(forks, paris):
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--offline")
    assert run.returncode == 1
    [miss] = report["misses"]
    assert miss["call"] == "llm:openai.chat#2"  # the tool ran (its result went into the next request), offline
    assert "snow, -3 C" in str(miss["inputs"])


def test_model_sends_the_call_and_the_next_to_b_and_the_tool_is_answered_from_the_recording(forks, paris):
    before = len(forks.b.hits)
    run, report = forks.fork(paris, "--fork", "llm:openai.chat#1", "--model", "gpt-other", "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert [asked["model"] for asked in forks.b.requests[before:]] == ["gpt-other", "gpt-other"]
    answer, tools = run.app_lines()
    assert tools == "tool runs: none"  # B asked for get_weather(Paris), as A did: the recorded result
    assert "light rain, 14 C" in answer and "[nonce " in answer
    assert report["counts"]["live"] == 2


@pytest.fixture(scope="module")
def claude(forks: ForkBench) -> Path:
    trace = forks.record(APP, "What is the weather in Paris", "anthropic")
    assert [answer["stream"] for answer in forks.a.answers[-2:]] == [True, True]  # pydantic-ai streamed both
    return trace


def test_an_answer_on_anthropic_is_built_as_the_stream_pydantic_ai_reads(forks, claude):
    before = len(forks.b.hits)
    run, report = forks.fork(claude, "--fork", "llm:anthropic.messages#2", "--answer", "It is sunny.",
                             "--base-url", forks.b.url)
    assert run.returncode == 0, run.stderr
    assert run.app_lines() == ["answer: It is sunny.", "tool runs: none"]
    assert len(forks.b.hits) == before and report["parted"] == {"call": "llm:anthropic.messages#2", "how": "forked"}


def test_a_tool_call_answer_on_anthropic_runs_the_tool_and_the_next_request_goes_to_b(forks, claude):
    before = len(forks.b.hits)
    run, report = forks.fork(claude, "--fork", "llm:anthropic.messages#1", "--answer",
                             tool_call("get_weather", city="Oslo"), "--base-url", forks.b.url, "--live-tools")
    assert run.returncode == 0, run.stderr
    answer, tools = run.app_lines()
    assert tools == "tool runs: Oslo"
    [(method, path)] = forks.b.hits[before:]
    assert path.startswith("/v1/messages")
    [asked] = forks.b.requests[before:]
    said, result = asked["messages"][-2:]
    # the fork's answer as pydantic-ai read it from Anthropic's stream, sent back as the assistant's turn
    [use] = [block for block in said["content"] if block["type"] == "tool_use"]
    assert (said["role"], use["name"], use["input"]) == ("assistant", "get_weather", {"city": "Oslo"})
    [returned] = result["content"]
    assert returned["type"] == "tool_result" and returned["tool_use_id"] == use["id"]
    assert "snow, -3 C" in str(returned["content"])
    assert "snow, -3 C" in answer and "[nonce " in answer
    assert report["counts"]["live"] == 1 and report["misses"] == []


def test_verify_judges_the_fixed_tool_fixed(forks):
    (forks.bench.directory / "verified.py").write_text((forks.bench.directory / APP).read_text())
    trace = forks.record("verified.py", ATLANTIS)
    fixed = (forks.bench.directory / "verified.py").read_text().replace(
        '"Lisbon": "sunny, 24 C"}', '"Lisbon": "sunny, 24 C", "Atlantis": "sunny, 30 C"}')
    (forks.bench.directory / "verified.py").write_text(fixed)
    before = len(forks.b.hits)
    run, report = forks.verify(trace, "--base-url", forks.b.url)
    assert (run.returncode, report["verdict"]) == (0, "fixed"), run.stderr
    assert [failure["label"] for failure in report["recorded"]["failures"]] == [
        "handled pydantic_ai.exceptions.ModelRetry"]
    attempt = report["tries"][0]
    # the first request asked what was recorded: from the recording; the fixed tool ran for real, and the second
    # request, carrying its result, went live to B
    assert attempt["counts"] == {"recorded": 1, "reran": 1, "live": 1, "missed": 0}
    [asked] = forks.b.requests[before:]
    assert asked["messages"][-1]["content"] == "sunny, 30 C"
    assert attempt["outcome"]["passed"] is True and "tool runs: Atlantis" in run.stderr
    assert attempt["calls"]["first"]["key"] == "tool:get_weather#1"


def _variant(forks: ForkBench, name: str) -> Path:
    """A copy of the app as `name`, in the bench's directory, to record and then change."""
    path = forks.bench.directory / name
    path.write_text((forks.bench.directory / APP).read_text())
    return path


def test_verify_live_sends_what_the_recording_cannot_answer_where_the_app_did_and_says_fixed(forks):
    app = _variant(forks, "live_fixed.py")
    trace = forks.record(app.name, ATLANTIS)
    app.write_text(app.read_text().replace('"Lisbon": "sunny, 24 C"}',
                                           '"Lisbon": "sunny, 24 C", "Atlantis": "sunny, 30 C"}'))
    before_b = len(forks.b.hits)
    run, report, reached = forks.live("verify", str(trace))
    assert (run.returncode, report["verdict"]) == (0, "fixed"), run.stderr
    [asked] = reached  # the second request, carrying the fixed tool's result, went to the recorded endpoint
    assert asked["messages"][-1]["content"] == "sunny, 30 C"
    assert report["tries"][0]["counts"]["live"] == 1 and len(forks.b.hits) == before_b
    assert (report["live"], report["endpoints"]) == (True, [forks.a.url])
    assert (f"verify: --live: LLM calls the recording cannot answer go live where the app sends them, as in a "
            f"plain run (the recording's went to {forks.a.url})") in run.stderr


def test_verify_live_judges_a_broken_tool_regressed(forks):
    app = _variant(forks, "live_broken.py")
    trace = forks.record(app.name)
    app.write_text(app.read_text().replace('"Paris": "light rain, 14 C", ', ""))  # Paris now raises ModelRetry
    run, report, reached = forks.live("verify", str(trace))
    assert (run.returncode, report["verdict"]) == (1, "regressed"), run.stderr
    assert "handled pydantic_ai.exceptions.ModelRetry" in report["why"]
    assert len(reached) == 1 and "no forecast for Paris" in json.dumps(reached[0])


def test_verify_offline_a_tool_broken_before_the_miss_is_regressed(forks):
    app = _variant(forks, "offline_broken.py")
    trace = forks.record(app.name)
    app.write_text(app.read_text().replace('"Paris": "light rain, 14 C", ', ""))  # Paris now raises ModelRetry
    run, report = forks.verify(trace)  # no --base-url, no --live: the request telling the model stops the run
    assert (run.returncode, report["verdict"]) == (1, "regressed"), run.stderr
    assert report["why"].startswith("before it was stopped, the new run failed where the recording did not: "
                                    "handled pydantic_ai.exceptions.ModelRetry (then llm:openai.chat#2 had no "
                                    "recorded answer")
    [attempt] = report["tries"]
    assert attempt["stopped"] is not None and attempt["passed"] is False
    assert attempt["outcome"]["passed"] is False and [failure["label"] for failure in attempt["outcome"]["failures"]] \
        == ["handled pydantic_ai.exceptions.ModelRetry"]  # the stop itself is no failure of the app's
    assert attempt["counts"]["missed"] == 1 and attempt["misses"][0]["call"] == "llm:openai.chat#2"


def test_bisect_live_sends_a_call_neither_the_bad_run_nor_the_answers_have_where_the_app_did(forks, atlantis):
    answers = forks.write("live-answers.json", {"tool:get_weather#1": "fog"})
    run, report, reached = forks.live("bisect", str(atlantis), "--answers", str(answers))
    # the tool's new result changes the next request, which nothing recorded answers: it went to the app's endpoint
    assert (run.returncode, report["status"], report["call"]) == (0, "found", "tool:get_weather#1"), run.stderr
    assert [rerun["counts"]["live"] for rerun in report["reruns"]] == [1]
    assert len(reached) == 1 and "fog" in json.dumps(reached[0])
    assert report["live"] == {"base_url": None, "own": True, "requests": False}
    assert "bisect: --live: LLM calls the recording cannot answer go live where the app sends them" in run.stderr


def test_two_tries_of_verify_on_the_unchanged_app_agree(forks, paris):
    run, report = forks.verify(paris, "--repeat", "2")
    assert [attempt["verdict"]["verdict"] for attempt in report["tries"]] == ["unchanged", "unchanged"], run.stderr
    assert (run.returncode, report["verdict"]) == (0, "unchanged")


def test_bisect_finds_the_answer_that_asked_for_the_unknown_city_offline(forks, atlantis):
    answers = forks.write("answers.json", {"llm:openai.chat#1": PARIS_CALL, "tool:get_weather#1": "light rain, 14 C",
                                           "llm:openai.chat#2": "It rains in Paris."})
    before = len(forks.b.hits)
    run, report = forks.bisect(atlantis, "--answers", str(answers))
    assert (run.returncode, report["status"], report["call"]) == (0, "found", "llm:openai.chat#1"), run.stderr
    assert [candidate["key"] for candidate in report["candidates"]] == [
        "llm:openai.chat#1", "tool:get_weather#1", "llm:openai.chat#2"]
    # the first call substituted flips it; that prefix is the call alone, so one rerun settles it
    [rerun] = report["reruns"]
    assert (rerun["substituted"], rerun["flipped"], rerun["verdict"]["verdict"]) == (
        ["llm:openai.chat#1"], True, "fixed")
    assert report["alone"] is True
    assert len(forks.b.hits) == before  # offline: no rerun sent a request anywhere
    assert "answer: It rains in Paris." in run.stderr and "tool runs: none" in run.stderr  # the tool answered


def test_bisect_finds_the_tool_whose_failure_the_model_was_told(forks, atlantis):
    asked = {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Atlantis"}}]}
    answers = forks.write("tool-answers.json", {"llm:openai.chat#1": asked, "tool:get_weather#1": "fog",
                                                "llm:openai.chat#2": "It is foggy."})
    run, report = forks.bisect(atlantis, "--answers", str(answers))
    assert (run.returncode, report["status"], report["call"]) == (0, "found", "tool:get_weather#1"), run.stderr
    # the first call's answer is the recorded one: its prefix keeps the failure; the first two flip it, and
    # so does the tool alone
    assert [(rerun["substituted"], rerun["flipped"]) for rerun in report["reruns"]] == [
        (["llm:openai.chat#1"], False), (["llm:openai.chat#1", "tool:get_weather#1"], True),
        (["tool:get_weather#1"], True)]
    assert [rerun["verdict"]["verdict"] for rerun in report["reruns"]] == ["unchanged", "fixed", "fixed"]


def test_a_changed_sync_tool_stops_the_rerun_at_the_next_request_and_the_command_ends(forks, paris):
    """The tool runs on an AnyIO worker thread, which waits for a callback asyncio skips when our stop (a
    SystemExit) leaves the event loop: the command names it and ends instead of waiting for it for ever."""
    forks.bench.env = {**forks.bench.env, "FORECAST_CHANGED": "1"}
    try:
        rerun, report = forks.fork(paris, "--live-tools")
        verified, verdict = forks.verify(paris)
    finally:
        forks.bench.env = {name: value for name, value in forks.bench.env.items() if name != "FORECAST_CHANGED"}
    assert rerun.returncode == 1, rerun.stderr
    assert [miss["call"] for miss in report["misses"]] == ["llm:openai.chat#2"]
    assert "of its threads did not end within 5 s (AnyIO worker thread)" in rerun.stderr
    assert verified.returncode == 1, verified.stderr
    assert verdict["verdict"] == "inconclusive"
    assert "of its threads did not end within 5 s (AnyIO worker thread)" in verified.stderr
