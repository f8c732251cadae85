"""`verify TRACE` on four recorded apps, each a raw openai tool loop against a stub model on 127.0.0.1: a fixed
tool (fixed, exit 0), a regression (regressed, exit 1), live answers reworded with the same meaning (unchanged,
exit 0), and a model that answers at random over five tries (pass^k printed, inconclusive, exit 1); then a
hooked framework's fixed tool (openai-agents), a miss without --base-url, and bad input.

Each app is recorded with `namel3ss-debug trace`, then its code is changed in place (the current code) and
verified against the recording: calls the recording answers reach no stub; the ones it cannot go to the stub
that `--base-url` names, whose requests the test counts.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
import pytest
from jsonschema import Draft202012Validator
from support.rerunhelpers import command
from support.stubserver import StubServer
from support.stubs import ChatStub, LoopbackServer, Request, Reply, text_reply
from support.tracefactory import TraceBuilder

from namel3ss_debug.schemas import load_verify_schema

pytest.importorskip("openai")
ROOT = Path(__file__).resolve().parents[2]

APP = '''
import json
import sys

import openai
from namel3ss_debug import trace_tool_call

SYSTEM = "You are a weather assistant."
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@trace_tool_call(name="get_weather")
def get_weather(city):
    TOOL_BODY


def main():
    client = openai.OpenAI(base_url=sys.argv[1], api_key="sk-test", max_retries=0)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Weather in Paris?"}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    message = reply.choices[0].message
    messages.append({"role": "assistant", "content": None, "tool_calls": [c.model_dump() for c in message.tool_calls]})
    for call in message.tool_calls:
        try:
            said = get_weather(**json.loads(call.function.arguments))
        except LookupError as error:  # the model is told, as a framework would: a handled error
            said = f"error: {error}"
        messages.append({"role": "tool", "tool_call_id": call.id, "content": said})
    final = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS)
    print(final.choices[0].message.content)


main()
'''
WORKS = 'return "sunny, 24 C"'
BROKEN = 'raise LookupError("no forecast for " + city)'  # caught by the app: the model is told
CRASHES = 'raise RuntimeError("weather service down")'  # caught by nothing


def said(weather: str) -> str:
    return f"The weather in Paris: {weather}."


class Stub(ChatStub):
    """An OpenAI chat-completions stand-in on 127.0.0.1: asks for get_weather(Paris) first, then says what
    `final(tool result)` makes of the tool's result. `requests` counts what reached it."""

    def __init__(self, final: Callable[[str], str]):
        self.final = final
        super().__init__()

    def answer(self, request: Request) -> Reply:
        return Reply(orjson.dumps(self.completion(request.json()["messages"])))

    def completion(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        tool = next((m["content"] for m in messages if m["role"] == "tool"), None)
        if tool is None:
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
        else:
            message = {"role": "assistant", "content": self.final(tool)}
        return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}


@pytest.fixture
def stubs() -> Iterator[Callable[[Callable[[str], str]], Stub]]:
    made: list[Stub] = []

    def make(final: Callable[[str], str]) -> Stub:
        made.append(Stub(final))
        return made[-1]

    yield make
    for stub in made:
        stub.stop()


def write_app(path: Path, tool: str, system: str = "You are a weather assistant.") -> None:
    path.write_text(APP.replace("TOOL_BODY", tool).replace("You are a weather assistant.", system))


def recorded(tmp_path: Path, tool: str, stub: Stub) -> Path:
    """The app recorded against `stub`, with `tool` as its tool's body."""
    write_app(tmp_path / "app.py", tool)
    done = command("trace", "-q", "-o", "recorded", "app.py", stub.url, cwd=tmp_path)
    assert stub.requests == 2, done.stderr
    return next((tmp_path / "recorded").glob("*.jsonl"))


def verify(tmp_path: Path, trace: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = command("verify", str(trace), "-o", "new", "--format", "json", *args, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert [error.message for error in Draft202012Validator(load_verify_schema()).iter_errors(report)] == []
    return done, report


def test_a_fixed_tool_is_fixed_and_exits_0(tmp_path, stubs):
    normal = stubs(said)
    trace = recorded(tmp_path, BROKEN, normal)
    write_app(tmp_path / "app.py", WORKS)  # the fix
    live = stubs(said)
    done, report = verify(tmp_path, trace, "--base-url", live.url)
    assert (done.returncode, report["verdict"]) == (0, "fixed"), done.stderr
    assert report["recorded"]["passed"] is False
    assert [f["label"] for f in report["recorded"]["failures"]] == ["handled LookupError"]
    attempt = report["tries"][0]
    assert attempt["outcome"]["passed"] is True
    assert attempt["outcome"]["final_output"] == "The weather in Paris: sunny, 24 C."
    # the first LLM call asked what was recorded: answered from the recording; the second, carrying the fixed
    # tool's result, asked something else and went live: one request reached the live stub
    assert attempt["counts"] == {"recorded": 1, "reran": 1, "live": 1, "missed": 0}
    assert live.requests == 1
    first = attempt["calls"]["first"]
    assert first["key"] == "tool:get_weather#1"
    assert first["what"].startswith("tool:get_weather#1: recorded failed (LookupError: ")


def test_a_regression_is_regressed_and_exits_1(tmp_path, stubs):
    trace = recorded(tmp_path, WORKS, stubs(said))
    write_app(tmp_path / "app.py", CRASHES)  # the change that breaks it
    done, report = verify(tmp_path, trace)
    assert (done.returncode, report["verdict"]) == (1, "regressed")
    assert report["recorded"]["passed"] is True
    assert [f["label"] for f in report["tries"][0]["outcome"]["failures"]] == ["ended", "unhandled RuntimeError"]
    assert report["tries"][0]["calls"]["first"]["key"] == "tool:get_weather#1"


def test_live_answers_reworded_with_the_same_meaning_are_unchanged(tmp_path, stubs):
    trace = recorded(tmp_path, WORKS, stubs(said))
    write_app(tmp_path / "app.py", WORKS, system="You are a helpful weather assistant.")  # every request changes
    reworded = stubs(lambda tool: f"the weather in paris -- {tool.lower()}")
    done, report = verify(tmp_path, trace, "--base-url", reworded.url)
    assert (done.returncode, report["verdict"]) == (0, "unchanged"), done.stderr
    attempt = report["tries"][0]
    # the conversation's agent from the wire is named after its tools, not its system prompt: the new prompt
    # moves no call, so the decorated tool under it has its twin at its place and is run again (judged by what it
    # returns), not counted live beside the two LLM calls
    assert attempt["counts"] == {"recorded": 0, "reran": 1, "live": 2, "missed": 0} and reworded.requests == 2
    assert [(c["key"], c["how"]) for c in attempt["calls"]["calls"]] == [
        ("llm:openai.chat#1", "same"), ("tool:get_weather#1", "same"), ("llm:openai.chat#2", "reworded")]
    assert attempt["calls"]["first"] is None


def test_live_names_the_endpoint_the_try_called_not_the_recording_s(tmp_path, stubs):
    """The app reads its model's URL from a file: recorded against stub A, verified with stub B's URL in it.
    `--live` sends the try's miss to B, and the report names B (from the new trace) beside the recording's A."""
    app = APP.replace("base_url=sys.argv[1]", "base_url=open('url.txt').read()")
    then, now = stubs(said), stubs(said)
    (tmp_path / "url.txt").write_text(then.url)
    (tmp_path / "app.py").write_text(app.replace("TOOL_BODY", BROKEN))
    command("trace", "-q", "-o", "recorded", "app.py", cwd=tmp_path)
    trace = next((tmp_path / "recorded").glob("*.jsonl"))
    (tmp_path / "url.txt").write_text(now.url)
    (tmp_path / "app.py").write_text(app.replace("TOOL_BODY", WORKS))
    origin_then, origin_now = then.url.removesuffix("/v1"), now.url.removesuffix("/v1")
    done, report = verify(tmp_path, trace, "--live")
    assert (report["verdict"], now.requests, then.requests) == ("fixed", 1, 2), done.stderr
    assert (report["endpoints"], report["tries"][0]["live_endpoints"]) == ([origin_then], [origin_now])
    text = command("verify", str(trace), "-o", "new", "--live", cwd=tmp_path).stdout
    assert f"LLM misses live where the app sends them (they went to {origin_now}; the recording's went to " \
           f"{origin_then})" in text, text
    assert f"1 run live (to {origin_now})" in text, text


def test_a_model_that_answers_at_random_over_five_tries_is_inconclusive_with_pass_k(tmp_path, stubs):
    trace = recorded(tmp_path, WORKS, stubs(said))
    write_app(tmp_path / "app.py", WORKS, system="You are a helpful weather assistant.")
    draw = random.Random(4)  # seeded: the same draws every run of the test
    weathers = [draw.choice(["sunny, 24 C", "rain, 11 C"]) for _ in range(5)]
    assert weathers.count("sunny, 24 C") not in (0, 5)
    given = iter(weathers)
    chance = stubs(lambda tool: said(next(given)))
    done = command("verify", str(trace), "-o", "new", "--repeat", "5", "--expect", "contains:sunny",
                   "--base-url", chance.url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    passes = weathers.count("sunny, 24 C")
    out = done.stdout  # the app's five answers, then the report
    assert [line for line in out.splitlines() if line.startswith("The weather")] == [said(w) for w in weathers]
    assert f"inconclusive: the tries disagree ({5 - passes} regressed, {passes} unchanged)" in out or \
        f"inconclusive: the tries disagree ({passes} unchanged, {5 - passes} regressed)" in out, out
    figures = "  ".join(f"pass^{k} {value:.2f}" for k, value in enumerate(
        [__import__("math").comb(passes, k) / __import__("math").comb(5, k) for k in range(1, 6)], 1))
    assert f"pass^k        {passes} of 5 tries passed: {figures} (calls went live in 5 of 5 tries)" in out
    assert "verify: try 5 of 5" in done.stderr


def test_a_call_the_recording_cannot_answer_without_base_url_is_a_reported_miss_and_inconclusive(tmp_path, stubs):
    trace = recorded(tmp_path, WORKS, stubs(said))
    write_app(tmp_path / "app.py", WORKS, system="You are a helpful weather assistant.")
    done, report = verify(tmp_path, trace)
    assert (done.returncode, report["verdict"]) == (1, "inconclusive")
    assert report["why"] == "the new run was stopped: llm:openai.chat#1 had no recorded answer (the miss is " \
                            "shown below)"
    miss = report["tries"][0]["misses"][0]
    assert miss["why"].startswith("the recording has no request that asks the same"), miss
    assert "'You are a helpful weather assistant.'" in miss["why"]
    attempt = report["tries"][0]
    assert (attempt["outcome"]["status"], attempt["outcome"]["failures"], attempt["outcome"]["passed"]) == \
        ("stopped", [], False)  # what it did before the stop: nothing failed, and a stopped run never passes
    assert attempt["stopped"] == report["why"].removeprefix("the new run was stopped: ")
    assert attempt["counts"] == {"recorded": 0, "reran": 0, "live": 0, "missed": 1}


@pytest.mark.parametrize(("args", "said"), [
    (["--expect", "sunny"], "--expect 'sunny' is not a rule"),
    (["--expect", "matches:(?<=a)b"], "the pattern cannot be run"),
    (["--base-url", "ftp://x"], "--base-url ftp://x: not an http(s) URL of a server"),
    (["--repeat", "0"], "--repeat"),
])
def test_a_bad_option_is_a_usage_error_before_anything_runs(tmp_path, args, said):
    trace = tmp_path / "t.jsonl"
    trace.write_text("{}\n")
    done = command("verify", str(trace), *args, cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_a_trace_that_cannot_be_read_exits_3(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text("not json\n")
    done = command("verify", str(trace), cwd=tmp_path)
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr


def test_a_file_of_several_runs_is_a_usage_error(tmp_path):
    lines = []
    for run_id in ("20261122-100000-aaaaaa", "20261122-100001-bbbbbb"):
        builder = TraceBuilder(run_id)
        builder.run_start()
        builder.span("tool", "search", 5.0)
        builder.run_end()
        lines += [orjson.dumps(event) for event in builder.events]
    trace = tmp_path / "two.jsonl"
    trace.write_bytes(b"\n".join(lines) + b"\n")
    done = command("verify", str(trace), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "holds 2 runs, and verify judges one" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.frameworks
def test_a_hooked_framework_s_fixed_tool_is_fixed(tmp_path):
    """openai-agents (its tools hooked): the recorded tool raised KeyError and the SDK told the model; the
    fixed tool runs for real, and the second request, carrying its result, goes live to --base-url."""
    pytest.importorskip("agents")
    app = (ROOT / "tests" / "integrations" / "apps" / "agents_tool_error_app.py").read_text()
    (tmp_path / "app.py").write_text(app)
    with StubServer() as recording_stub, StubServer() as live_stub:
        environ = {"STUB_URL": recording_stub.url, "STUB_KEY": "sk-test"}
        done = command("trace", "-q", "-o", "recorded", "app.py", cwd=tmp_path, extra=environ)
        assert len(recording_stub.requests) == 2, done.stderr
        trace = next((tmp_path / "recorded").glob("*.jsonl"))
        fixed = app.replace('"Oslo": "snow, -3 C"}', '"Oslo": "snow, -3 C", "Atlantis": "sunny, 30 C"}')
        assert fixed != app
        (tmp_path / "app.py").write_text(fixed)
        done = command("verify", str(trace), "-o", "new", "--format", "json", "--base-url", live_stub.url,
                       cwd=tmp_path, extra=environ)
        report = json.loads(done.stdout)
        assert (done.returncode, report["verdict"]) == (0, "fixed"), done.stderr
        assert [f["label"] for f in report["recorded"]["failures"]] == ["handled KeyError"]
        assert report["tries"][0]["counts"]["live"] == 1 and len(live_stub.requests) == 1
        assert report["tries"][0]["calls"]["first"]["key"] == "tool:lookup_weather#1"


FETCHING = '''
import sys

import httpx
from namel3ss_debug import trace_tool_call


@trace_tool_call(name="forecast")
def forecast(city):
    return httpx.post(sys.argv[1] + "/weather", json={"city": city, "units": "metric"}).text


print(forecast("Paris"))
'''


class WeatherService:
    """A weather API on 127.0.0.1 that a tool calls over HTTP: the side effect; `hits` counts its requests."""

    def __init__(self) -> None:
        self.server = LoopbackServer({"POST *": self.forecast}, protocol="HTTP/1.0").start()
        self.url = self.server.url

    @property
    def hits(self) -> int:
        return len(self.server.requests)

    @staticmethod
    def forecast(request: Request) -> Reply:
        return text_reply("sunny, 75 F" if request.json()["units"] == "imperial" else "sunny, 24 C")


def test_a_tool_s_changed_http_request_is_a_miss_unless_live_requests_lets_it_out(tmp_path):
    service = WeatherService()
    try:
        (tmp_path / "app.py").write_text(FETCHING)
        done = command("trace", "-q", "-o", "recorded", "app.py", service.url, cwd=tmp_path)
        assert service.hits == 1, done.stderr
        trace = next((tmp_path / "recorded").glob("*.jsonl"))
        (tmp_path / "app.py").write_text(FETCHING.replace('"metric"', '"imperial"'))
        done, report = verify(tmp_path, trace)
        assert (done.returncode, report["verdict"], service.hits) == (1, "inconclusive", 1)  # nothing went out
        assert report["tries"][0]["misses"][0]["call"].startswith("http:")
        done, report = verify(tmp_path, trace, "--live-requests")
        assert (done.returncode, report["verdict"], service.hits) == (0, "unchanged", 2), done.stderr
        assert report["tries"][0]["outcome"]["final_output"] is None  # no LLM call: no final output
        assert report["tries"][0]["calls"]["first"]["what"] == \
            "tool:forecast#1: value: recorded 'sunny, 24 C', new 'sunny, 75 F'"
    finally:
        service.server.stop()
