"""A `--mock` that answered no call of a rerun (`judging/report.unused_mock`): its one line names what to mock
instead: the request its call sent (an OpenTelemetry `llm` span's `http` child), else the recording's nearest calls
of its kind, else that the recording has none of that kind."""

from __future__ import annotations

from support.tracefactory import TraceBuilder

from namel3ss_debug.judging.report import unused_mock
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.recording.mocks import Mock, parse_key


def recording() -> Recording:
    """An agent with two OpenTelemetry-style `llm` spans, each with its request as an `http` child, and a tool."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "travel_assistant")
    for _ in range(2):
        llm = trace.start("llm", "generate_content", agent)
        trace.span("http", "gemini.generate_content", 5, llm)
        trace.end(llm, 1)
    trace.span("tool", "get_weather", 2, agent)
    trace.end(agent, 1)
    trace.run_end()
    return Recording(timeline_of(trace.events), PathTable())


def said(key: str) -> str:
    return unused_mock(recording(), Mock(parse_key(key), "Sunny.", "--mock")).said


def test_a_mock_of_an_llm_span_whose_request_is_its_http_child_names_that_request() -> None:
    assert said("llm:generate_content#2") == ("--mock llm:generate_content#2 answered no call of the rerun; mock "
                                              "http:gemini.generate_content#2 instead (the request it sent, which "
                                              "the rerun answers)")


def test_a_key_the_recording_lacks_names_the_nearest_calls_of_its_kind() -> None:
    assert said("llm:generate_content#5") == ("--mock llm:generate_content#5 answered no call of the rerun; the "
                                              "recording's nearest llm calls: llm:generate_content#2, "
                                              "llm:generate_content#1")
    assert said("tool:get_wether#1") == ("--mock tool:get_wether#1 answered no call of the rerun; the recording's "
                                         "nearest tool calls: tool:get_weather#1")


def test_a_kind_the_recording_lacks_is_said() -> None:
    assert said("chain:plan#1") == "--mock chain:plan#1 answered no call of the rerun; the recording has no chain calls"


def wire_recording(hooked_tool: bool = False) -> Recording:
    """A raw loop: the model asks for two tools no hook holds (seen on the wire, inside the next request's span),
    then answers; with `hooked_tool`, a decorated tool besides."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "openai.chat", 3)
    second = trace.start("llm", "openai.chat")
    for name in ("get_weather", "get_time"):
        tool = trace.start("tool", name, second)
        trace.events[-1]["attrs"] = {"source": "wire", "api": "openai.chat"}
        trace.end(tool, 1, outputs={"return": "ok"})
    trace.end(second, 2)
    if hooked_tool:
        trace.span("tool", "convert", 1)
    trace.run_end()
    return Recording(timeline_of(trace.events), PathTable())


def test_a_mock_of_a_tool_that_runs_again_says_so_and_names_the_call_a_mock_can_answer() -> None:
    said = unused_mock(wire_recording(), Mock(parse_key("tool:get_weather#1"), "Sunny.", "--mock")).said
    assert said == ("--mock tool:get_weather#1 answered no call of the rerun: tool:get_weather runs again in a "
                    "rerun (seen on the wire, no hook of ours holds its body) and no recorded tool can be mocked; "
                    "mock llm:openai.chat#2 instead (the model's next answer)")


def test_only_tools_a_mock_can_answer_are_offered_instead() -> None:
    recording = wire_recording(hooked_tool=True)
    assert unused_mock(recording, Mock(parse_key("tool:get_weather#1"), 1, "--mock")).said.endswith(
        "(seen on the wire, no hook of ours holds its body); tools a mock can answer: tool:convert#1")
    assert unused_mock(recording, Mock(parse_key("tool:get_tme#1"), 1, "--mock")).said == (
        "--mock tool:get_tme#1 answered no call of the rerun; the recording's nearest tool calls: tool:convert#1")
