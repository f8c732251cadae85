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

import json
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

if str(Path(__file__).parent) not in sys.path:  # the helpers beside this file, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from framework_support import App, Recording, Run, Workbench  # noqa: E402 - after the path
from venvs import framework_venv  # noqa: E402

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


class Bench(Workbench):
    """A workbench whose commands may run with switches of the app's (`STREAM`, `WEATHER_CHANGED`)."""

    def run(self, url: str, switches: dict[str, str], *args: str) -> Run:
        done = subprocess.run([self.python, "-m", "namel3ss_debug", *args], cwd=self.directory,
                              env={**self.environ(url), **switches}, capture_output=True, text=True, timeout=180)
        return Run(done.returncode, done.stdout, done.stderr)

    def bodies(self) -> list[str]:
        log = self.directory / "tool_bodies.log"
        return log.read_text().splitlines() if log.exists() else []


@dataclass(frozen=True)
class Runs:
    recording: Recording
    same: Run
    changed: Run
    bodies: list[str]  # what the tool bodies logged over the three runs, in order


def _record(bench: Bench, app: App, switches: dict[str, str]) -> Recording:
    original = bench.cli
    bench.cli = lambda url, *args: bench.run(url, switches, *args)  # type: ignore[method-assign]
    try:
        return bench.record(app)
    finally:
        bench.cli = original  # type: ignore[method-assign]


def _runs(bench: Bench, name: str) -> Runs:
    switches = SWITCHES.get(name, {})
    recording = _record(bench, APPS[name], switches)
    rerun = ("replay", str(recording.trace), "--rerun")
    same = bench.run(recording.url, switches, *rerun, "-o", str(bench.directory / "same"), "--format", "json")
    changed = bench.run(recording.url, {**switches, "WEATHER_CHANGED": "1"}, *rerun,
                        "-o", str(bench.directory / "changed"))
    return Runs(recording, same, changed, bench.bodies())


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Runs]:
    """Each app recorded, rerun as it is and with `get_weather` changed; two apps at a time, each in a
    directory of its own (its tool log its own)."""
    key = f"sk-test-{secrets.token_hex(16)}"

    def bench(name: str) -> Bench:
        venv = framework_venv("litellm", LITELLM) if name == "litellm" else None
        return Bench(tmp_path_factory.mktemp(name), key, venv)

    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(lambda n: _runs(bench(n), n), name) for name in APPS}
        return {name: future.result() for name, future in futures.items()}


def spans(recording: Recording, component: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    ends = {e["span_id"]: e for e in recording.events if e["event_type"] == f"{_prefix(component)}_end"}
    return [(start, ends[start["span_id"]]) for start in recording.events
            if start["event_type"] == f"{_prefix(component)}_start"]


def _prefix(component: str) -> str:
    return {"llm": "llm_call", "tool": "tool_call"}[component]


def _time(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


@pytest.mark.parametrize("name", list(APPS))
def test_each_tool_the_app_ran_is_a_span_with_its_arguments_and_result(runs, name) -> None:
    recording = runs[name].recording
    tools = spans(recording, "tool")
    assert [(start["name"], start["inputs"], end["outputs"]["return"], end["status"]) for start, end in tools] == [
        ("get_weather", {"city": "Paris"}, RESULTS["get_weather"] if name != "genai" else {"output": "light rain, 14 C"},
         "completed"),
        ("get_time", {"city": "Paris"}, RESULTS["get_time"] if name != "genai" else {"output": "10:00"}, "completed")]
    assert all(start["attrs"]["source"] == "wire" and start["attrs"]["api"] == LLM_API[name] for start, _ in tools)
    assert runs[name].bodies[:2] == BODIES  # the recording ran each body once


@pytest.mark.parametrize("name", list(APPS))
def test_each_tool_span_is_linked_to_the_answer_that_asked_and_timed_from_it(runs, name) -> None:
    recording = runs[name].recording
    llm = spans(recording, "llm")
    assert len(llm) == 3
    for (start, end), (asking_start, asking_end), (next_start, _) in zip(spans(recording, "tool"), llm, llm[1:]):
        asked = asking_end["outputs"]["tool_calls"]
        assert [call["name"] for call in asked] == [start["name"]]  # the stub asks for one tool per answer
        assert start["attrs"]["llm_span_id"] == asking_start["span_id"]
        assert start["attrs"].get("tool_call_id") == asked[0]["id"]
        assert start["parent_id"] == asking_start["parent_id"]  # under the span current when the model asked
        assert start["ts"] == asking_end["ts"]  # from the asking answer's end...
        assert _time(asking_end["ts"]) <= _time(end["ts"]) <= _time(next_start["ts"])  # ...to the request
        assert 0 < end["duration_ms"] < 60_000


@pytest.mark.parametrize("name", ["openai_chat", "anthropic", "httpx_agent"])
def test_the_trace_summary_says_the_tools_were_seen_on_the_wire_only(runs, name) -> None:
    stderr = runs[name].recording.run.stderr
    assert "tool calls  2; 2 seen on the wire only (no hook recorded them: a rerun runs them again)\n" in stderr
    end = runs[name].recording.of_type("run_end")[0]
    assert end["attrs"]["tool_calls"] == {"asked": 2, "hooked": 0, "wire": 2, "unseen": 0}


def test_analyze_says_the_tools_were_seen_on_the_wire_only(runs) -> None:
    recording = runs["openai_responses"].recording
    bench = Bench(recording.trace.parent, "sk-test-unused")
    overview = bench.analyze(recording)["overview"]
    assert (overview["tool_calls"], overview["wire_tool_calls"], overview["unseen_tool_calls"]) == (2, 2, 0)
    text = bench.run(recording.url, {}, "analyze", str(recording.trace))
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
def test_a_tool_that_returns_something_else_is_not_reproduced(runs, name) -> None:
    changed = runs[name].changed
    assert changed.verdict() == "not reproduced: the rerun diverged from the recording"
    assert "unhooked      2 tool calls no hook recorded ran again (seen on the wire or through OpenTelemetry): " \
           "what they returned is compared below" in changed.stdout
    assert "heat wave, 38 C" in changed.stdout


def test_the_text_report_says_the_unhooked_tools_returned_what_was_recorded(runs, tmp_path) -> None:
    recording = runs["openai_chat"].recording
    bench = Bench(tmp_path, "sk-test-unused")
    text = bench.run(recording.url, {}, "replay", str(recording.trace), "--rerun", "-o", str(tmp_path / "out"), "-y")
    assert text.verdict() == "reproduced: the rerun matches the recording"
    assert "unhooked      2 tool calls no hook recorded ran again (seen on the wire or through OpenTelemetry): " \
           "they returned what the recording has" in text.stdout

