"""A golden file's streamed answers kept without their frames (`testing/golden_streams.py`) and made again for a
rerun (`transport/stream_rebuild.py`): the frames are the stub server's, as each API streams them, read as the
transport reads them; what the frames made again add up to is compared as each API's decoder reads it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from support.pathmodule import module_at

from namel3ss_debug.testing.golden_streams import compacted, field_paths
from namel3ss_debug.transport import apis
from namel3ss_debug.transport.apis.anthropic_stream import streamed_message
from namel3ss_debug.transport.frames import frames_of, restored
from namel3ss_debug.transport.stream_rebuild import with_frames

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
server = module_at("llm_stub_server", EXAMPLES / "llm_stub_server.py")  # loads llm_stub_apis beside it
stub = server.apis
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
USER = [{"role": "user", "content": "Weather in Oslo?"}]
GEMINI_TOOL = [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "object"}}]}]

# (API, the stub's builder, the request, the model): text, and a tool call, for each API made again
STREAMS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "chat": ("openai.chat", stub.openai_chat, {"messages": USER, "stream_options": {"include_usage": True}}),
    "chat tool": ("openai.chat", stub.openai_chat, {"messages": USER, "tools": [TOOL]}),
    "anthropic": ("anthropic.messages", stub.anthropic_messages, {"messages": USER}),
    "anthropic tool": ("anthropic.messages", stub.anthropic_messages,
                       {"messages": USER, "tools": [{"name": "get_weather", "input_schema": {}}]}),
    "responses": ("openai.responses", stub.openai_responses, {"input": "Weather in Oslo?"}),
    "responses tool": ("openai.responses", stub.openai_responses,
                       {"input": "Weather in Oslo?", "tools": [{"type": "function", "name": "get_weather"}]}),
    "gemini": ("gemini.generate_content", stub.gemini_generate, {"contents": [{"parts": [{"text": "Oslo?"}]}]}),
    "gemini tool": ("gemini.generate_content", stub.gemini_generate,
                    {"contents": [{"parts": [{"text": "Weather in Oslo?"}]}], "tools": GEMINI_TOOL}),
    "ollama chat": ("ollama.chat", stub.ollama_chat, {"messages": USER}),
    "ollama tool": ("ollama.chat", stub.ollama_chat, {"messages": USER, "tools": [TOOL]}),
    "ollama generate": ("ollama.generate", stub.ollama_generate, {"prompt": "Weather in Oslo?"}),
}


def end_event(name: str, chunks: list[dict[str, Any]], framing: str) -> dict[str, Any]:
    """The end event the transport records for a stream of `chunks` on the wire (`exchange.py`'s reading)."""
    content_type = "application/x-ndjson" if framing == "ndjson" else "text/event-stream"
    frames, _ = frames_of("ndjson" if framing == "ndjson" else "sse", server._framed(chunks, framing), compact=True)
    said = apis.named(name).stream(list(restored(frames)))  # type: ignore[union-attr]
    usage, model = said.pop("usage", None), said.pop("model", None)
    record = {"status": 200, "headers": {"content-type": content_type},
              "framing": "ndjson" if framing == "ndjson" else "sse", "frames": frames}
    return {"event_type": "llm_call_end", "component": "llm", "name": name, "status": "completed",
            "outputs": {**said, "return": record}, "usage": usage, "model": model}


def stub_event(case: str, **changed: Any) -> dict[str, Any]:
    name, build, request = STREAMS[case]
    reply = build({**request, "model": "m-1", **changed}, "m-1", "")
    return end_event(name, reply.chunks, reply.framing)


def chat_event(edit: Any) -> dict[str, Any]:
    """A streamed chat answer whose chunks `edit` changed first."""
    reply = stub.openai_chat({"messages": USER, "stream_options": {"include_usage": True}}, "m-1", "")
    chunks = copy.deepcopy(reply.chunks)
    edit(chunks)
    return end_event("openai.chat", chunks, reply.framing)


def recorded_frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    return list(restored(event["outputs"]["return"]["frames"]))


@pytest.mark.parametrize("case", STREAMS)
def test_a_stream_made_again_says_what_the_recorded_one_said(case: str) -> None:
    event = stub_event(case)
    kept = compacted(event)
    record = kept["outputs"]["return"]
    assert "frames" not in record and set(record) == {"status", "headers", "framing", "rebuilt"}
    assert {k: v for k, v in kept["outputs"].items() if k != "return"} == \
        {k: v for k, v in event["outputs"].items() if k != "return"}
    served = with_frames(kept)["outputs"]["return"]
    api = apis.named(event["name"])
    assert api is not None and served["framing"] == event["outputs"]["return"]["framing"]
    assert api.stream(served["frames"]) == api.stream(recorded_frames(event))
    assert field_paths(recorded_frames(event)) <= field_paths(served["frames"])


def test_an_anthropic_stream_made_again_builds_the_same_message() -> None:
    event = stub_event("anthropic tool")
    served = with_frames(compacted(event))["outputs"]["return"]["frames"]
    assert streamed_message(served) == streamed_message(recorded_frames(event))
    assert [frame["event"] for frame in served][0::len(served) - 1] == ["message_start", "message_stop"]


def test_a_chat_stream_made_again_keeps_its_envelope_usage_and_tool_call_text() -> None:
    event = stub_event("chat tool", stream_options={"include_usage": True})
    served = with_frames(compacted(event))["outputs"]["return"]["frames"]
    chunks = [frame["data"] for frame in served]
    assert {chunk["id"] for chunk in chunks[:-1]} == {"chatcmpl-stub1"} and chunks[-1] == "[DONE]"
    assert chunks[-2]["usage"] == {"prompt_tokens": 6, "completion_tokens": 1, "total_tokens": 7}
    [call] = [chunk["choices"][0]["delta"]["tool_calls"][0] for chunk in chunks[:-2] if "tool_calls" in
              chunk["choices"][0]["delta"]]
    assert call["function"]["arguments"] == '{"city": "Oslo"}'  # the text as the model wrote it, spaces and all


def test_openai_s_obfuscation_padding_does_not_keep_the_frames() -> None:
    def pad(chunks: list[dict[str, Any]]) -> None:
        for number, chunk in enumerate(chunks):
            chunk["obfuscation"] = "x" * number

    assert "frames" not in compacted(chat_event(pad))["outputs"]["return"]


def add_reasoning(chunks: list[dict[str, Any]]) -> None:
    chunks[1]["choices"][0]["delta"]["reasoning_content"] = "thinking"


def add_second_choice(chunks: list[dict[str, Any]]) -> None:
    chunks.insert(2, {**chunks[1], "choices": [{"index": 1, "delta": {"content": "other"}, "finish_reason": None}]})


def add_logprobs(chunks: list[dict[str, Any]]) -> None:
    chunks[1]["choices"][0]["logprobs"] = {"content": [{"token": "Echo", "logprob": -0.1}]}


@pytest.mark.parametrize("edit", [add_reasoning, add_second_choice, add_logprobs])
def test_a_stream_with_what_the_decoder_does_not_read_keeps_its_frames(edit: Any) -> None:
    event = chat_event(edit)
    assert compacted(event) is event


def test_a_stream_that_did_not_end_keeps_its_frames() -> None:
    reply = stub.openai_chat({"messages": USER}, "m-1", "")
    event = end_event("openai.chat", reply.chunks, "sse")  # no `data: [DONE]`
    assert compacted(event) is event


def test_anthropic_blocks_the_mock_would_merge_keep_their_frames() -> None:
    reply = stub.anthropic_messages({"messages": USER, "tools": [{"name": "get_weather", "input_schema": {}}]},
                                    "m-1", "")
    chunks = copy.deepcopy(reply.chunks)
    text = [{"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Looking."}},
            {"type": "content_block_stop", "index": 0}]
    for chunk in chunks:
        if "index" in chunk:
            chunk["index"] += 1
    chunks[1:1] = text
    chunks[-2:-2] = [{**event, "index": 2} for event in text]  # text, tool_use, text: the mock says text, tool_use
    event = end_event("anthropic.messages", chunks, reply.framing)
    assert compacted(event) is event


@pytest.mark.parametrize("change", ["failed", "closed_early", "truncated", "outputs edited", "legacy"])
def test_a_stream_that_failed_was_cut_or_differs_from_its_outputs_keeps_its_frames(change: str) -> None:
    event = stub_event("chat")
    if change == "failed":
        event["status"], event["error"] = "failed", {"type": "ReadError", "message": "connection reset"}
    elif change == "closed_early":
        event["attrs"] = {"closed_early": True}
    elif change == "truncated":
        event["truncated"] = {"outputs": {"original_size": 99999}}
    elif change == "outputs edited":
        event["outputs"]["text"] = "Echo: [REDACTED]"
    else:
        reply = stub.openai_completions({"prompt": "Weather in Oslo?"}, "m-1", "")
        event = end_event("openai.completions", reply.chunks, reply.framing)
    assert compacted(event) is event


def test_events_that_are_no_rebuilt_stream_are_served_as_they_are() -> None:
    event = stub_event("chat")
    assert with_frames(event) is event
    kept = compacted(event)
    kept["outputs"]["return"]["rebuilt"] = {"usage": {}}  # edited by hand: no envelope
    served = with_frames(kept)["outputs"]["return"]
    assert "status" not in served and "frames" not in served  # a rerun reports it as no response to serve


@pytest.mark.parametrize("case", STREAMS)
def test_a_stream_served_again_is_kept_as_it_was(case: str) -> None:
    """A replayed call's end (its frames the ones made again) is written as the golden file had it: `new` mode
    rewrites a golden file with the same bytes for the calls it replayed."""
    kept = compacted(stub_event(case))
    served = with_frames(kept)["outputs"]["return"]
    name = kept["name"]
    again = end_event(name, [frame["data"] for frame in served["frames"] if frame["data"] != "[DONE]"],
                      "sse+done" if name == "openai.chat" else "sse-named" if "event" in served["frames"][0]
                      else served["framing"])
    assert compacted(again) == kept


def test_the_fields_openai_and_anthropic_add_to_every_chunk_do_not_keep_the_frames() -> None:
    def as_openai_sends(chunks: list[dict[str, Any]]) -> None:  # nulls on every chunk, padding, a service tier
        for chunk in chunks:
            chunk.update(service_tier="default", obfuscation="Zm9v", usage=chunk.get("usage"))
            for choice in chunk["choices"]:
                choice["logprobs"] = None
        chunks[0]["choices"][0]["delta"]["refusal"] = None

    event = chat_event(as_openai_sends)
    kept = compacted(event)
    assert "frames" not in kept["outputs"]["return"]
    assert kept["outputs"]["return"]["rebuilt"]["envelope"]["service_tier"] == "default"
    reply = stub.anthropic_messages({"messages": USER}, "m-1", "")
    pinged = end_event("anthropic.messages", [reply.chunks[0], {"type": "ping"}, *reply.chunks[1:]], reply.framing)
    assert "frames" not in compacted(pinged)["outputs"]["return"]
