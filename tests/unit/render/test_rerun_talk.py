"""An LLM request at the rerun's console, as its messages and its answer (`render/rerun/talk.py`): the same
lines for a tool loop sent to OpenAI chat, Responses, Anthropic and Gemini, and the answer of a response record
each API's mock makes (`neutral_record`); any other call keeps its JSON view."""

from __future__ import annotations

import pytest

from namel3ss_debug.render.rerun.talk import MESSAGES_SHOWN, answer_lines, asked_lines
from namel3ss_debug.transport.apis import neutral_record, named

LOOP = ["user: Weather in Paris?", "assistant: get_weather(city=Paris, days=2)", "tool: rain, 11 C"]
REQUESTS = {
    "openai.chat": {"model": "m", "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather",
                                                          "arguments": '{"city": "Paris", "days": 2}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "rain, 11 C"}]},
    "openai.responses": {"model": "m", "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in Paris?"}]},
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city": "Paris", "days": 2}'},
        {"type": "function_call_output", "call_id": "c1", "output": "rain, 11 C"}]},
    "anthropic.messages": {"model": "m", "max_tokens": 9, "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "c1", "name": "get_weather",
                                           "input": {"city": "Paris", "days": 2}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1",
                                      "content": [{"type": "text", "text": "rain, 11 C"}]}]}]},
    "gemini.generate_content": {"model": "m", "contents": [
        {"role": "user", "parts": [{"text": "Weather in Paris?"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris", "days": 2}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": "rain, 11 C"}}]}]},
}


@pytest.mark.parametrize("api", sorted(REQUESTS))
def test_a_tool_loop_reads_as_the_same_messages_whatever_the_api(api: str) -> None:
    assert asked_lines("llm", api, REQUESTS[api], 160) == LOOP


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("api", sorted(REQUESTS))
def test_an_answer_reads_as_the_assistant_s_text_and_tool_calls(api: str, streamed: bool) -> None:
    said = {"content": "Checking.", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}
    decoder = named(api)
    assert decoder is not None
    record = neutral_record(decoder, said, "m", streamed)
    assert answer_lines("llm", api, record, 160) == ["assistant: Checking.; get_weather(city=Oslo)"]


def test_a_system_prompt_outside_the_messages_comes_first_and_long_talks_show_their_latest_messages() -> None:
    many = [{"role": "user", "content": f"q{n}"} for n in range(MESSAGES_SHOWN + 3)]
    lines = asked_lines("llm", "anthropic.messages", {"system": "Be brief.", "messages": many}, 160)
    assert lines is not None
    assert lines[:3] == ["system: Be brief.", "(3 earlier messages: `inputs` shows them all)", "user: q3"]
    assert len(lines) == MESSAGES_SHOWN + 2


def test_text_is_one_visible_line_and_other_calls_keep_their_json_view() -> None:
    hostile = {"messages": [{"role": "user", "content": "a\x1b[31m\nb"}]}
    assert asked_lines("llm", "openai.chat", hostile, 160) == ["user: a\\x1b[31m\\nb"]
    assert asked_lines("llm", "writer", {"prompt": "x"}, 160) is None  # a decorated call: not a request
    assert asked_lines("tool", "openai.chat", REQUESTS["openai.chat"], 160) is None
    assert asked_lines("http", "api.example.com", {"messages": []}, 160) is None  # an HTTP request of the app's


def test_the_request_inside_an_opentelemetry_llm_span_is_read_as_one() -> None:
    assert asked_lines("http", "openai.chat", REQUESTS["openai.chat"], 160) == LOOP
    assert answer_lines("llm", "openai.chat", {"status": 429, "body": {"error": {}}}, 160) is None
