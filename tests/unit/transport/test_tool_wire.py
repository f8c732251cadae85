"""A tool call made into a span from the request that carries its result: a result the API marks as an error is a
failed span, a call a hook recorded is left to the hook's span, and an odd body is never the app's error."""

from __future__ import annotations

from typing import Any

from namel3ss_debug import trace_tool_call
from namel3ss_debug.integrations.tools import tool_attrs
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer
from namel3ss_debug.transport.tool_wire import record_wire_tools


def asked(calls: list[dict[str, Any]]) -> None:
    """An LLM call of the running run whose answer asks for `calls`."""
    tracer = get_tracer()
    span = tracer.start_span("llm", "anthropic.messages", "llm_call", inputs={"messages": []}, activate=False)
    span.outputs = {"tool_calls": calls}
    tracer.end_span(span)


def anthropic_result(call_id: str, content: str, *, is_error: bool = False) -> dict[str, Any]:
    return {"messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": call_id, "name": "get_weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call_id, "content": content,
                                      "is_error": is_error}]}]}


def test_a_result_the_api_marks_as_an_error_is_a_failed_tool_span() -> None:
    with capture_events() as run:
        asked([{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}])
        record_wire_tools(get_tracer(), "anthropic.messages", anthropic_result("toolu_1", "service down",
                                                                              is_error=True))
    [end] = run.calls("tool")
    assert (end["name"], end["status"], end["error"]["type"], end["error"]["message"]) == (
        "get_weather", "failed", "ToolError", "service down")
    assert (end["error"]["handled"], end["outputs"]["return"]) == (True, "service down")  # what the model was told


def test_a_gemini_response_holding_only_an_error_is_a_failed_tool_span() -> None:
    body = {"contents": [
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather",
                                                         "response": {"error": {"code": 503}}}}]}]}
    with capture_events() as run:
        asked([{"id": None, "name": "get_weather", "arguments": {"city": "Paris"}}])
        record_wire_tools(get_tracer(), "gemini.generate_content", body)
    [end] = run.calls("tool")
    assert (end["status"], end["error"]["message"], end["outputs"]["return"]) == (
        "failed", '{"code":503}', {"error": {"code": 503}})


def test_a_call_a_hook_recorded_makes_no_span_from_the_wire() -> None:
    with capture_events() as run:
        asked([{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}])
        tool_attrs(get_tracer(), "a-framework", "toolu_1")  # what a hook's tool span does as it opens
        record_wire_tools(get_tracer(), "anthropic.messages", anthropic_result("toolu_1", "rain"))
    assert run.calls("tool") == []
    assert run.of_type("run_end")[0]["attrs"]["tool_calls"] == {"asked": 1, "hooked": 1, "wire": 0, "missing": 0,
                                                                "unseen": 0}


def test_a_body_that_cannot_be_read_is_no_error_of_the_apps() -> None:
    class Hostile(dict):
        def get(self, *args: Any) -> Any:
            raise RuntimeError("boom")

    with capture_events() as run:
        asked([{"id": "toolu_1", "name": "get_weather", "arguments": {}}])
        record_wire_tools(get_tracer(), "anthropic.messages", Hostile())
    assert [end["error"]["type"] for end in run.calls("tool")] == ["ToolResultMissing"]  # its result never seen
    assert run.of_type("run_end")[0]["attrs"]["tracer_errors"] == 1


# -- calls whose results never came back ---------------------------------------------------------------------
def test_a_call_still_unanswered_at_the_run_end_is_a_failed_handled_tool_result_missing_span() -> None:
    with capture_events() as run:
        asked([{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}])
    [start] = run.of_type("tool_call_start")
    [end] = run.calls("tool")
    llm = run.calls("llm")[0]
    assert (start["name"], start["inputs"], start["ts"]) == ("get_weather", {"city": "Paris"}, llm["ts"])
    assert (start["attrs"]["llm_span_id"], start["attrs"]["tool_call_id"], start["attrs"]["result"]) == (
        llm["span_id"], "toolu_1", "missing")
    assert (end["status"], end["error"]["type"], end["error"]["category"], end["error"]["handled"]) == (
        "failed", "ToolResultMissing", "unknown", True)
    assert end["error"]["message"] == ("the model asked for get_weather (call toolu_1); "
                                       "the run ended before its result was sent back")
    assert "outputs" not in end  # the model was told nothing
    assert run.of_type("run_end")[0]["attrs"]["tool_calls"] == {"asked": 1, "hooked": 0, "wire": 0, "missing": 1,
                                                                "unseen": 0}


def test_a_call_whose_request_forced_the_tool_is_the_answer_not_a_missing_result() -> None:
    with capture_events() as run:
        tracer = get_tracer()
        span = tracer.start_span("llm", "openai.chat", "llm_call", activate=False)
        tracer.run.asks.forced(span.span_id)  # tool_choice named the tool: structured output
        span.outputs = {"tool_calls": [{"id": "call_1", "name": "Answer", "arguments": "{}"}]}
        tracer.end_span(span)
    assert run.calls("tool") == []
    assert run.of_type("run_end")[0]["attrs"]["tool_calls"]["unseen"] == 1


def test_a_decorated_tool_the_model_asked_for_is_linked_and_not_made_again_from_the_wire() -> None:
    @trace_tool_call
    def get_weather(city: str) -> str:
        raise KeyError(city)

    with capture_events() as run:
        asked([{"id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}])
        try:
            get_weather(city="Paris")
        except KeyError as error:
            told = f"error: {error!r}"
        record_wire_tools(get_tracer(), "anthropic.messages", anthropic_result("toolu_1", told, is_error=True))
    [start] = run.of_type("tool_call_start")
    [end] = run.calls("tool")
    assert (start["attrs"]["tool_call_id"], start["attrs"]["linked_by"]) == ("toolu_1", "name_and_arguments")
    assert (end["status"], end["error"]["type"]) == ("failed", "KeyError")  # the decorator's span, once


# -- results that read as errors, and a crash --------------------------------------------------------------------
def openai_result(call_id: str, content: str) -> dict[str, Any]:
    return {"messages": [
        {"role": "assistant", "tool_calls": [{"id": call_id, "type": "function",
                                              "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": call_id, "content": content}]}


def test_a_result_the_loop_wrote_as_an_error_is_a_failed_handled_inferred_span() -> None:
    with capture_events() as run:
        asked([{"id": "call_1", "name": "get_weather", "arguments": "{}"}])
        record_wire_tools(get_tracer(), "openai.chat", openai_result("call_1", "ERROR: no data for 'paris, fr'"))
    [end] = run.calls("tool")
    assert (end["status"], end["error"]["type"], end["error"]["handled"], end["error"]["inferred"],
            end["error"]["rule"]) == ("failed", "ToolError", True, True, "error_word")
    assert end["outputs"]["return"] == "ERROR: no data for 'paris, fr'"


def test_a_result_that_reads_as_a_result_stays_completed() -> None:
    with capture_events() as run:
        asked([{"id": "call_1", "name": "get_weather", "arguments": "{}"}])
        record_wire_tools(get_tracer(), "openai.chat", openai_result("call_1", "Error bars: +/- 2 C; 14 C"))
    assert [(end["status"], "error" in end) for end in run.calls("tool")] == [("completed", False)]


def get_weather() -> None:
    raise ValueError("unknown city")


def test_a_crash_fails_the_pending_tool_on_its_stack_and_leaves_the_others_not_answered() -> None:
    with capture_events() as run:
        asked([{"id": "call_1", "name": "get_time", "arguments": "{}"},
               {"id": "call_2", "name": "get_weather", "arguments": "{}"}])
        try:
            get_weather()
        except ValueError as exc:
            get_tracer().record_error(exc, unhandled=True)
    crashed, skipped = sorted(run.calls("tool"), key=lambda end: end["name"], reverse=True)
    assert (crashed["name"], crashed["status"], crashed["error"]["type"], "handled" in crashed["error"]) == (
        "get_weather", "failed", "ValueError", False)
    assert (skipped["name"], skipped["status"], "error" in skipped) == ("get_time", "skipped", False)
    assert skipped["attrs"]["not_answered"] == "the run crashed at ValueError in get_weather"
    [error] = run.of_type("error_occurred")
    assert error["seq"] > crashed["seq"], "the crash is written after the tool it began at"
    assert run.of_type("run_end")[0]["attrs"]["tool_calls"] == {
        "asked": 2, "hooked": 0, "wire": 0, "missing": 0, "unseen": 0, "crashed": 1, "not_answered": 1}
