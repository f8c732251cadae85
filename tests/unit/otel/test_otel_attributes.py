"""The attribute mapping of OpenTelemetry spans (otel/attributes.py): GenAI semantic
conventions and OpenInference names, pure, no SDK."""

from __future__ import annotations

import json

from namel3ss_debug.otel.attributes import (
    component_of,
    ending,
    opening,
    usage_of,
)


def test_openinference_kinds_become_our_components() -> None:
    kinds = {"LLM": "llm", "EMBEDDING": "llm", "TOOL": "tool", "AGENT": "agent", "CHAIN": "chain",
             "RETRIEVER": "custom"}
    for kind, component in kinds.items():
        assert component_of({"openinference.span.kind": kind}) == component


def test_genai_operations_become_our_components() -> None:
    operations = {"chat": "llm", "text_completion": "llm", "generate_content": "llm", "execute_tool": "tool",
                  "invoke_agent": "agent", "create_agent": "custom", "something_new": "custom"}
    for operation, component in operations.items():
        assert component_of({"gen_ai.operation.name": operation}) == component


def test_http_client_and_database_spans_are_left_out() -> None:
    assert component_of({"http.request.method": "POST", "url.full": "https://api.openai.com/v1"}, "CLIENT") is None
    assert component_of({"db.system": "postgresql"}) is None
    assert component_of({}, "INTERNAL") == "custom"  # a plain span of the app's own


def test_a_natively_hooked_frameworks_tool_spans_are_left_out_but_its_llm_spans_kept() -> None:
    assert component_of({"gen_ai.operation.name": "execute_tool"}, scope="pydantic-ai") is None
    assert component_of({"gen_ai.operation.name": "chat"}, scope="pydantic-ai") == "llm"


def test_a_genai_chat_span_reads_model_messages_usage_and_tool_calls() -> None:
    start = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
             "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}])}
    opened = opening("chat gpt-4o", start)
    assert (opened.component, opened.name, opened.model) == ("llm", "chat gpt-4o", "gpt-4o")
    assert opened.inputs == {"messages": [{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]}
    out = [{"role": "assistant", "parts": [{"type": "text", "content": "Let me look."},
                                           {"type": "tool_call", "id": "call_1", "name": "get_weather",
                                            "arguments": {"city": "Paris"}}]}]
    ended = ending("llm", {**start, "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 12,
                           "gen_ai.usage.output_tokens": 5, "gen_ai.output.messages": json.dumps(out),
                           "gen_ai.response.finish_reasons": ("tool_calls",)})
    assert ended.model == "gpt-4o-2024-08-06"
    assert ended.usage == {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}
    assert ended.outputs["text"] == "Let me look."
    assert ended.outputs["tool_calls"] == [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]
    assert ended.outputs["finish_reason"] == "tool_calls"


def test_an_openinference_llm_span_reads_flattened_messages_and_token_counts() -> None:
    attributes = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
                  "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Be brief.",
                  "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Weather?",
                  "llm.output_messages.0.message.role": "assistant",
                  "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_9",
                  "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
                  "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Oslo"}',
                  "llm.token_count.prompt": 20, "llm.token_count.completion": 4, "llm.token_count.total": 24}
    opened = opening("ChatCompletion", attributes)
    assert opened.inputs == {"messages": [{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Weather?"}]}
    ended = ending("llm", attributes)
    assert ended.model == "gpt-4o-mini"
    assert ended.usage == {"input_tokens": 20, "output_tokens": 4, "total_tokens": 24}
    assert ended.outputs["tool_calls"] == [{"id": "call_9", "name": "get_weather", "arguments": '{"city": "Oslo"}'}]


def test_an_llm_span_without_messages_keeps_input_and_output_values_decoded() -> None:
    attributes = {"openinference.span.kind": "LLM", "input.value": '{"model": "m", "messages": []}',
                  "output.value": "plain text"}
    assert opening("ChatCompletion", attributes).inputs == {"value": {"model": "m", "messages": []}}
    assert ending("llm", attributes).outputs == {"value": "plain text"}


def test_tool_spans_take_their_name_call_id_arguments_and_result_in_either_vocabulary() -> None:
    genai = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
             "gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": '{"city": "Paris"}',
             "gen_ai.tool.call.result": "rain"}
    openinference = {"openinference.span.kind": "TOOL", "tool.name": "get_weather", "tool_call.id": "call_1",
                     "input.value": '{"city": "Paris"}', "output.value": "rain"}
    for attributes in (genai, openinference):
        opened = opening("execute_tool get_weather", attributes)
        assert (opened.component, opened.name, opened.tool_call_id) == ("tool", "get_weather", "call_1")
        assert opened.inputs == {"city": "Paris"}
        assert ending("tool", attributes).outputs == {"return": "rain"}


def test_agent_spans_are_named_after_the_agent() -> None:
    assert opening("invoke_agent", {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}).name \
        == "planner"
    assert opening("Agent run", {"openinference.span.kind": "AGENT", "agent.name": "critic"}).name == "critic"


def test_an_error_status_is_an_error_record_from_the_last_exception_event() -> None:
    exception = {"exception.type": "builtins.TimeoutError", "exception.message": "read timed out",
                 "exception.stacktrace": "Traceback ..."}
    ended = ending("tool", {}, "ERROR", "read timed out", [exception])
    assert ended.error["type"] == "TimeoutError"
    assert ended.error["message"] == "read timed out"
    assert ended.error["category"] == "timeout"
    assert ended.error["stack"] == "Traceback ..."
    assert ending("tool", {}, "OK", None, [exception]).error is None  # handled: recorded, not failed
    assert ending("chain", {}, "ERROR", "bad input", []).error["message"] == "bad input"


def test_usage_total_defaults_to_input_plus_output_and_absent_counts_are_none() -> None:
    assert usage_of({"gen_ai.usage.prompt_tokens": 3, "gen_ai.usage.completion_tokens": 2}) == \
        {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert usage_of({"llm.token_count.prompt": True}) is None
    assert usage_of({}) is None


def test_a_tool_span_whose_result_reads_as_an_error_ends_failed_handled_and_inferred() -> None:
    """An OTLP file read back, or the OTel hook, applies the one error-shape rule (`model/error_shape.py`)."""
    said = "Failed to invoke Tool `get_forecast` with parameters {'days': 9}. Error: days must be between 1 and 7"
    failed = ending("tool", {"gen_ai.tool.call.result": said})
    assert (failed.error["type"], failed.error["handled"], failed.error["inferred"], failed.error["rule"]) == (
        "ToolError", True, True, "error_word")
    assert ending("tool", {"gen_ai.tool.call.result": "sunny, 24 C"}).error is None
    assert ending("agent", {"output.value": said}).error is None  # only a tool's result is read so
