"""The mocks, served as a replay would serve them, are read by the real SDKs: each request is
recognised, decoded, and answered with `api.mock(...)` written to the wire (JSON, or SSE frames with
their `event:` lines), through the SDK's own HTTP client with a mock transport."""

from __future__ import annotations

import json
from typing import Any

import pytest

from namel3ss_debug.transport.apis import recognise

openai = pytest.importorskip("openai")
base_client = pytest.importorskip("openai._base_client")
httpx = getattr(base_client, "httpx2", None) or base_client.httpx  # the HTTP library this SDK version uses
SAID = "Paris is sunny."
USER = [{"role": "user", "content": "Weather in Paris?"}]


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


def replay(request: Any) -> Any:
    body = json.loads(request.content)
    api = recognise(request.method, request.url.netloc.decode(), request.url.path, body)
    assert api is not None, request.url
    asked = api.request(request.url.path, body)
    record = api.mock(SAID, asked.model, asked.streamed)
    return httpx.Response(record["status"], headers=record["headers"], content=wire(record))


@pytest.fixture
def client() -> Any:
    with httpx.Client(transport=httpx.MockTransport(replay)) as http:
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
