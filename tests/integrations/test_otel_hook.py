"""OpenTelemetry in: an app instrumented with `openinference-instrumentation-openai` on its OWN tracer
provider is traced with no change: the OpenInference spans become our agent, llm and tool spans through
the span processor we add to the app's provider, each LLM call is counted once (its request is the llm
span's `http` child), the app's exporter still gets every span, and `replay --rerun` with the stub
stopped reproduces the run.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from framework_support import App, Recording, Run, Workbench, new_bench, skip_unless_installed

pytestmark = pytest.mark.frameworks

OTEL_APP = App("otel_openinference_app", ("openinference.instrumentation.openai", "opentelemetry.sdk.trace",
                                          "opentelemetry.instrumentation.httpx", "openai"), 4)
EXPORTED = "exporter received 9 spans: AGENT, LLM, TOOL"
Event = dict[str, Any]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    skip_unless_installed(OTEL_APP.stem, *OTEL_APP.modules)
    return new_bench(tmp_path_factory, "otel")


@pytest.fixture(scope="module")
def recording(bench: Workbench) -> Recording:
    return bench.record(OTEL_APP)


@pytest.fixture(scope="module")
def offline(bench: Workbench, recording: Recording) -> Run:
    """The rerun with the stub server stopped (record() stops it)."""
    return bench.rerun(recording)


def ends(recording: Recording, component: str) -> list[Event]:
    return [e for e in recording.events if e["component"] == component and e["event_type"].endswith("_end")]


def starts(recording: Recording, component: str) -> list[Event]:
    return [e for e in recording.events if e["component"] == component and e["event_type"].endswith("_start")]


def test_the_users_exporter_still_gets_every_span(recording: Recording) -> None:
    assert EXPORTED in recording.run.stdout


def test_each_openinference_llm_span_is_an_llm_span_with_the_model_and_the_stubs_tokens(recording: Recording) -> None:
    llm = [e for e in ends(recording, "llm") if e["name"] == "ChatCompletion"]
    assert len(llm) == len(recording.answers) == 4
    for end, answer in zip(llm, recording.answers):
        assert end["model"] == answer["model"]
        assert (end["usage"]["input_tokens"], end["usage"]["output_tokens"]) == \
            (answer["input_tokens"], answer["output_tokens"])
        assert end["attrs"]["source"] == "opentelemetry"


def test_the_request_inside_an_llm_span_is_its_http_child_without_usage(recording: Recording) -> None:
    llm_ids = {e["span_id"] for e in starts(recording, "llm")}
    http = ends(recording, "http")
    assert [e["name"] for e in http] == ["openai.chat"] * 4
    assert all(e["parent_id"] in llm_ids and "usage" not in e and "cost_usd" not in e for e in http)


def test_analyze_counts_each_call_once(bench: Workbench, recording: Recording) -> None:
    report = bench.analyze(recording)
    models = {m["model"]: m for m in report["llm"]["models"]}
    assert report["llm"]["calls"] == 5  # four requests, and the LLM span no client of ours sent
    assert models["gpt-4o-mini"]["calls"] == 4
    assert models["gpt-4o-mini"]["input_tokens"] == sum(a["input_tokens"] for a in recording.answers)
    assert (models["llama-3-8b-local"]["calls"], models["llama-3-8b-local"]["total_tokens"]) == (1, 5)
    tools = {t["name"]: t for t in report["tools"]}
    assert (tools["get_weather"]["calls"], tools["get_weather"]["failures"]) == (2, 1)


def test_spans_nest_as_the_opentelemetry_spans_do(recording: Recording) -> None:
    agents = starts(recording, "agent")
    assert [a["name"] for a in agents] == ["forecaster", "forecaster"]
    agent_ids = {a["span_id"] for a in agents}
    nested = [e for e in starts(recording, "llm") + starts(recording, "tool") if e["name"] != "local-llm"]
    assert len(nested) == 6 and all(e["parent_id"] in agent_ids for e in nested)
    local = [e for e in starts(recording, "llm") if e["name"] == "local-llm"]
    assert local[0]["parent_id"] == recording.events[1]["span_id"]  # under the run: no parent span


def test_tool_spans_have_arguments_result_error_and_the_llm_call_that_asked(recording: Recording) -> None:
    tool_starts, tool_ends = starts(recording, "tool"), ends(recording, "tool")
    assert [t["inputs"] for t in tool_starts] == [{"city": "Paris"}, {"city": "Atlantis"}]
    assert tool_ends[0]["outputs"] == {"return": "light rain, 14 C"}
    assert tool_ends[1]["status"] == "failed"
    assert tool_ends[1]["error"]["type"] == "LookupError"
    assert "Atlantis" in tool_ends[1]["error"]["message"]
    asked = {call["id"]: end["span_id"] for end in ends(recording, "llm") for call in
             (end.get("outputs") or {}).get("tool_calls", [])}
    for start in tool_starts:
        attrs = start["attrs"]
        assert attrs["framework"] == "opentelemetry"
        assert attrs["llm_span_id"] == asked[attrs["tool_call_id"]]


def test_http_client_spans_are_left_out(recording: Recording) -> None:
    components = {e["component"] for e in recording.events}
    assert components <= {"app", "agent", "llm", "tool", "http"}
    assert not [e for e in recording.events if e["name"].startswith("POST")]


def test_offline_rerun_prints_the_same_and_says_the_tools_ran_live(recording: Recording, offline: Run) -> None:
    # Observed through OpenTelemetry, a tool's body runs again (a span processor cannot answer a call): it is
    # judged by what it returned, as the rest of the run is. The local model's call no hooked client carries
    # ran live, so the rerun does not claim to have reproduced the run.
    assert offline.verdict() == "not reproduced: 1 call(s) ran live instead of being answered from the recording", \
        offline.stdout + offline.stderr
    assert "2 run again (judged by what they returned), 1 run live" in offline.stdout
    assert "divergence    none" in offline.stdout
    printed = [line for line in recording.run.stdout.splitlines() if line.startswith(("answer:", "tool ", "exporter "))]
    assert offline.app_lines() == printed and EXPORTED in printed
    assert "4 from the recording" in offline.stdout  # the server is stopped: no request reached the network
    # Observed through OpenTelemetry, the tool's body runs again: a span processor cannot answer a call.
    assert sum(line.startswith("tool get_weather ran") for line in offline.app_lines()) == 2


def test_mocking_the_request_of_an_llm_span_changes_what_the_app_got(bench: Workbench, recording: Recording) -> None:
    mocked = bench.rerun(recording, "--mock", 'http:openai.chat#2="Sunny all week."')
    assert "answer: Sunny all week." in mocked.app_lines()
    assert mocked.verdict().startswith("not reproduced:")


def test_a_mock_of_an_llm_span_answers_its_request(bench: Workbench, recording: Recording) -> None:
    """The `llm` span is OpenTelemetry's and only watches: the request it sent (its `http` child) is what a rerun
    answers, so a `--mock` of the span is given to that request."""
    mocked = bench.rerun(recording, "--mock", 'llm:ChatCompletion#2="Sunny all week."')
    assert "answer: Sunny all week." in mocked.app_lines(), mocked.stdout + mocked.stderr
    assert "changed       http:openai.chat#2" in mocked.stdout
    assert "answered no call" not in mocked.stdout + mocked.stderr


def test_a_mock_that_answered_no_call_fails_the_rerun_naming_the_calls_to_mock(bench: Workbench,
                                                                              recording: Recording) -> None:
    done = bench.rerun(recording, "--mock", 'llm:ChatCompletion#9="Sunny all week."')
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [line for line in done.stderr.splitlines() if "answered no call" in line]
    assert line == ("namel3ss-debug: error: --mock llm:ChatCompletion#9 answered no call of the rerun; the "
                    "recording's nearest llm calls: llm:ChatCompletion#4, llm:ChatCompletion#3, llm:ChatCompletion#2")
    assert done.verdict().startswith("not reproduced: --mock llm:ChatCompletion#9 answered no call of the rerun")


def test_input_messages_set_after_the_span_started_are_on_its_end_and_go_out(bench: Workbench,
                                                                           recording: Recording) -> None:
    """openinference sets an LLM call's `llm.input_messages.*` after its span started: they were lost."""
    [first, *_] = [e for e in ends(recording, "llm") if e["name"] == "ChatCompletion"]
    assert first["inputs"]["messages"][0]["content"] == recording.requests[0]["messages"][0]["content"]
    out = bench.directory / "otel-export.json"
    assert bench.cli(recording.url, "export", str(recording.trace), "--to", "otlp-json", str(out)).returncode == 0
    spans = [span for line in out.read_text().splitlines() for rs in json.loads(line)["resourceSpans"]
             for scope in rs["scopeSpans"] for span in scope["spans"]]
    llm = [span for span in spans if span["name"] == "ChatCompletion"]
    assert len(llm) == 4
    for span in llm:
        attributes = {kv["key"]: kv["value"] for kv in span["attributes"]}
        messages = json.loads(attributes["gen_ai.input.messages"]["stringValue"])
        assert messages and messages[0]["role"] == "user"
        assert attributes["gen_ai.request.model"]["stringValue"] and "llm.invocation_parameters" in attributes
    scopes = {scope["scope"]["name"] for line in out.read_text().splitlines()
              for rs in json.loads(line)["resourceSpans"] for scope in rs["scopeSpans"]}
    assert "openinference.instrumentation.openai" in scopes
