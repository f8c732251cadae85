"""OpenAI legacy Completions and Embeddings decoded."""

from __future__ import annotations

import base64
import struct

import pytest

from namel3ss_debug.transport.apis import recognise
from namel3ss_debug.transport.apis.neutral import NeutralAnswer

COMPLETIONS = recognise("POST", "api.openai.com", "/v1/completions", {"prompt": "Say this is a test"})
EMBEDDINGS = recognise("POST", "api.openai.com", "/v1/embeddings", {"input": "hi"})
COMPLETION = {"id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7", "object": "text_completion", "created": 1589478378,
              "model": "gpt-3.5-turbo-instruct",
              "choices": [{"text": "\n\nThis is indeed a test", "index": 0, "logprobs": None,
                           "finish_reason": "length"}],
              "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}


def piece(text: str, finish: str | None = None) -> dict:
    return {"data": {**COMPLETION, "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
                     "usage": None}}


def test_a_completion_gives_its_text_finish_reason_usage_model_and_id() -> None:
    assert COMPLETIONS.response(COMPLETION) == {
        "text": "\n\nThis is indeed a test", "finish_reason": "length",
        "usage": {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12},
        "model": "gpt-3.5-turbo-instruct", "id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7"}


def test_a_completion_stream_joins_its_pieces() -> None:
    frames = [piece("This"), piece(" is"), piece("", "stop"), {"data": "[DONE]"}]
    outputs = COMPLETIONS.stream(frames)
    assert (outputs["text"], outputs["finish_reason"]) == ("This is", "stop")
    assert [COMPLETIONS.is_token(frame) for frame in frames] == [True, True, False, False]


def test_the_completions_mocks_are_what_the_openai_sdk_parses() -> None:
    types = pytest.importorskip("openai.types")
    body = COMPLETIONS.mock(NeutralAnswer("ok"), "m", False)["body"]
    assert types.Completion.model_validate(body).choices[0].text == "ok"
    frames = COMPLETIONS.mock(NeutralAnswer("ok"), "m", True)["frames"]
    assert frames[-1] == {"data": "[DONE]"}
    assert [types.Completion.model_validate(frame["data"]).choices[0].text for frame in frames[:-1]] == ["ok"]
    assert COMPLETIONS.stream(frames)["text"] == "ok"


def test_embeddings_give_the_vector_count_their_size_and_the_input_tokens() -> None:
    body = {"object": "list", "model": "text-embedding-3-small",
            "data": [{"object": "embedding", "index": 0, "embedding": [0.1, -0.2, 0.3]},
                     {"object": "embedding", "index": 1, "embedding": [0.0, 0.5, 0.1]}],
            "usage": {"prompt_tokens": 8, "total_tokens": 8}}
    assert EMBEDDINGS.response(body) == {"embeddings": 2, "dimensions": 3,
                                         "usage": {"input_tokens": 8, "total_tokens": 8},
                                         "model": "text-embedding-3-small"}


@pytest.mark.parametrize("size", [1, 2, 3, 1536])
def test_a_base64_vector_is_measured_in_float32s(size: int) -> None:
    # What the openai SDK asks for by default (`encoding_format: "base64"`).
    vector = base64.b64encode(struct.pack(f"<{size}f", *([0.25] * size))).decode()
    body = {"object": "list", "model": "m", "data": [{"object": "embedding", "index": 0, "embedding": vector}]}
    assert EMBEDDINGS.response(body)["dimensions"] == size


def test_embeddings_are_never_streamed_and_have_no_tokens_to_wait_for() -> None:
    assert EMBEDDINGS.request("/v1/embeddings", {"model": "m", "input": "hi", "stream": True}).model == "m"
    assert EMBEDDINGS.stream([{"data": {"object": "list"}}]) == {}
    assert EMBEDDINGS.is_token({"data": {"object": "list"}}) is False


def test_the_embeddings_mock_is_what_the_openai_sdk_parses() -> None:
    types = pytest.importorskip("openai.types")
    body = EMBEDDINGS.mock(NeutralAnswer("ignored"), "text-embedding-3-small", False)["body"]
    parsed = types.CreateEmbeddingResponse.model_validate(body)
    assert (parsed.model, len(parsed.data)) == ("text-embedding-3-small", 1)
