"""A provider-neutral answer (`neutral_record`): each API's record of it reads back, through the API's own
decoder, as the same text and tool calls, streamed or not; a value that is no answer, or tool calls for an
API mocked as a text only, is refused with a message saying what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from namel3ss_debug.transport.apis import AnswerShapeError, is_message, neutral_answer, neutral_record, recognise
from namel3ss_debug.transport.apis.neutral import made_id

CHAT = recognise("POST", "api.openai.com", "/v1/chat/completions", {"messages": []})
RESPONSES = recognise("POST", "api.openai.com", "/v1/responses", {"input": "hi"})
ANTHROPIC = recognise("POST", "api.anthropic.com", "/v1/messages", {"messages": [], "max_tokens": 1})
GEMINI = recognise("POST", "x", "/v1beta/models/gemini-2.5-flash:generateContent", {})
OLLAMA = recognise("POST", "127.0.0.1:11434", "/api/chat", {"messages": []})
COMPLETIONS = recognise("POST", "api.openai.com", "/v1/completions", {"prompt": "x"})
ASKED = {"content": "Checking.", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}},
                                                {"name": "book", "arguments": {}, "id": "mine"}]}
SHAPE = {"openai.chat": "call_", "openai.responses": "call_", "anthropic.messages": "toolu_01",
         "gemini.generate_content": "call_"}  # the prefix of a call id each API's mock makes


def made(api: Any, seed: str = "", number: int = 1) -> str:
    return made_id(SHAPE[api.name], seed, number)


def said_back(api: Any, record: dict[str, Any]) -> dict[str, Any]:
    """The text and tool calls the API's decoder reads in a record (arguments as objects)."""
    outputs = api.stream(record["frames"]) if "frames" in record else api.response(record["body"])
    calls = [(call["id"], call["name"], call["arguments"] if isinstance(call["arguments"], dict)
              else json.loads(call["arguments"])) for call in outputs.get("tool_calls", [])]
    return {"text": outputs.get("text"), "calls": calls}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("api", [CHAT, RESPONSES, ANTHROPIC, GEMINI], ids=lambda api: api.name)
def test_each_api_says_the_text_and_the_tool_calls_with_ids_made_up_in_order(api: Any, streamed: bool) -> None:
    record = neutral_record(api, ASKED, "m", streamed)
    assert said_back(api, record) == {"text": "Checking.", "calls": [(made(api), "get_weather", {"city": "Paris"}),
                                                                     ("mine", "book", {})]}


@pytest.mark.parametrize("api", [CHAT, RESPONSES, ANTHROPIC, GEMINI], ids=lambda api: api.name)
def test_a_made_id_is_the_answered_calls_own_and_the_same_in_every_rerun(api: Any) -> None:
    def ids(seed: str) -> list[str]:
        return [call[0] for call in said_back(api, neutral_record(api, ASKED, "m", False, seed))["calls"]]

    first, second = ids(f"llm:{api.name}#1"), ids(f"llm:{api.name}#2")
    assert first[0] != second[0] and first[0] == made(api, f"llm:{api.name}#1")
    assert first == ids(f"llm:{api.name}#1") and first[1] == second[1] == "mine"  # deterministic; given kept


@pytest.mark.parametrize("api", [CHAT, RESPONSES, ANTHROPIC, GEMINI, OLLAMA, COMPLETIONS], ids=lambda api: api.name)
def test_a_text_is_the_whole_answer(api: Any) -> None:
    assert said_back(api, neutral_record(api, "Sunny.", "m", False)) == {"text": "Sunny.", "calls": []}


def test_the_finish_reason_says_the_model_asked_for_tools() -> None:
    assert CHAT.response(neutral_record(CHAT, ASKED, "m", False)["body"])["finish_reason"] == "tool_calls"
    assert ANTHROPIC.response(neutral_record(ANTHROPIC, ASKED, "m", False)["body"])["finish_reason"] == "tool_use"
    assert CHAT.response(neutral_record(CHAT, "Hi.", "m", False)["body"])["finish_reason"] == "stop"


@pytest.mark.parametrize("api", [OLLAMA, COMPLETIONS], ids=lambda api: api.name)
def test_an_api_mocked_as_a_text_only_refuses_tool_calls(api: Any) -> None:
    with pytest.raises(AnswerShapeError, match=f"^{api.name} answers are mocked as a text only, not with tool calls"):
        neutral_record(api, ASKED, "m", False)


@pytest.mark.parametrize(("value", "says"), [
    ({"content": "x", "tool_call": []}, "an assistant message has no key 'tool_call'"),
    ({"content": None}, "needs a content or at least one tool call"),
    ({"tool_calls": [{"arguments": {}}]}, r"tool_calls\[0\] needs a name"),
    ({"tool_calls": [{"name": "f", "arguments": '{"a": 1}'}]}, r"tool_calls\[0\]\.arguments must be a JSON object"),
    ({"tool_calls": [{"name": "f", "args": {}}]}, r"tool_calls\[0\] has no key 'args'"),
    ({"role": "user", "content": "x"}, "role is assistant, not 'user'"),
    ({"tool_calls": {"name": "f"}}, "tool_calls must be a list"),
])
def test_a_value_that_is_no_answer_is_refused_saying_why(value: Any, says: str) -> None:
    with pytest.raises(AnswerShapeError, match=says):
        neutral_record(CHAT, value, "m", False)


def test_a_message_is_told_from_a_response_record_and_from_a_body() -> None:
    assert is_message({"content": "x"}) and is_message({"tool_calls": []}) and is_message({"content": None})
    assert not is_message({"status": 200, "body": {"content": "x"}})  # a response record
    assert not is_message({"id": "msg_1", "content": [{"type": "text", "text": "x"}]})  # an Anthropic body
    assert not is_message({"choices": []}) and not is_message("text")


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("api", [CHAT, RESPONSES, ANTHROPIC, GEMINI], ids=lambda api: api.name)
def test_a_record_reads_back_as_the_answer_it_says_with_its_call_ids(api: Any, streamed: bool) -> None:
    back = neutral_answer(api.name, neutral_record(api, ASKED, "m", streamed))
    assert back == {"content": "Checking.", "tool_calls": [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "id": made(api)},
        {"name": "book", "arguments": {}, "id": "mine"}]}
    assert neutral_answer(api.name, neutral_record(api, {"content": None, "tool_calls": ASKED["tool_calls"]},
                                                   "m", streamed))["content"] is None


def test_a_record_that_is_no_answer_has_no_neutral_form() -> None:
    assert neutral_answer("openai.chat", {"status": 429, "body": {"error": {"message": "slow"}}}) is None
    assert neutral_answer("writer", {"status": 200, "body": {}}) is None
    broken = {"status": 200, "body": {"choices": [{"index": 0, "message": {"tool_calls": [
        {"id": "c", "function": {"name": "f", "arguments": "{not json"}}]}}]}}
    assert neutral_answer("openai.chat", broken) is None  # its arguments cannot be said as an object
