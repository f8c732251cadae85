"""A streamed openai call is recorded with each chunk's repeated envelope dropped, and rebuilt exactly."""

from __future__ import annotations

import pytest

openai_types = pytest.importorskip("openai.types.chat", reason="openai is not installed: "
                                                               "pip install 'namel3ss-debug[openai]'")

from namel3ss_debug.integrations.openai_sdk import STREAM_SHAPE, OpenAITypes  # noqa: E402

Chunk = openai_types.ChatCompletionChunk
BASE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "system_fingerprint": "fp"}


def chunk(content: str | None, **envelope: object) -> object:
    fields = {**BASE, **envelope}
    fields = {key: value for key, value in fields.items() if value is not None}
    return Chunk.model_validate({**fields, "choices": [{"index": 0, "delta": {"content": content},
                                                        "finish_reason": None}]})


def test_chunks_that_repeat_the_first_envelope_are_recorded_without_it_and_rebuilt_equal() -> None:
    sent = [chunk("a"), chunk("b"), chunk("c", system_fingerprint=None), chunk("c2", system_fingerprint=None),
            chunk("d", id="chatcmpl-2"), chunk("e", id="chatcmpl-2")]
    recorded = STREAM_SHAPE.items(sent)
    assert list(recorded[1]) == ["choices"]  # the envelope of the chunk before: dropped
    assert recorded[2]["id"] == "chatcmpl-1" and "system_fingerprint" not in recorded[2]  # another: kept whole
    assert list(recorded[3]) == ["choices"]  # the same as the one before it, without a fingerprint
    assert recorded[4]["id"] == "chatcmpl-2" and list(recorded[5]) == ["choices"]
    rebuild = OpenAITypes(openai_types.ChatCompletion, Chunk).chunk
    rebuilt = [rebuild(item) for item in recorded]
    assert rebuilt == sent
    assert rebuilt[5].id == "chatcmpl-2" and rebuilt[3].system_fingerprint is None


def test_a_mocked_chunk_gets_a_mock_envelope() -> None:
    rebuilt = OpenAITypes(openai_types.ChatCompletion, Chunk).chunk("Hello")
    assert (rebuilt.id, rebuilt.model, rebuilt.choices[0].delta.content) == ("chatcmpl-mock", "mock", "Hello")


def test_two_threads_rebuilding_streams_at_once_each_get_their_own_envelope() -> None:
    import threading

    rebuild = OpenAITypes(openai_types.ChatCompletion, Chunk).chunk
    streams = {name: STREAM_SHAPE.items([chunk("a", id=name), chunk("b", id=name)]) for name in ("one", "two")}
    rebuilt: dict[str, list[object]] = {"one": [], "two": []}
    turns = {name: threading.Event() for name in ("one", "two")}

    def read(name: str, then: str) -> None:  # the chunks of the two streams rebuilt in turn
        for item in streams[name]:
            turns[name].wait(5)
            turns[name].clear()
            rebuilt[name].append(rebuild(item))
            turns[then].set()

    threads = [threading.Thread(target=read, args=pair, daemon=True) for pair in (("one", "two"), ("two", "one"))]
    for thread in threads:
        thread.start()
    turns["one"].set()
    for thread in threads:
        thread.join(5)
    assert [c.id for c in rebuilt["one"]] == ["one", "one"] and [c.id for c in rebuilt["two"]] == ["two", "two"]
