"""`replay TRACE --rerun --fork CALL`: keep a run up to a call, change it, and let the rest follow.

An agent on the raw openai or anthropic SDK (apps/fork_weather.py: chat, Responses or messages, streamed or
not) is recorded against
stub A; its forks go live to stub B (`--base-url`), which ends every text with a nonce, so an answer B gave
is told from a recorded one. Both stubs count the requests they get: none reaches either before the fork.
The real command runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from support.stubserver import StubServer
from support.tracehelpers import schema_errors
from support.rerunhelpers import command as run_command

from namel3ss_debug.transport.apis.neutral import made_id

APP = Path(__file__).parent / "apps" / "fork_weather.py"
OSLO_CALL = {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}
APIS = {(): "openai.chat", ("--stream",): "openai.chat", ("--responses",): "openai.responses",
        ("--responses", "--stream"): "openai.responses", ("--anthropic",): "anthropic.messages",
        ("--anthropic", "--stream"): "anthropic.messages"}


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_command(*args, cwd=cwd, extra={"COLUMNS": "240"})


class Stubs:
    """Stub A (the recording's model) and stub B (the fork's, its texts ending with a nonce)."""

    def __init__(self, a: Any, b: Any, directory: Path):
        self.a, self.b, self.directory = a, b, directory
        self.traces: dict[str, Path] = {}

    def recorded(self, *flags: str) -> Path:
        """The trace of one run of the app against stub A (recorded once per set of flags)."""
        name = "-".join(flags) or "chat"
        if name not in self.traces:
            out = self.directory / f"recorded-{name}"
            done = command("trace", "-q", "-o", str(out), "fork_weather.py", "--base-url", self.a.url + "/v1", *flags,
                           cwd=self.directory)
            assert done.returncode == 0, done.stderr
            self.traces[name] = next(out.glob("*.jsonl"))
        return self.traces[name]

    def fork(self, trace: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        """The command's result and its JSON report; asserts that stub A got no request."""
        hits_a = len(self.a.hits)
        done = command("replay", str(trace), "--rerun", "-o", str(self.directory / "forks"), "--format", "json",
                       *args, cwd=self.directory)
        assert len(self.a.hits) == hits_a, "a request reached the recording's model"
        assert done.stdout, done.stderr
        return done, orjson.loads(done.stdout)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stubs]:
    directory = tmp_path_factory.mktemp("fork")
    shutil.copyfile(APP, directory / APP.name)
    with StubServer() as a, StubServer(fresh=True) as b:
        yield Stubs(a, b, directory)


def app_output(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What the app printed (on stderr under --format json), without the command's own lines."""
    return [line for line in done.stderr.splitlines()
            if not line.startswith(("rerun of ", "namel3ss-debug:", "fork: "))]


def events_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in Path(report["new_trace"][0]).read_bytes().splitlines()]


def first(events: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    return next(event for event in events if event["event_type"] == event_type)


def b_requests(stubs: Stubs, since: int) -> list[dict[str, Any]]:
    return stubs.b.requests[since:]


# --- --answer: the fork's call returns VALUE, nothing is sent -----------------------------------------

@pytest.mark.parametrize("flags", list(APIS), ids=lambda flags: "-".join(flags) or "chat")
def test_an_answer_at_the_last_call_is_given_and_no_request_reaches_a_model(stubs, flags):
    trace = stubs.recorded(*flags)
    api = APIS[flags]
    before = len(stubs.b.hits)
    done, report = stubs.fork(trace, "--fork", f"llm:{api}#2", "--answer", "Take an umbrella.",
                              "--base-url", stubs.b.url)
    assert done.returncode == 0, done.stderr
    assert app_output(done) == ["Take an umbrella.", "tool runs: none"]  # the recorded tool was not run again
    assert len(stubs.b.hits) == before
    assert report["parted"] == {"call": f"llm:{api}#2", "how": "forked"}
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {"call": f"llm:{api}#2", "change": "answer"}
    assert first(events, "run_end")["attrs"]["parted"] == {"call": f"llm:{api}#2", "how": "forked"}


@pytest.mark.parametrize("flags", [(), ("--stream",), ("--responses",), ("--anthropic", "--stream")],
                         ids=lambda flags: "-".join(flags) or "chat")
def test_an_answer_with_tool_calls_runs_the_new_tool_and_the_next_call_goes_live(stubs, flags):
    trace = stubs.recorded(*flags)
    before = len(stubs.b.hits)
    done, report = stubs.fork(trace, "--fork", f"llm:{APIS[flags]}#1", "--answer", json.dumps(OSLO_CALL),
                              "--base-url", stubs.b.url, "--live-tools")
    assert done.returncode == 0, done.stderr
    answer, tools = app_output(done)
    assert tools == "tool runs: Oslo"
    asked = b_requests(stubs, before)
    assert len(asked) == 1  # the second call asked something the recording does not have: it went to B
    assert "snow, -3 C" in json.dumps(asked[0])  # with the new tool's result
    if not flags:
        assert asked[0]["messages"][-1] == {"role": "tool", "tool_call_id": made_id("call_", "llm:openai.chat#1", 1),
                                         "content": "snow, -3 C"}
    assert answer.startswith("Echo: ") and "snow, -3 C" in answer and "[nonce " in answer
    assert report["counts"]["forked"] == 1 and report["counts"]["mocked"] == 0 and report["counts"]["live"] == 1


def test_without_live_tools_the_tool_the_fork_asks_for_runs_and_the_fork_goes_on(stubs):
    before = len(stubs.b.hits)
    done, report = stubs.fork(stubs.recorded(), "--fork", "llm:openai.chat#1", "--answer", json.dumps(OSLO_CALL),
                              "--base-url", stubs.b.url)
    assert done.returncode == 0, done.stderr
    assert report["misses"] == []
    answer, tools = app_output(done)
    assert tools == "tool runs: Oslo"  # the recording has no get_weather(Oslo): it ran, with no flag
    assert "snow, -3 C" in json.dumps(b_requests(stubs, before))
    assert report["live_endpoints"] == [stubs.b.url]  # where the live call went, from the new trace


@pytest.mark.parametrize("where", ["recorded", "base-url", "offline"])
def test_a_fork_says_before_the_app_runs_where_the_calls_the_recording_cannot_answer_go(stubs, where):
    flags = {"recorded": (), "base-url": ("--base-url", stubs.b.url), "offline": ("--offline",)}[where]
    done, _ = stubs.fork(stubs.recorded(), "--fork", "llm:openai.chat#2", "--answer", "Take an umbrella.", *flags)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    said = [line for line in lines if line.startswith("fork: ")]
    tail = (", with the environment's keys; --offline stops at the first instead; the report names where they went "
            "and counts them")
    expected = {"recorded": [f"fork: LLM calls the recording cannot answer from llm:openai.chat#2 on go live to where "
                             f"the app sends them (the recording's went to {stubs.a.url}); --base-url URL sends them "
                             f"elsewhere{tail}"],
                "base-url": [f"fork: LLM calls the recording cannot answer from llm:openai.chat#2 on go live to "
                             f"--base-url {stubs.b.url}{tail}"],
                "offline": []}[where]
    assert said == expected
    if said:  # before the app's first line
        assert lines.index(said[0]) < lines.index("Take an umbrella.")


# --- re-sample, --ask, --model: the fork's call goes live to B ----------------------------------------

def test_a_fork_with_no_change_sends_the_call_again_to_the_other_model(stubs):
    before = len(stubs.b.hits)
    done, report = stubs.fork(stubs.recorded("--stream"), "--fork", "llm:openai.chat#2", "--base-url", stubs.b.url)
    assert done.returncode == 0, done.stderr
    answer, tools = app_output(done)
    assert tools == "tool runs: none"
    asked = b_requests(stubs, before)
    assert len(asked) == 1 and asked[0]["stream"] is True
    assert "[nonce " in answer  # B's answer, streamed back through the SDK
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {"call": "llm:openai.chat#2",
                                                                       "change": "resample"}
    live = [event for event in events if event["event_type"] == "llm_call_end" and event["attrs"]["replay"] == "live"]
    assert [event["outputs"]["text"] for event in live] == [answer]


def test_ask_sends_the_call_with_other_messages(stubs):
    before = len(stubs.b.hits)
    asked_instead = [{"role": "user", "content": "What is the weather in Lisbon?"}]
    done, report = stubs.fork(stubs.recorded(), "--fork", "llm:openai.chat#1", "--ask", json.dumps(asked_instead),
                              "--base-url", stubs.b.url, "--live-tools")
    assert done.returncode == 0, done.stderr
    asked = b_requests(stubs, before)
    assert asked[0]["messages"] == asked_instead
    assert app_output(done)[-1] == "tool runs: Lisbon"
    start = next(event for event in events_of(report) if event["event_type"] == "llm_call_start")
    assert start["inputs"]["messages"] == asked_instead  # the trace records what was sent


def test_model_sends_the_call_and_every_later_one_to_another_model(stubs):
    before = len(stubs.b.hits)
    done, report = stubs.fork(stubs.recorded(), "--fork", "llm:openai.chat#1", "--model", "gpt-other",
                              "--base-url", stubs.b.url)
    assert done.returncode == 0, done.stderr
    asked = b_requests(stubs, before)
    assert [request["model"] for request in asked] == ["gpt-other", "gpt-other"]
    events = events_of(report)
    assert first(events, "run_start")["attrs"]["replay_of"]["fork"] == {
        "call": "llm:openai.chat#1", "change": "model", "model": "gpt-other"}
    assert not schema_errors(events)
    assert [event["model"] for event in events if event["event_type"] == "llm_call_start"] == ["gpt-other"] * 2


# --- --offline: nothing goes live; the first request the recording lacks stops the run ---------------

def test_offline_stops_at_the_first_request_the_recording_lacks_with_the_nearest_call(stubs):
    before = len(stubs.b.hits)
    paris = {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}
    done, report = stubs.fork(stubs.recorded(), "--fork", "llm:openai.chat#1", "--answer", json.dumps(paris),
                              "--offline")
    assert done.returncode == 1
    assert len(stubs.b.hits) == before
    assert report["counts"]["recorded"] == 1  # the tool asked what was recorded: its recorded answer
    miss = report["misses"][0]
    assert miss["call"] == "llm:openai.chat#2"
    nearest = miss["candidates"][0]
    assert nearest["key"] == "llm:openai.chat#2"
    made = made_id("call_", "llm:openai.chat#1", 1)  # the id the fork's answer gave its tool call
    assert any(made in reason for reason in nearest["reasons"]), nearest
    assert report["network"]["closed_by"] in ("namespace", "guard")
    text = command("replay", str(stubs.recorded()), "--rerun", "-o", str(stubs.directory / "forks"), "--fork",
                   "llm:openai.chat#1", "--answer", json.dumps(paris), "--offline", cwd=stubs.directory)
    assert "send it live: drop --offline" in text.stdout and "--mock" not in text.stdout


# --- usage errors: exit 2 before the app runs ---------------------------------------------------------

@pytest.mark.parametrize(("args", "said"), [
    (("--fork", "llm:openai.chat#1"), "--fork works only with --rerun"),
    (("--rerun", "--answer", "x"), "--answer works only with --fork"),
    (("--rerun", "--fork", "llm:openai.chat#9"), "llm:openai.chat was called 2 times, so there is no #9"),
    (("--rerun", "--fork", "llm:openai.chat"), "name one call"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--answer", "x", "--model", "m"), "a fork makes one change"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--ask", "hello"), "--ask: not JSON"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--ask", '{"role": "user"}'), "a JSON list"),
    (("--rerun", "--fork", "tool:get_weather#1", "--model", "m"), "is a tool call"),
    (("--rerun", "--fork", "llm:openai.chat#2", "--answer", '{"content": 5}'), "an LLM request: an answer is a text"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--offline"), "only a live call can answer"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--base-url", "127.0.0.1:9"), "not an http(s) URL"),
    (("--rerun", "--fork", "llm:openai.chat#1", "--mock", "tool:get_weather#1=1"), "--fork and --mock"),
])
def test_a_fork_that_cannot_be_made_is_a_usage_error(stubs, args, said):
    done = command("replay", str(stubs.recorded()), *args, cwd=stubs.directory)
    assert done.returncode == 2, done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
