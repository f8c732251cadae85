"""The mocks, served as a replay would serve them, are read by the real SDKs: each request is
recognised, decoded, and answered with `neutral_record(api, value, ...)` written to the wire (JSON, or SSE
frames with their `event:` lines), through the SDK's own HTTP client with a mock transport. A value is a
text or an assistant message with tool calls; each SDK's parsed object must carry both."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from namel3ss_debug.transport.apis import neutral_record, recognise
from namel3ss_debug.transport.apis.neutral import made_id

openai = pytest.importorskip("openai")
base_client = pytest.importorskip("openai._base_client")
httpx = getattr(base_client, "httpx2", None) or base_client.httpx  # the HTTP library this SDK version uses
SAID = "Paris is sunny."
USER = [{"role": "user", "content": "Weather in Paris?"}]
CALLS = [{"name": "get_weather", "arguments": {"city": "Paris", "days": 2}},
         {"name": "get_time", "arguments": {"zone": "Europe/Paris"}}]
ASKED = {"content": "Let me look.", "tool_calls": CALLS}
WANTED = [("get_weather", {"city": "Paris", "days": 2}), ("get_time", {"zone": "Europe/Paris"})]
IDS = [made_id("call_", "", 1), made_id("call_", "", 2)]  # made for a call with no key (`seed`)


def wire(record: dict[str, Any]) -> bytes:
    """A response record's body as bytes on the wire."""
    if "body" in record:
        return json.dumps(record["body"]).encode()
    lines = []
    for frame in record["frames"]:
        data = frame["data"] if isinstance(frame["data"], str) else json.dumps(frame["data"])
        if record["framing"] == "ndjson":
            lines.append(f"{data}\n")
        else:
            lines.append("".join(f"{key}: {frame[key]}\n" for key in ("event",) if key in frame) + f"data: {data}\n\n")
    return "".join(lines).encode()


def answering(value: Any, keyed: bool = False) -> Any:
    """A transport answering every LLM request with `value`, as the API it calls says it; `keyed`: each answer's
    tool call ids made from the key of the request it answers, as a rerun's (`llm:openai.chat#2`)."""
    numbers: dict[str, int] = {}

    def replay(request: Any) -> Any:
        body = json.loads(request.content)
        api = recognise(request.method, request.url.netloc.decode(), request.url.path, body)
        assert api is not None, request.url
        asked = api.request(request.url.path, body)
        numbers[api.name] = numbers.get(api.name, 0) + 1
        seed = f"llm:{api.name}#{numbers[api.name]}" if keyed else ""
        record = neutral_record(api, value, asked.model, asked.streamed, seed)
        return httpx.Response(record["status"], headers=record["headers"], content=wire(record))

    return httpx.MockTransport(replay)


@pytest.fixture
def client() -> Any:
    with httpx.Client(transport=answering(SAID)) as http:
        yield http


@pytest.fixture
def calling() -> Any:
    """A client whose model says a text and asks for two tools."""
    with httpx.Client(transport=answering(ASKED)) as http:
        yield http


def test_openai_chat_reads_the_mocks_whole_streamed_and_through_its_stream_helper(client: Any) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=client)
    assert sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0].message.content == SAID
    chunks = sdk.chat.completions.create(model="gpt-4o", messages=USER, stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == SAID
    with sdk.chat.completions.stream(model="gpt-4o", messages=USER) as stream:
        assert stream.get_final_completion().choices[0].message.content == SAID


def test_openai_responses_reads_the_mocks_whole_streamed_and_through_its_stream_helper(client: Any) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=client)
    assert sdk.responses.create(model="gpt-4.1", input="hi").output_text == SAID
    events = list(sdk.responses.create(model="gpt-4.1", input="hi", stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.output_text == SAID
    with sdk.responses.stream(model="gpt-4.1", input="hi") as stream:  # checks the events' order and ids
        assert stream.get_final_response().output_text == SAID


def test_openai_completions_and_embeddings_read_the_mocks(client: Any) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=client)
    assert sdk.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say").choices[0].text == SAID
    pieces = sdk.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say", stream=True)
    assert "".join(piece.choices[0].text for piece in pieces) == SAID
    assert len(sdk.embeddings.create(model="text-embedding-3-small", input="hi").data) == 1


def test_anthropic_reads_the_mocks_whole_streamed_and_through_its_stream_helper(client: Any) -> None:
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url="http://127.0.0.1:8123", http_client=client)
    asked = {"model": "claude-test", "max_tokens": 64, "messages": USER}
    assert sdk.messages.create(**asked).content[0].text == SAID
    events = list(sdk.messages.create(**asked, stream=True))  # the SDK skips a frame without an `event:` line
    assert [event.type for event in events] == ["message_start", "content_block_start", "content_block_delta",
                                                "content_block_stop", "message_delta", "message_stop"]
    with sdk.messages.stream(**asked) as stream:
        assert stream.get_final_message().content[0].text == SAID


def test_google_genai_reads_the_mocks_whole_and_streamed(client: Any) -> None:
    genai = pytest.importorskip("google.genai")
    sdk = genai.Client(api_key="test", http_options=genai.types.HttpOptions(base_url="http://127.0.0.1:8123",
                                                                            httpx_client=client))
    assert sdk.models.generate_content(model="gemini-2.5-flash", contents="hi").text == SAID
    streamed = sdk.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")  # `?alt=sse`
    assert "".join(chunk.text or "" for chunk in streamed) == SAID


def chat_calls(message: Any) -> list[tuple[str, Any]]:
    return [(call.function.name, json.loads(call.function.arguments)) for call in message.tool_calls]


def test_openai_chat_reads_an_answer_with_tool_calls_whole_streamed_and_through_its_helper(calling: Any) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=calling)
    reply = sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0]
    assert (reply.message.content, chat_calls(reply.message), reply.finish_reason) == \
        ("Let me look.", WANTED, "tool_calls")
    assert [call.id for call in reply.message.tool_calls] == IDS
    with sdk.chat.completions.stream(model="gpt-4o", messages=USER) as stream:  # merges the chunks' pieces
        final = stream.get_final_completion().choices[0].message
    assert (final.content, chat_calls(final)) == ("Let me look.", WANTED)
    chunks = list(sdk.chat.completions.create(model="gpt-4o", messages=USER, stream=True))
    pieces = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or ()]
    assert [(piece.index, piece.function.name) for piece in pieces] == [(0, "get_weather"), (1, "get_time")]


def test_openai_responses_reads_an_answer_with_tool_calls_whole_streamed_and_through_its_helper(calling: Any) -> None:
    sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=calling)

    def said(response: Any) -> tuple[str, list[tuple[str, Any]], list[str]]:
        calls = [item for item in response.output if item.type == "function_call"]
        return (response.output_text, [(call.name, json.loads(call.arguments)) for call in calls],
                [call.call_id for call in calls])

    assert said(sdk.responses.create(model="gpt-4.1", input="hi")) == ("Let me look.", WANTED, IDS)
    events = list(sdk.responses.create(model="gpt-4.1", input="hi", stream=True))
    assert said(events[-1].response) == ("Let me look.", WANTED, IDS)
    with sdk.responses.stream(model="gpt-4.1", input="hi") as stream:  # checks the events' order and ids
        assert said(stream.get_final_response()) == ("Let me look.", WANTED, IDS)


def test_anthropic_reads_an_answer_with_tool_calls_whole_streamed_and_through_its_helper(calling: Any) -> None:
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.Anthropic(api_key="sk-ant-test", base_url="http://127.0.0.1:8123", http_client=calling)
    asked = {"model": "claude-test", "max_tokens": 64, "messages": USER}

    def said(message: Any) -> tuple[Any, ...]:
        return (message.content[0].text, [(block.name, block.input) for block in message.content[1:]],
                message.stop_reason)

    assert said(sdk.messages.create(**asked)) == ("Let me look.", WANTED, "tool_use")
    with sdk.messages.stream(**asked) as stream:  # joins each tool's input from its JSON deltas
        assert said(stream.get_final_message()) == ("Let me look.", WANTED, "tool_use")
    kinds = [event.type for event in sdk.messages.create(**asked, stream=True)]
    assert kinds.count("content_block_start") == 3 and kinds[-1] == "message_stop"


@pytest.mark.parametrize("vertex", [False, True], ids=["gemini", "vertex"])
def test_google_genai_reads_an_answer_with_tool_calls_whole_and_streamed(calling: Any, vertex: bool) -> None:
    genai = pytest.importorskip("google.genai")
    options = genai.types.HttpOptions(base_url="http://127.0.0.1:8123", httpx_client=calling)
    sdk = genai.Client(vertexai=vertex, api_key="test", http_options=options)
    whole = sdk.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert (whole.text, [(call.name, call.args) for call in whole.function_calls]) == ("Let me look.", WANTED)
    chunks = list(sdk.models.generate_content_stream(model="gemini-2.5-flash", contents="hi"))
    assert [(call.name, call.args) for chunk in chunks for call in chunk.function_calls or ()] == WANTED


def test_an_answer_of_tool_calls_only_has_no_text_in_any_sdk() -> None:
    only = {"content": None, "tool_calls": CALLS[:1]}
    with httpx.Client(transport=answering(only)) as http:
        sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=http)
        message = sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0].message
        assert (message.content, chat_calls(message)) == (None, WANTED[:1])
        response = sdk.responses.create(model="gpt-4.1", input="hi")
        assert [item.type for item in response.output] == ["function_call"]


def test_tool_calls_of_two_answered_calls_get_distinct_ids_in_each_apis_shape_that_the_sdks_read() -> None:
    anthropic = pytest.importorskip("anthropic")
    with httpx.Client(transport=answering(ASKED, keyed=True)) as http:
        sdk = openai.OpenAI(api_key="sk-test", base_url="http://127.0.0.1:8123/v1", http_client=http)
        chat = [call.id for _ in range(2)
                for call in sdk.chat.completions.create(model="gpt-4o", messages=USER).choices[0].message.tool_calls]
        items = [item for _ in range(2) for item in sdk.responses.create(model="gpt-4.1", input="hi").output
                 if item.type == "function_call"]
        claude = anthropic.Anthropic(api_key="sk-ant-test", base_url="http://127.0.0.1:8123", http_client=http)
        blocks = [block.id for _ in range(2) for block in claude.messages.create(
            model="claude-test", max_tokens=64, messages=USER).content if block.type == "tool_use"]
    for ids, shape in ((chat, r"call_[0-9a-f]{24}"), ([item.call_id for item in items], r"call_[0-9a-f]{24}"),
                       ([item.id for item in items], r"fc_[0-9a-f]{24}"), (blocks, r"toolu_01[0-9a-f]{24}")):
        assert len(ids) == 4 and len(set(ids)) == 4, ids  # two calls in each of two answers: no id twice
        assert all(re.fullmatch(shape, made) for made in ids), ids
    assert chat[0] == made_id("call_", "llm:openai.chat#1", 1)  # the same in every rerun of that call
