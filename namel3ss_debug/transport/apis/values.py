"""Tolerant readers of decoded JSON: each returns None (or an empty value) instead of raising when
the value is not what the API documents, so a decoder can simply ask for what it wants."""

from __future__ import annotations

import json
from typing import Any, Iterable


def field(value: Any, *keys: str | int) -> Any:
    """`value[k1][k2]...`, walking dicts by key and lists by index; None where the path breaks.

    >>> field({"choices": [{"text": "hi"}]}, "choices", 0, "text")
    'hi'
    """
    for key in keys:
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def text(value: Any) -> str | None:
    """The value when it is a string."""
    return value if isinstance(value, str) else None


def count(value: Any) -> int | None:
    """The value when it is a token count: a non-negative int (a bool is not one)."""
    return value if type(value) is int and value >= 0 else None


def items(value: Any) -> list[dict[str, Any]]:
    """The dicts of a list; anything else reads as no items."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def data_of(frame: Any) -> dict[str, Any] | None:
    """A stream frame's JSON object (`frame["data"]`), None for `[DONE]`, text or a malformed frame."""
    data = frame.get("data") if isinstance(frame, dict) else None
    return data if isinstance(data, dict) else None


def kind_of(frame: Any) -> str | None:
    """A server-sent event's kind: its data's `type`, else the wire's `event:` name."""
    kind = text(field(data_of(frame), "type"))
    return kind if kind is not None else text(field(frame, "event"))


def parse_json(joined: str) -> Any:
    """The JSON value of text joined from stream deltas, or the text itself when it does not parse."""
    try:
        return json.loads(joined)
    except ValueError:
        return joined


def put(outputs: dict[str, Any], key: str, value: Any) -> None:
    """Set `outputs[key]` only when a value was found (outputs carry only the keys found)."""
    if value is not None:
        outputs[key] = value


def answered(outputs: dict[str, Any], calls: list[dict[str, Any]], finish_reason: Any, usage: Any,
             body: Any) -> dict[str, Any]:
    """`outputs` with the answer's tool calls (when it asked for any), finish reason and usage (when
    found), `identified` by `body`: the tail every LLM API's decoder ends with."""
    if calls:
        outputs["tool_calls"] = calls
    put(outputs, "finish_reason", finish_reason)
    put(outputs, "usage", usage)
    return identified(outputs, body)


def identified(outputs: dict[str, Any], body: Any) -> dict[str, Any]:
    """`outputs` with the `model` and `id` the response (or a stream's first chunk) names itself by."""
    put(outputs, "model", text(field(body, "model")))
    put(outputs, "id", text(field(body, "id")))
    return outputs


def first_choice(choices: Any) -> dict[str, Any] | None:
    """The choice (or candidate) with index 0: a chunk of several choices names each by its `index`."""
    if not isinstance(choices, list):
        return None
    for choice in choices:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return None


def first_found(values: Iterable[Any]) -> Any:
    """The first value that is not None."""
    return next((value for value in values if value is not None), None)


def last_found(values: Iterable[Any]) -> Any:
    """The last value that is not None (a stream's last finish reason, its final usage)."""
    found = None
    for value in values:
        found = value if value is not None else found
    return found
