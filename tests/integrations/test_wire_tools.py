"""Tools from the wire: raw tool loops on the openai SDK (Chat Completions, streamed or not, and Responses),
anthropic, google-genai and litellm, and an agent framework nobody hooked (its own loop over httpx), each
against the stub server on 127.0.0.1 with two tools (apps/wire_*.py).

No hook of ours sees these tools run; each is recorded as a `tool` span from the request that carries its
result: its arguments and result, under the span that was current when the model asked, linked to the asking
LLM call, timed from the end of that answer to the request, marked `source: wire`. The trace summary says so;
a rerun (the stub stopped) answers the LLM calls from the recording and runs the tool bodies again (nothing
holds them), judged by what they return: the same, reproduced; `get_weather` changed, not reproduced.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import pytest
from framework_support import App, Recording, Run, Workbench
from support.tracehelpers import schema_errors
from support.venvs import framework_venv

pytestmark = pytest.mark.frameworks

LITELLM = ("litellm==1.110.2",)
APPS = {
    "openai_chat": App("wire_openai_chat", ("openai",), 3),
    "openai_chat_streamed": App("wire_openai_chat", ("openai",), 3),
    "openai_responses": App("wire_openai_responses", ("openai",), 3),
    "anthropic": App("wire_anthropic", ("anthropic",), 3),
    "genai": App("wire_genai", ("google.genai",), 3),
    "httpx_agent": App("wire_httpx_agent", ("httpx",), 3),
    "litellm": App("wire_litellm", (), 3),
}
SWITCHES = {"openai_chat_streamed": {"STREAM": "1"}}
LLM_API = {"openai_chat": "openai.chat", "openai_chat_streamed": "openai.chat", "openai_responses": "openai.responses",
           "anthropic": "anthropic.messages", "genai": "gemini.generate_content", "httpx_agent": "openai.chat",
           "litellm": "openai.chat"}
RESULTS = {"get_weather": "light rain, 14 C", "get_time": "10:00"}
BODIES = ["get_weather Paris", "get_time Paris"]


@dataclass(frozen=True)
class Runs:
    recording: Recording
    same: Run
    changed: Run
    bodies: list[str]  # what the tool bodies logged over the three runs, in order


def _runs(bench: Workbench, name: str) -> Runs:
    recording = bench.record(APPS[name])
    same = bench.rerun(recording, "--format", "json")
    bench.env = {**bench.env, "WEATHER_CHANGED": "1"}
    changed = bench.rerun(recording)
    return Runs(recording, same, changed, bench.bodies())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Runs]:
    """Each app recorded, rerun as it is and with `get_weather` changed; two apps at a time, each in a
    directory of its own (its tool log its own)."""
    key = f"sk-test-{secrets.token_hex(16)}"

    def bench(name: str) -> Workbench:
        venv = framework_venv("litellm", LITELLM) if name == "litellm" else None
        return Workbench(tmp_path_factory.mktemp(name), key, venv, env=SWITCHES.get(name, {}))

    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(lambda n: _runs(bench(n), n), name) for name in APPS}
        return {name: future.result() for name, future in futures.items()}


def _time(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


@pytest.mark.parametrize("name", list(APPS))
def test_each_tool_the_app_ran_is_a_span_with_its_arguments_and_result(runs, name) -> None:
    recording = runs[name].recording
    tools = recording.spans("tool")
    assert [(start["name"], start["inputs"], end["outputs"]["return"], end["status"]) for start, end in tools] == [
        ("get_weather", {"city": "Paris"},
         RESULTS["get_weather"] if name != "genai" else {"output": "light rain, 14 C"}, "completed"),
        ("get_time", {"city": "Paris"}, RESULTS["get_time"] if name != "genai" else {"output": "10:00"}, "completed")]
    assert all(start["attrs"]["source"] == "wire" and start["attrs"]["api"] == LLM_API[name] for start, _ in tools)
    assert runs[name].bodies[:2] == BODIES  # the recording ran each body once


@pytest.mark.parametrize("name", list(APPS))
def test_each_tool_span_is_linked_to_the_answer_that_asked_and_timed_from_it(runs, name) -> None:
    recording = runs[name].recording
    llm = recording.spans("llm")
    assert len(llm) == 3
    for (start, end), (asking_start, asking_end), (next_start, _) in zip(recording.spans("tool"), llm, llm[1:]):
        asked = asking_end["outputs"]["tool_calls"]
        assert [call["name"] for call in asked] == [start["name"]]  # the stub asks for one tool per answer
        assert start["attrs"]["llm_span_id"] == asking_start["span_id"]
        assert start["attrs"].get("tool_call_id") == asked[0]["id"]
        assert start["parent_id"] == asking_start["parent_id"]  # under the span current when the model asked
        assert start["ts"] == asking_end["ts"]  # from the asking answer's end...
        assert _time(asking_end["ts"]) <= _time(end["ts"]) <= _time(next_start["ts"])  # ...to the request
        assert 0 < end["duration_ms"] < 60_000


@pytest.mark.parametrize("name", list(APPS))
def test_the_trace_with_its_wire_tools_and_its_account_is_valid(runs, name) -> None:
    assert schema_errors(runs[name].recording.events) == []


@pytest.mark.parametrize("name", ["openai_chat", "anthropic", "httpx_agent"])
def test_the_trace_summary_says_the_tools_were_seen_on_the_wire_only(runs, name) -> None:
    stderr = runs[name].recording.run.stderr
    assert "tool calls  2; 2 seen on the wire only (no hook recorded them: a rerun runs them again)\n" in stderr
    end = runs[name].recording.of_type("run_end")[0]
    assert end["attrs"]["tool_calls"] == {"asked": 2, "hooked": 0, "wire": 2, "missing": 0, "unseen": 0}


def test_analyze_says_the_tools_were_seen_on_the_wire_only(runs) -> None:
    recording = runs["openai_responses"].recording
    bench = Workbench(recording.trace.parent, "sk-test-unused")
    overview = bench.analyze(recording)["overview"]
    assert (overview["tool_calls"], overview["wire_tool_calls"], overview["unseen_tool_calls"]) == (2, 2, 0)
    text = bench.cli(recording.url, "analyze", str(recording.trace))
    assert "3 LLM, 2 tool; 2 seen on the wire only (no hook recorded them: a rerun runs them again)" in text.stdout


@pytest.mark.parametrize("name", list(APPS))
def test_a_rerun_runs_the_tools_again_and_judges_them_by_what_they_returned(runs, name) -> None:
    same = runs[name].same
    report = same.report()
    assert report["reproduced"] is True, same.stderr
    assert (report["counts"]["recorded"], report["counts"]["reran"], report["counts"]["live"]) == (3, 2, 0)
    assert report["unhooked_tools"] == 2
    assert runs[name].bodies[2:4] == BODIES  # nothing holds their bodies: they ran again


@pytest.mark.parametrize("name", ["openai_chat", "openai_responses", "anthropic", "genai", "litellm"])
def test_a_tool_that_returns_something_else_parts_the_rerun_and_the_next_request_misses(runs, name) -> None:
    changed = runs[name].changed
    assert changed.verdict() == "not reproduced: 1 call(s) had no recorded answer"  # never the stale answer
    assert "parted        at tool:get_weather#1 (live)" in changed.stdout
    # the request carrying get_weather's new result missed: the model never asked for get_time
    assert "unhooked      1 tool call no hook recorded ran again (seen on the wire or through OpenTelemetry): " \
           "what it returned is compared below" in changed.stdout
    assert "heat wave, 38 C" in changed.stdout


def test_the_text_report_says_the_unhooked_tools_returned_what_was_recorded(runs, tmp_path) -> None:
    recording = runs["openai_chat"].recording
    bench = Workbench(tmp_path, "sk-test-unused")
    text = bench.cli(recording.url, "replay", str(recording.trace), "--rerun", "-o", str(tmp_path / "out"), "-y")
    assert text.verdict() == "reproduced: the rerun matches the recording"
    assert "unhooked      2 tool calls no hook recorded ran again (seen on the wire or through OpenTelemetry): " \
           "they returned what the recording has" in text.stdout

