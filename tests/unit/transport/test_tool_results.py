"""The tool results a request carries, paired with the calls they answer, for every API that has tools: by the
call's id; by position within the latest turn where an API gives none; odd shapes skipped, never raised on."""

from __future__ import annotations

import pytest

from namel3ss_debug.transport.apis.tool_results import ToolResult, results_sent


def chat_call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_openai_chat_pairs_each_tool_message_with_the_call_of_its_id() -> None:
    body = {"messages": [
        {"role": "user", "content": "weather and time in Paris"},
        {"role": "assistant", "content": None, "tool_calls": [chat_call("c1", "get_weather", '{"city": "Paris"}'),
                                                              chat_call("c2", "get_time", '{"city": "Paris"}')]},
        {"role": "tool", "tool_call_id": "c2", "content": "10:00"},
        {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "rain"}]},
    ]}
    assert results_sent("openai.chat", body) == [
        ToolResult("c2", "get_time", '{"city": "Paris"}', "10:00"),
        ToolResult("c1", "get_weather", '{"city": "Paris"}', "rain"),  # a list of text parts read as its text
    ]


def test_openai_chat_legacy_function_messages_pair_by_position() -> None:
    body = {"messages": [{"role": "assistant", "function_call": {"name": "lookup", "arguments": "{}"}},
                         {"role": "function", "name": "lookup", "content": "found"}]}
    assert results_sent("openai.chat", body) == [ToolResult(None, "lookup", "{}", "found")]


def test_a_result_whose_call_the_request_does_not_repeat_keeps_its_id_alone() -> None:
    body = {"input": [{"type": "function_call_output", "call_id": "fc_1", "output": "sunny"}],
            "previous_response_id": "resp_1"}
    assert results_sent("openai.responses", body) == [ToolResult("fc_1", None, None, "sunny")]


def test_responses_pairs_outputs_with_function_call_items() -> None:
    body = {"input": [
        {"role": "user", "content": "Paris"},
        {"type": "function_call", "call_id": "fc_1", "name": "get_weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "call_id": "fc_1", "output": "sunny"},
        {"type": "custom_tool_call", "call_id": "ct_1", "name": "grep", "input": "needle"},
        {"type": "custom_tool_call_output", "call_id": "ct_1", "output": "3 hits"},
    ]}
    assert results_sent("openai.responses", body) == [ToolResult("fc_1", "get_weather", '{"city":"Paris"}', "sunny"),
                                                      ToolResult("ct_1", "grep", "needle", "3 hits")]


def test_anthropic_tool_result_blocks_and_their_errors() -> None:
    body = {"messages": [
        {"role": "user", "content": "Paris"},
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                          {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
                                           "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True,
                                      "content": [{"type": "text", "text": "service down"}]}]},
    ]}
    assert results_sent("anthropic.messages", body) == [
        ToolResult("toolu_1", "get_weather", {"city": "Paris"}, "service down", failed=True)]


def test_gemini_function_responses_by_id_or_by_position_and_an_error_response() -> None:
    body = {"contents": [
        {"role": "user", "parts": [{"text": "Paris"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                                    {"functionCall": {"id": "g2", "name": "get_time", "args": {"city": "Paris"}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"error": "down"}}},
                                   {"function_response": {"id": "g2", "name": "get_time",
                                                          "response": {"output": "10:00"}}}]},
    ]}
    assert results_sent("gemini.generate_content", body) == [
        ToolResult("g2", "get_time", {"city": "Paris"}, {"output": "10:00"}),
        ToolResult(None, "get_weather", {"city": "Paris"}, {"error": "down"}, failed=True),
    ]


def test_results_without_ids_count_only_after_the_latest_turn() -> None:
    """An earlier turn's results went out with an earlier request; without ids they could not be told from
    a later call with the same name and arguments, so only the latest turn's are read."""
    body = {"messages": [
        {"role": "assistant", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "rain"},
        {"role": "assistant", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                                             {"function": {"name": "get_time", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "still rain"},
        {"role": "tool", "content": "10:00"},
        {"role": "tool", "content": "a result with no call left to answer"},
    ]}
    assert results_sent("ollama.chat", body) == [
        ToolResult(None, "get_weather", {"city": "Paris"}, "still rain"),
        ToolResult(None, "get_time", {"city": "Paris"}, "10:00"),
    ]


def test_an_answer_in_words_ends_the_turn_before_it() -> None:
    body = {"messages": [
        {"role": "assistant", "tool_calls": [{"function": {"name": "get_weather", "arguments": {}}}]},
        {"role": "tool", "content": "rain"},
        {"role": "assistant", "content": "It rains."},
        {"role": "user", "content": "and now?"},
    ]}
    assert results_sent("ollama.chat", body) == []


@pytest.mark.parametrize("body", [None, [], "text", {"messages": "x"}, {"messages": [None, 3, {"role": "tool"}]},
                                  {"messages": [{"role": "assistant", "tool_calls": [None, {"function": 7}]},
                                                {"role": "tool", "tool_call_id": 5, "content": {"deep": [1]}}]},
                                  {"contents": [{"role": "model", "parts": [{"functionCall": "x"}]},
                                                {"parts": [{"functionResponse": []}]}]},
                                  {"input": "just text"}])
@pytest.mark.parametrize("api", ["openai.chat", "openai.responses", "anthropic.messages", "gemini.generate_content",
                                 "ollama.chat"])
def test_odd_shapes_read_as_what_they_hold_and_never_raise(api: str, body: object) -> None:
    for result in results_sent(api, body):
        assert isinstance(result, ToolResult)


def test_an_api_without_tools_carries_no_results() -> None:
    assert results_sent("openai.embeddings", {"input": "x"}) == []
    assert results_sent("openai.completions", {"prompt": "x"}) == []
