"""What an Anthropic Messages stream adds up to, as a Message: `message_start` gives the id, model
and first usage; `content_block_start` opens each block, whose `text_delta`s and `input_json_delta`s
follow (a tool's input arrives as JSON text in parts, parsed once joined; kept as text if it does not
parse); `message_delta` gives the stop reason and the final usage (output tokens, and input and
cache counts when the API resends them)."""

from __future__ import annotations

from typing import Any

from .values import count, data_of, kind_of, parse_json, text


def streamed_message(frames: list[dict[str, Any]]) -> dict[str, Any]:
    """The Message the stream's events describe (only what they named)."""
    message: dict[str, Any] = {}
    usage: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    parts: dict[int, list[str]] = {}  # block index -> its text or input JSON, in pieces
    for frame in frames:
        data, kind = data_of(frame), kind_of(frame)
        if data is None:
            continue
        if kind == "message_start" and isinstance(data.get("message"), dict):
            message = dict(data["message"])
            usage.update(_counts(message.get("usage")))
        elif kind == "content_block_start":
            _open_block(blocks, data)
        elif kind == "content_block_delta":
            _add_delta(parts, data)
        elif kind == "message_delta":
            message.update({key: value for key, value in _dict(data.get("delta")).items() if value is not None})
            usage.update(_counts(data.get("usage")))
    indexes = sorted(blocks.keys() | parts.keys())
    message["content"] = [_closed(blocks.get(index), parts.get(index)) for index in indexes]
    if usage:
        message["usage"] = usage
    return message


def _open_block(blocks: dict[int, dict[str, Any]], data: dict[str, Any]) -> None:
    index = count(data.get("index"))
    if index is not None and isinstance(data.get("content_block"), dict):
        blocks[index] = data["content_block"]


def _add_delta(parts: dict[int, list[str]], data: dict[str, Any]) -> None:
    index = count(data.get("index"))
    delta = _dict(data.get("delta"))
    piece = text(delta.get("text")) if delta.get("type") == "text_delta" else None
    if delta.get("type") == "input_json_delta":
        piece = text(delta.get("partial_json"))
    if index is not None and piece is not None:
        parts.setdefault(index, []).append(piece)


def _closed(block: dict[str, Any] | None, pieces: list[str] | None) -> dict[str, Any]:
    """A block with its deltas joined in (a copy: the frames stay as recorded)."""
    block = dict(block) if block is not None else {"type": "text", "text": ""}
    joined = "".join(pieces or ())
    if block.get("type") == "text":
        block["text"] = (text(block.get("text")) or "") + joined
    elif block.get("type") == "tool_use" and joined:
        block["input"] = parse_json(joined)
    return block


def _counts(value: Any) -> dict[str, int]:
    """The token counts of a usage object (a null count, as `message_delta` may send, is not one)."""
    return {key: found for key, found in _dict(value).items() if count(found) is not None}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
