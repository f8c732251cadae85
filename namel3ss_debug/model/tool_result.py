"""What a tool's result said to the model, read out of the object a framework hands it in: the one reader every
tool span's result goes through before the error rule judges it (`error_shape.error_of_outputs`), whichever hook,
the wire or OpenTelemetry recorded it. It reads live objects by the attributes they have (no framework is
imported here) and the JSON the tracer writes of them, so a recording and its rerun read the same.

- LangChain's `ToolMessage` (`tool_call_id` and `content`; as JSON, `type: "tool"` too) and an OpenAI tool message
  (`role: "tool"`): its content; a `status` of `error` flags it.
- LlamaIndex's `ToolOutput` (`tool_name` and `raw_output`): the raw output when it is a text, an object or a list
  (its `content` is `str()` of it: an object as a Python repr, which the error rule does not parse), else the
  content; `is_error` flags it.
- MCP's `CallToolResult` (a `content` list and `isError` / `is_error`): its content; the flag flags it.
- a content list (MCP's, Anthropic's and OpenAI's `[{"type": "text", "text": ...}]`, objects of `type` or
  `block_type` `text` with a `text`, and in a message's content LangChain's strings): its text blocks joined by
  newlines, the first block's first line first; a list with no text block is itself.
- anything else (a text, an object the tool returned, a number): itself.

A flagged result reads as `{"is_error": true, "message": <what it said>}`, which the error rule's `flag` reads.
A dict is unwrapped only in the shapes above: a tool's own object that merely has a `content` key is its own.
"""

from __future__ import annotations

from typing import Any

_DEPTH = 4  # a message holding a result holding a message: deeper is not a framework's wrapping
_FLAGS = ("is_error", "isError")
_BLOCKS = 64  # the blocks of a content list read: a tool's huge list costs no more than a short one
_TEXT_BLOCKS = frozenset({"text", "output_text", "input_text"})
_MCP_KEYS = frozenset({"content", "isError", "is_error", "structuredContent", "structured_content", "meta", "_meta",
                       "result_type"})


def said(value: Any, depth: int = 0) -> Any:
    """What `value`, a tool's result as the framework handed it on, said to the model.

    >>> said({"type": "tool", "tool_call_id": "call_1", "content": "Error: city not found"})
    'Error: city not found'
    >>> said([{"type": "text", "text": "Error: no such city"}])
    'Error: no such city'
    >>> said({"content": "a page about errors", "url": "https://example.org"})["url"]
    'https://example.org'
    """
    if depth > _DEPTH or value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return _blocks(value)
    if isinstance(value, dict):
        return _from_json(value, depth)
    return _from_object(value, depth)


def text_of(value: Any) -> str | None:
    """The text `value` said to the model (a flagged result's too), or None when it said no text.

    >>> text_of({"content": [{"type": "text", "text": "boom"}], "isError": True})
    'boom'
    """
    read = said(value)
    if isinstance(read, dict) and read.get("is_error") is True and set(read) == {"is_error", "message"}:
        read = read["message"]
    return read if isinstance(read, str) else None


def _from_json(value: dict[Any, Any], depth: int) -> Any:
    """A message, a `ToolOutput` or a `CallToolResult` as the tracer wrote it; any other object as it is."""
    message = value.get("role") == "tool" or (value.get("type") == "tool" and "tool_call_id" in value)
    if message and "content" in value:
        return _flagged(_content(value["content"], depth), value.get("status") == "error")
    if "tool_name" in value and ("raw_output" in value or "blocks" in value):
        return _tool_output(value.get("raw_output"), _content_of_blocks(value.get("blocks")),
                            value.get("is_error") is True, depth)
    if isinstance(value.get("content"), list) and set(value) <= _MCP_KEYS:
        return _flagged(_blocks(value["content"]), any(value.get(flag) is True for flag in _FLAGS))
    return value


def _from_object(value: Any, depth: int) -> Any:
    """A live `ToolMessage`, `ToolOutput` or `CallToolResult`, known by its attributes; any other object as it is."""
    try:
        if hasattr(value, "tool_name") and hasattr(value, "raw_output"):
            return _tool_output(value.raw_output, getattr(value, "content", None),
                                getattr(value, "is_error", None) is True, depth)
        content = getattr(value, "content", None)
        if content is not None and hasattr(value, "tool_call_id"):
            return _flagged(_content(content, depth), getattr(value, "status", None) == "error")
        if isinstance(content, list) and any(hasattr(value, flag) for flag in _FLAGS):
            return _flagged(_blocks(content), any(getattr(value, flag, None) is True for flag in _FLAGS))
    except Exception:  # an object whose attributes raise: read as it is, which no rule reads as an error
        return value
    return value


def _content(content: Any, depth: int) -> Any:
    """A message's content: a text, or a list of blocks and strings (LangChain's)."""
    return _blocks(content, strings=True) if isinstance(content, list) else said(content, depth + 1)


def _tool_output(raw: Any, content: Any, flagged: bool, depth: int) -> Any:
    if isinstance(raw, (str, dict, list)):
        return _flagged(said(raw, depth + 1), flagged)
    return _flagged(content if isinstance(content, str) else said(content, depth + 1), flagged)


def _content_of_blocks(blocks: Any) -> Any:
    """A `ToolOutput`'s text as its JSON keeps it: the text of its blocks."""
    return _blocks(blocks) if isinstance(blocks, list) else None


def _blocks(items: list[Any], strings: bool = False) -> Any:
    """The text blocks of a content list, joined; the list itself when it holds none (a tool's own list). A
    string is a block only in a message's content (`strings`): a tool's own list of strings is its result. The
    first `_BLOCKS` items are read: the error rule reads a text's start."""
    texts = [text for item in items[:_BLOCKS] if (text := _block_text(item, strings)) is not None]
    return "\n".join(texts) if texts else items


def _block_text(item: Any, strings: bool) -> str | None:
    if isinstance(item, str):
        return item if strings else None
    if isinstance(item, dict):
        kind = item.get("type", item.get("block_type"))
        text = item.get("text")
    else:
        kind = getattr(item, "type", getattr(item, "block_type", None))
        text = getattr(item, "text", None)
    return text if kind in _TEXT_BLOCKS and isinstance(text, str) else None


def _flagged(value: Any, flagged: bool) -> Any:
    return {"is_error": True, "message": value} if flagged else value
