"""The `anthropic` SDK: `client.messages.create(...)`, sync and async, streamed and not, as LLM spans.

A call becomes `llm_call_start` (name `anthropic.messages`, the request's model, and its parameters
as inputs: system, messages, tools, max_tokens...) and `llm_call_end` (the message as the API sent
it under `outputs.return`, its text, the tool uses it asks for, stop reason, usage). Headers, query
and timeout are not recorded, and the client (which holds the API key) never is. A stream's events
are recorded under `outputs.yielded` with what they add up to. Under `replay --rerun` the recorded
message comes back as a `Message` (a stream as the SDK's `Raw*Event`s), and a mock may be just text.
The `messages.stream()` helper posts without going through `create`: its manager's request is
wrapped instead (`stream_helpers.py`), so it is recorded and replayed as a streamed `create`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import ModuleType
from typing import Any

from .calls import ForeignSpec, Shape
from .sdk_calls import Endpoint, install_sdk
from .sdk_values import as_json, rebuilt, sdk_construct
from .stream_helpers import patch_stream_helpers

NAME = "anthropic.messages"
_MOCK_MESSAGE = {"id": "msg_mock", "type": "message", "role": "assistant", "model": "mock", "content": [],
                 "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}
_EVENT_TYPES = {"message_start": "RawMessageStartEvent", "message_delta": "RawMessageDeltaEvent",
                "message_stop": "RawMessageStopEvent", "content_block_start": "RawContentBlockStartEvent",
                "content_block_delta": "RawContentBlockDeltaEvent", "content_block_stop": "RawContentBlockStopEvent"}


def install(module: ModuleType) -> list[str]:
    """Wrap the hook points found in the imported `anthropic`; returns the ones missing."""
    return install_sdk("anthropic.resources.messages", "anthropic.types", ("Messages", "AsyncMessages"),
                       ("Message", *_EVENT_TYPES.values()), _endpoint, also=patch_stream_helpers)


def _endpoint(types: ModuleType) -> Endpoint:
    rebuild = AnthropicTypes(types, sdk_construct("anthropic"))
    check = AnthropicTypes(types)  # a mock is validated by the SDK's types
    return Endpoint(ForeignSpec("llm", NAME, codec=rebuild.message, mock_codec=check.message),
                    ForeignSpec("llm", NAME, codec=rebuild.event, generator=True, mock_codec=check.event), SHAPE,
                    replace(STREAM_SHAPE, mocked=rebuild.whole_message))


class AnthropicTypes:
    """Rebuild the SDK's own types from recorded JSON (or a mock's text), as the SDK built them from
    the API's (`construct`, see `sdk_values.rebuilt`)."""

    def __init__(self, types: ModuleType, construct: Any = None):
        self.message_type = types.Message
        self.event_types = {kind: getattr(types, name) for kind, name in _EVENT_TYPES.items()}
        self.any_event = getattr(types, "RawMessageStreamEvent", None)  # what the SDK's streams build
        self._construct = construct

    def message(self, value: Any) -> Any:
        if isinstance(value, str):
            value = {**_MOCK_MESSAGE, "content": [{"type": "text", "text": value}], "stop_reason": "end_turn"}
        return rebuilt(self.message_type, value, self._construct)

    def event(self, value: Any) -> Any:
        """A stream event by its `type`; a mock's text is one text delta. A type this SDK version does
        not know is built as its stream built it (the union of its event types)."""
        if isinstance(value, str):
            value = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": value}}
        kind = value.get("type") if isinstance(value, dict) else None
        event_type = self.event_types.get(kind)
        if event_type is None and self._construct is not None and self.any_event is not None:
            event_type = self.any_event
        if event_type is None:
            raise ValueError(f"not a stream event type this SDK has: {kind!r}")
        return rebuilt(event_type, value, self._construct)

    def whole_message(self, events: list[Any]) -> list[Any]:
        """A mocked stream as the events of a whole message, which the `messages.stream()` helper
        needs (its `get_final_message()`): events without a `message_start` (a mock's text deltas) get
        the message's start and end around them, and a text block's when they have none."""
        kinds = {getattr(event, "type", None) for event in events}
        if "message_start" in kinds:
            return events
        if "content_block_start" not in kinds:
            block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
            events = [self.event(block), *events, self.event({"type": "content_block_stop", "index": 0})]
        start = {"type": "message_start", "message": _MOCK_MESSAGE}
        delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                 "usage": {"output_tokens": 0}}
        return [self.event(start), *events, self.event(delta), self.event({"type": "message_stop"})]


# -- what a response records -----------------------------------------------------------------------
def _outputs(message: Any) -> dict[str, Any]:
    data = as_json(message)
    blocks = [block for block in data.get("content") or [] if isinstance(block, dict)]
    outputs: dict[str, Any] = {"text": "".join(b.get("text") or "" for b in blocks if b.get("type") == "text")}
    uses = [{"id": b.get("id"), "name": b.get("name"), "arguments": b.get("input")}
            for b in blocks if b.get("type") == "tool_use"]
    if uses:
        outputs["tool_calls"] = uses
    if data.get("stop_reason") is not None:
        outputs["finish_reason"] = data["stop_reason"]
    outputs["return"] = data
    return outputs


def _stream_summary(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What a stream's events add up to: text, tool uses (their input JSON joined), stop reason, usage."""
    text: list[str] = []
    uses: dict[int, dict[str, Any]] = {}
    usage: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for data in events:
        kind = data.get("type")
        if kind == "message_start":
            usage.update((data.get("message") or {}).get("usage") or {})
        elif kind == "content_block_start" and (data.get("content_block") or {}).get("type") == "tool_use":
            block = data["content_block"]
            uses[int(data.get("index") or 0)] = {"id": block.get("id"), "name": block.get("name"), "arguments": ""}
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                text.append(delta.get("text") or "")
            elif delta.get("type") == "input_json_delta" and int(data.get("index") or 0) in uses:
                uses[int(data.get("index") or 0)]["arguments"] += delta.get("partial_json") or ""
        elif kind == "message_delta":
            usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            stop = (data.get("delta") or {}).get("stop_reason")
            if stop is not None:
                summary["finish_reason"] = stop
    outputs: dict[str, Any] = {"text": "".join(text)}
    if uses:
        outputs["tool_calls"] = [{**use, "arguments": _parsed(use["arguments"])} for _, use in sorted(uses.items())]
    outputs.update(summary)
    if usage:
        outputs["usage"] = usage
    return outputs


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text


SHAPE = Shape(outputs=_outputs)
STREAM_SHAPE = Shape(outputs=_outputs, items=lambda events: [as_json(event) for event in events],
                     summary=_stream_summary)
